/** Injection token of the response cache's own Redis connection (CACHE_REDIS_URL). */
export const CACHE_REDIS = Symbol('CACHE_REDIS');

/** Metadata key of a cached route's options (see `@CachedResponse`). */
export const CACHED_ROUTE = 'parcsal:cached-route';
