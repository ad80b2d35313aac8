import type { RateLimitName } from '../config';

/** Metadata key of the limits a route names with `@RateLimit(...)`. */
export const RATE_LIMITS = 'rateLimit:names';

/** Limits a route opts into with `@RateLimit(...)`; GLOBAL applies to every route anyway. */
export type RouteRateLimitName = Exclude<RateLimitName, 'GLOBAL' | 'CHAT'>;

/**
 * The prefix of the metadata key `@SkipThrottle({ NAME: true })` of @nestjs/throttler writes, named
 * as the package names it (it does not export it from its entry point;
 * rate-limit.constants.spec.ts fails if it changes).
 */
export const THROTTLER_SKIP = 'THROTTLER:SKIP';

/**
 * Keyed by the signed-in user, so evaluated after the global JwtGuard (by the interceptor);
 * every other limit is evaluated by the guard, before authentication.
 */
export const AFTER_AUTH_LIMITS: ReadonlySet<RateLimitName> = new Set(['BOOKING']);

/**
 * Redis unreachable: these refuse the request (503) rather than let a password guesser through
 * unlimited; every other limit lets the request through (an outage of the limiter must not be an
 * outage of the API).
 */
export const FAIL_CLOSED_LIMITS: ReadonlySet<RateLimitName> = new Set(['LOGIN', 'LOGIN_EMAIL']);

/**
 * Count failed attempts only, yet never let more than LIMIT attempts run per window: each attempt
 * is reserved before it is made and given back unless it failed with 401 (RateLimiter).
 */
export const FAILURE_COUNTED_LIMITS: ReadonlySet<RateLimitName> = new Set(['LOGIN_EMAIL']);
