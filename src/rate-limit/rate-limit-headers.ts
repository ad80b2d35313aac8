import type { RateLimitName } from '../config';

/** Where a request stands under one limit, after it was counted. */
export interface LimitState {
  name: RateLimitName;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  reset: number;
}

/**
 * The limit closest to running out: the fewest requests remaining, and among equals the one that
 * resets last (the client has to wait longest for it).
 */
export function closestToLimit(states: readonly LimitState[]): LimitState | null {
  let closest: LimitState | null = null;
  for (const state of states) {
    if (
      !closest ||
      state.remaining < closest.remaining ||
      (state.remaining === closest.remaining && state.reset > closest.reset)
    ) {
      closest = state;
    }
  }
  return closest;
}

/** The IETF draft `RateLimit-*` headers (seconds), for the limit closest to running out. */
export function rateLimitHeaders(states: readonly LimitState[]): Record<string, number> {
  const closest = closestToLimit(states);
  if (!closest) return {};
  return {
    'RateLimit-Limit': closest.limit,
    'RateLimit-Remaining': closest.remaining,
    'RateLimit-Reset': closest.reset,
  };
}
