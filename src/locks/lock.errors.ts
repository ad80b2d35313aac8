import { ConflictException } from '@nestjs/common';
import { ServiceUnavailableError } from '../common/infrastructure-errors';

/**
 * Someone else holds the lock and did not let go within the retry budget. It is an HTTP 409
 * (the global exception filter maps it) because for a client it means "the thing you are
 * changing is being changed right now, try again"; callers outside HTTP (workers) catch it by type.
 */
export class LockBusyError extends ConflictException {
  constructor(readonly lockName: string) {
    super(`${describe(lockName)} is being changed by another request, try again shortly`);
    this.name = 'LockBusyError';
  }
}

/**
 * The lock's Redis masters do not answer (down, unreachable, misconfigured): not contention.
 * A ServiceUnavailableError, so a caller that does not handle it answers 503.
 */
export class LockUnavailableError extends ServiceUnavailableError {
  constructor(lockName: string, cause?: unknown) {
    super(`Lock service (Redis) for ${lockName}`, cause);
    this.name = 'LockUnavailableError';
  }
}

/** Aborts a holder's signal when its lock could not be extended before it expired. */
export class LockLostError extends Error {
  constructor(lockName: string) {
    super(`Lock ${lockName} expired before it could be extended`);
    this.name = 'LockLostError';
  }
}

/** `booking:shipment` → `This shipment`; anything else → `This resource`. */
function describe(lockName: string): string {
  const noun = lockName.split(':').pop();
  return noun && noun !== '*' ? `This ${noun}` : 'This resource';
}
