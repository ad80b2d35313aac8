import { SetMetadata } from '@nestjs/common';
import type { RouteRateLimitName } from './rate-limit.constants';

export const RATE_LIMITS = 'rateLimit:names';

/**
 * Applies these named limits (THROTTLE_<NAME>) to the route, on top of GLOBAL. A throttler not
 * named here never counts the route: per-route limits are opt-in.
 */
export const RateLimit = (...names: RouteRateLimitName[]) => SetMetadata(RATE_LIMITS, names);
