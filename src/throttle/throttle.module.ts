import { Global, Module } from '@nestjs/common';
import { ChatRateLimiter } from './chat-rate-limiter.service';
import { RateLimitTelemetry } from './rate-limit-telemetry';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** Rate limits on Redis, shared by every API process (CONTRACT.md "Rate limits"). */
@Global()
@Module({
  providers: [RedisThrottlerStorage, RateLimitTelemetry, ChatRateLimiter],
  exports: [ChatRateLimiter],
})
export class ThrottleModule {}
