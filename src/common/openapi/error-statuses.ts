/** The error statuses the API answers, with what each means in every route. */
export const ERROR_DESCRIPTIONS = {
  400: 'Invalid input: `message` lists what is wrong',
  401: 'Missing, malformed, expired or revoked access token',
  403: 'Signed in, but not allowed to do this',
  404: 'Not found (or not yours)',
  409: 'Conflicts with the current state',
  410: 'No longer available',
  413: 'Request body larger than 100 kB',
  415: 'Unsupported Content-Encoding or charset',
  429: 'Over a rate limit: retry after `Retry-After` seconds',
  503: 'Redis or the database is unavailable: retry shortly',
} as const;

export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;
