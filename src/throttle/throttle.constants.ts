import type { ThrottlerName } from '../config';

/** Throttlers a route opts into with `@RateLimit(...)`; GLOBAL applies to every route anyway. */
export type RouteThrottlerName = Exclude<ThrottlerName, 'GLOBAL' | 'CHAT'>;

/** The HTTP throttlers, in the order their checks run. CHAT is the socket's (ChatRateLimiter). */
export const HTTP_THROTTLERS: readonly ThrottlerName[] = [
  'GLOBAL',
  'LOGIN',
  'LOGIN_EMAIL',
  'REGISTER',
  'REFRESH',
  'BOOKING',
  'SEARCH',
];

/**
 * Keyed by the signed-in user, so evaluated after the global JwtGuard (by the interceptor);
 * every other throttler is evaluated by the guard, before authentication.
 */
export const AFTER_AUTH_THROTTLERS: ReadonlySet<ThrottlerName> = new Set(['BOOKING']);

/**
 * Redis unreachable: these refuse the request (503) rather than let a password guesser through
 * unlimited; every other limit lets the request through (an outage of the limiter must not be an
 * outage of the API).
 */
export const FAIL_CLOSED_THROTTLERS: ReadonlySet<ThrottlerName> = new Set(['LOGIN', 'LOGIN_EMAIL']);

/** Counted only when the handler answers 401 (see RateLimitInterceptor). */
export const FAILURE_COUNTED_THROTTLERS: ReadonlySet<ThrottlerName> = new Set(['LOGIN_EMAIL']);
