import { SetMetadata } from '@nestjs/common';
import type { RouteThrottlerName } from './throttle.constants';

export const RATE_LIMITS = 'throttle:rateLimits';

/**
 * Applies these named limits (THROTTLE_<NAME>) to the route, on top of GLOBAL. A throttler not
 * named here never counts the route: per-route limits are opt-in.
 */
export const RateLimit = (...names: RouteThrottlerName[]) => SetMetadata(RATE_LIMITS, names);
