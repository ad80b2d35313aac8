import { Global, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { getOptionsToken, getStorageToken } from '@nestjs/throttler';
import { APP_CONFIG } from '../config';
import { ChatRateLimiter } from './chat-rate-limiter';
import { RateLimitInterceptor } from './rate-limit.interceptor';
import { RateLimitTelemetry } from './rate-limit-telemetry';
import { RateLimiter } from './rate-limiter';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { throttlerOptions } from './throttle-options';
import { ThrottleGuard } from './throttle.guard';

/**
 * Rate limits on Redis, shared by every API process (docs/contract.md "Rate limits"), all counted by
 * RateLimiter: the HTTP throttlers (ThrottleGuard, first of the global guards, +
 * RateLimitInterceptor for the user-keyed ones), ChatRateLimiter for the socket, and the queue
 * dashboard's sign-ins (LOGIN, LOGIN_EMAIL). THROTTLE_ENABLED=false turns them all off.
 *
 * Redis unreachable (the throttle connection has no offline queue and a 500 ms command timeout,
 * so a check never hangs): LOGIN and LOGIN_EMAIL fail closed (503: password guessing must not go
 * unlimited); GLOBAL, SEARCH, REGISTER, REFRESH, BOOKING and CHAT fail open (the request is served:
 * an outage of the limiter must not become an outage of the API). Either way a warning is logged
 * (at most one per throttler per 10 s) and `parcsal_throttle_storage_errors_total{throttler}` counts
 * it; 429s count in `parcsal_throttled_requests_total{throttler}`.
 */
@Global()
@Module({
  providers: [
    RedisThrottlerStorage,
    RateLimitTelemetry,
    RateLimiter,
    ChatRateLimiter,
    { provide: getOptionsToken(), useFactory: throttlerOptions, inject: [APP_CONFIG] },
    { provide: getStorageToken(), useExisting: RedisThrottlerStorage },
    ThrottleGuard,
    { provide: APP_GUARD, useExisting: ThrottleGuard },
    RateLimitInterceptor,
    { provide: APP_INTERCEPTOR, useExisting: RateLimitInterceptor },
  ],
  exports: [ChatRateLimiter, RateLimiter],
})
export class ThrottleModule {}
