import { CacheKey } from '@nestjs/cache-manager';
import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import type { CacheName } from '../config';
import { CACHED_ROUTE } from './cache.constants';
import { ResponseCacheInterceptor } from './response-cache.interceptor';

export interface CachedRouteOptions {
  /**
   * The route reads its query: the parameters' defaults (as the DTO applies them), so that
   * `?page=1&limit=20` and `?limit=20` share an entry. Absent: the query is not part of the key.
   */
  query?: Record<string, string>;
}

/**
 * Caches a GET route's 200 responses under cache family `name` (CACHE_FAMILIES; CACHE_TTL_<name>),
 * invalidated by the domain events its family names (`invalidatedBy`; tags from CACHE_POLICIES).
 */
export function CachedResponse(name: CacheName, options: CachedRouteOptions = {}) {
  return applyDecorators(
    CacheKey(name),
    SetMetadata(CACHED_ROUTE, options),
    UseInterceptors(ResponseCacheInterceptor),
  );
}
