import { DynamicModule, Module, Type } from '@nestjs/common';
import { ChatRateLimiter } from './chat-rate-limiter';
import { RateLimitEnforcer } from './rate-limit-enforcer';
import { RateLimitInterceptor } from './rate-limit.interceptor';
import { RateLimitTelemetry } from './rate-limit-telemetry';
import { RateLimiter } from './rate-limiter';
import { RateLimitStorage } from './rate-limit.storage';
import { RateLimitAfterAuthGuard, RateLimitGuard } from './rate-limit.guard';

/**
 * Rate limits on Redis, shared by every API process (docs/contract.md "Rate limits"), all counted by
 * RateLimiter: the route limits (RateLimitEnforcer, called by RateLimitGuard before authentication
 * and by RateLimitAfterAuthGuard after it; RateLimitInterceptor settles reserved sign-in attempts
 * on the routes that reserve them), ChatRateLimiter for the socket, and the queue dashboard's
 * sign-ins (RateLimitEnforcer.signIn, as POST /auth/login). THROTTLE_ENABLED=false turns them all
 * off. The guards are
 * exported, not registered: AppModule registers the global guards in the order they must run.
 *
 * Redis unreachable (the rate-limit connection has no offline queue and a 500 ms command timeout,
 * so a check never hangs): LOGIN and LOGIN_EMAIL fail closed (503: password guessing must not go
 * unlimited); GLOBAL, SEARCH, REGISTER, REFRESH, BOOKING and CHAT fail open (the request is served:
 * an outage of the limiter must not become an outage of the API). Either way a warning is logged
 * (at most one per limit per 10 s) and `parcsal_throttle_storage_errors_total{throttler}` counts
 * it; 429s count in `parcsal_throttled_requests_total{throttler}`.
 */
@Module({})
export class RateLimitModule {
  /** `refreshTokens`: the module that exports RefreshTokenOwner (AuthModule). */
  static forRoot(refreshTokens: Type<unknown>): DynamicModule {
    return {
      module: RateLimitModule,
      global: true,
      imports: [refreshTokens],
      providers: [
        RateLimitStorage,
        RateLimitTelemetry,
        RateLimiter,
        ChatRateLimiter,
        RateLimitEnforcer,
        RateLimitGuard,
        RateLimitAfterAuthGuard,
        RateLimitInterceptor,
      ],
      exports: [
        ChatRateLimiter,
        RateLimitEnforcer,
        RateLimitInterceptor,
        RateLimitGuard,
        RateLimitAfterAuthGuard,
      ],
    };
  }
}
