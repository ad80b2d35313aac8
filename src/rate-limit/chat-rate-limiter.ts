import { Injectable } from '@nestjs/common';
import { RateLimiter } from './rate-limiter';

/**
 * The `CHAT` limit of the `chat:send` socket event: at most THROTTLE_CHAT messages per window
 * per user, counted atomically on Redis so it holds across every API process.
 */
@Injectable()
export class ChatRateLimiter {
  constructor(private readonly limiter: RateLimiter) {}

  /**
   * Counts one message of this user; true when it may be sent. Redis down: true (fail open, like
   * the other per-user limits: a chat message needs a signed-in participant and is cheap), with a
   * warning and `parcsal_throttle_storage_errors_total{throttler="CHAT"}`.
   */
  consume(userId: string): Promise<boolean> {
    return this.limiter.consume('CHAT', userId);
  }
}
