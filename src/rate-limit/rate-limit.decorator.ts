import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { RateLimitInterceptor } from './rate-limit.interceptor';
import { FAILURE_COUNTED_LIMITS, RATE_LIMITS, RouteRateLimitName } from './rate-limit.constants';

export { RATE_LIMITS };

/**
 * Applies these named limits (THROTTLE_<NAME>) to the route, on top of GLOBAL. A limit not
 * named here never counts the route: per-route limits are opt-in. A failure-counted limit
 * (LOGIN_EMAIL) also gets the route RateLimitInterceptor, which settles its reserved attempts.
 */
export const RateLimit = (...names: RouteRateLimitName[]) =>
  names.some((name) => FAILURE_COUNTED_LIMITS.has(name))
    ? applyDecorators(SetMetadata(RATE_LIMITS, names), UseInterceptors(RateLimitInterceptor))
    : SetMetadata(RATE_LIMITS, names);
