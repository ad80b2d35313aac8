import { STATUS_CODES } from 'node:http';

/** The one error body of the contract: `{ statusCode, error, message }`. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  [extra: string]: unknown;
}

export function errorBody(
  statusCode: number,
  message: string | string[],
  extra: object = {},
): ErrorBody {
  return { ...extra, statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}
