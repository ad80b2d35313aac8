/** A dependency (Redis, PostgreSQL) is down or too slow: a 503 to the client, not a bug. */
export class ServiceUnavailableError extends Error {
  constructor(what: string, cause?: unknown) {
    super(`${what} is unavailable${cause instanceof Error ? `: ${cause.message}` : ''}`);
    this.name = 'ServiceUnavailableError';
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);
// PostgreSQL: admin shutdown, crash shutdown, cannot connect now, connection failures, query canceled (statement_timeout).
const PG_UNAVAILABLE = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  '57014',
]);

export function isInfrastructureOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof ServiceUnavailableError) return true;
  const code =
    (error as { code?: string }).code ?? (error.cause as { code?: string } | undefined)?.code;
  if (code && (NETWORK_CODES.has(code) || PG_UNAVAILABLE.has(code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Stream isn't writeable|Connection is closed|Command timed out|MaxRetriesPerRequest/i.test(
    `${error.message} ${(error.cause as Error | undefined)?.message ?? ''}`,
  );
}
