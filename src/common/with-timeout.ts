/** A call that did not settle in its budget; the message names what did not answer. */
export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * `promise`, or a TimeoutError once `ms` have passed: the one bound on every call to Redis, a queue
 * or a shutdown that could otherwise wait forever (BullMQ and QUIT wait for Redis without limit).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'the call'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // setImmediate: after a blocked event loop the timer phase runs before pending socket reads;
    // give a reply that already arrived the chance to win before declaring a timeout.
    timer = setTimeout(() => setImmediate(() => reject(new TimeoutError(what, ms))), ms);
    // The bound alone must not keep a process alive that has nothing else to do.
    timer.unref();
  });
  // A late rejection of the abandoned call must not become an unhandled rejection.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
