/**
 * A send that must not be retried: the server answered 5xx (bad recipient, rejected content).
 * Anything else (4xx answers, refused or dropped connections, timeouts) is transient.
 */
export class PermanentEmailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentEmailError';
  }
}
