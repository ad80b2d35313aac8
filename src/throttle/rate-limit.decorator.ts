import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { RateLimitInterceptor } from './rate-limit.interceptor';
import { FAILURE_COUNTED_THROTTLERS, RATE_LIMITS, RouteThrottlerName } from './throttle.constants';

export { RATE_LIMITS };

/**
 * Applies these named limits (THROTTLE_<NAME>) to the route, on top of GLOBAL. A throttler not
 * named here never counts the route: per-route limits are opt-in. A failure-counted throttler
 * (LOGIN_EMAIL) also gets the route RateLimitInterceptor, which settles its reserved attempts.
 */
export const RateLimit = (...names: RouteThrottlerName[]) =>
  names.some((name) => FAILURE_COUNTED_THROTTLERS.has(name))
    ? applyDecorators(SetMetadata(RATE_LIMITS, names), UseInterceptors(RateLimitInterceptor))
    : SetMetadata(RATE_LIMITS, names);
