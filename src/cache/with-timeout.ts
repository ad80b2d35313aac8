export class CacheTimeoutError extends Error {
  constructor(ms: number) {
    super(`cache Redis did not answer within ${ms} ms`);
    this.name = 'CacheTimeoutError';
  }
}

/** Rejects after `ms`: a cache call must never hold a request longer than that. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    // setImmediate: after a blocked event loop the timer phase runs before pending socket reads;
    // give a reply that already arrived the chance to win before declaring a timeout.
    timer = setTimeout(() => setImmediate(() => reject(new CacheTimeoutError(ms))), ms);
  });
  // A late rejection of the abandoned call must not become an unhandled rejection.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
