import { StartupError } from '../common/start-up';
import type { RedisConnectionConfig } from '../config';
import { describeRedisTarget, describeRedisVariable } from './redis-connection.factory';

/** Start-up could not reach Redis: one line with where, which variable, and why. */
export class RedisUnavailableError extends StartupError {
  constructor(target: RedisConnectionConfig, reason: string) {
    super(
      `Cannot reach Redis at ${describeRedisTarget(target)} (${describeRedisVariable(target)}): ${reason}`,
    );
    this.name = 'RedisUnavailableError';
  }
}
