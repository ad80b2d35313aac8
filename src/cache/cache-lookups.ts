import { CACHE_KEY_METADATA } from '@nestjs/cache-manager';
import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { CacheName } from '../config';
import { RouteMetadataCache } from '../common/route-metadata';
import { CACHED_ROUTE } from './cache.constants';
import type { EntryRead } from './cache-entries.store';
import { cacheKeyOf, normaliseQuery } from './cache-key';
import { CACHE_POLICIES, CacheableRequest, CachePolicy } from './cache-policies';
import type { CachedRouteOptions } from './cached-response.decorator';
import { ResponseCacheService } from './response-cache.service';

/** A cached route's decorators, read once per route. */
interface CachedRoute {
  name: CacheName;
  policy: CachePolicy;
  query?: Record<string, string>;
}

/** Where a request's response is cached, and the read of its entry once started. */
export interface CacheLookup {
  name: CacheName;
  policy: CachePolicy;
  key: string;
  tags: string[];
  /** Started by ResponseCachePrefetchGuard (null: the interceptor starts it). */
  entry: Promise<EntryRead> | null;
}

/**
 * Which requests `@CachedResponse` caches, and under which key and tags: GET requests of a cached
 * route, keyed by cache name + path + normalised query (+ the user on per-user routes).
 *
 * The entry read of a route whose key does not depend on the user starts before any guard has
 * run (`prefetch`, called by the first global guard), so that it is in flight together with the
 * limiter's check instead of after it. Starting it has no effect anyone can observe (one
 * read-only script): a request the guards refuse (429, 401, 403) never uses it, and is never
 * answered from the cache nor counted in the cache's metrics.
 */
@Injectable()
export class CacheLookups {
  private readonly routes: RouteMetadataCache<CachedRoute | null>;
  private readonly prefetched = new WeakMap<object, CacheLookup>();

  constructor(
    reflector: Reflector,
    private readonly responses: ResponseCacheService,
  ) {
    this.routes = new RouteMetadataCache((handler) => {
      const name = reflector.get<CacheName | undefined>(CACHE_KEY_METADATA, handler);
      if (!name) return null;
      const options = reflector.get<CachedRouteOptions | undefined>(CACHED_ROUTE, handler);
      return { name, policy: CACHE_POLICIES[name], query: options?.query };
    });
  }

  /** Starts the entry read of a cacheable request whose key does not depend on the user. */
  prefetch(context: ExecutionContext): void {
    if (context.getType() !== 'http') return;
    const route = this.routes.of(context);
    if (!route || route.policy.perUser) return;
    const request = context.switchToHttp().getRequest<CacheableRequest>();
    const lookup = this.plan(route, request);
    if (!lookup) return;
    lookup.entry = this.responses.lookup(lookup.key, lookup.tags);
    this.prefetched.set(request, lookup);
  }

  /** This request's lookup (prefetched or new), or null when its response is not cached. */
  of(context: ExecutionContext): CacheLookup | null {
    if (context.getType() !== 'http') return null;
    const request = context.switchToHttp().getRequest<CacheableRequest>();
    const prefetched = this.prefetched.get(request);
    if (prefetched) return prefetched;
    const route = this.routes.of(context);
    return route ? this.plan(route, request) : null;
  }

  private plan(route: CachedRoute, request: CacheableRequest): CacheLookup | null {
    if (request.method !== 'GET') return null;
    if (route.policy.perUser && !request.user) return null;
    const key = cacheKeyOf(route.name, [
      request.method,
      request.path,
      route.query ? normaliseQuery(request.query, route.query) : '',
      route.policy.perUser ? request.user!.id : '',
    ]);
    return {
      name: route.name,
      policy: route.policy,
      key,
      tags: route.policy.tags(request),
      entry: null,
    };
  }
}
