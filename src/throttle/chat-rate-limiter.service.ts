import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config';
import { RateLimitTelemetry } from './rate-limit-telemetry';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * The `CHAT` limit of the `chat:send` socket event: at most THROTTLE_CHAT messages per window
 * per user, counted atomically on Redis so it holds across every API process.
 */
@Injectable()
export class ChatRateLimiter {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly storage: RedisThrottlerStorage,
    private readonly telemetry: RateLimitTelemetry,
  ) {}

  /**
   * Counts one message of this user; true when it may be sent. Redis down: true (fail open, like
   * the other per-user limits: a chat message needs a signed-in participant and is cheap), with a
   * warning and `parcsal_throttle_storage_errors_total{throttler="CHAT"}`.
   */
  async consume(userId: string): Promise<boolean> {
    if (!this.config.throttle.enabled) return true;
    const { limit, seconds } = this.config.throttle.limits.CHAT;
    try {
      const record = await this.storage.increment(
        `CHAT:${userId}`,
        seconds * 1000,
        limit,
        seconds * 1000,
        'CHAT',
      );
      if (record.isBlocked) this.telemetry.throttled('CHAT');
      return !record.isBlocked;
    } catch (error) {
      this.telemetry.storageError('CHAT', error);
      return true;
    }
  }
}
