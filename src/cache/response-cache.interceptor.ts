import { CACHE_KEY_METADATA, CACHE_MANAGER, CacheInterceptor } from '@nestjs/cache-manager';
import { CallHandler, ExecutionContext, Inject, Injectable, StreamableFile } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Cache } from 'cache-manager';
import type { Response } from 'express';
import { lastValueFrom, Observable, of } from 'rxjs';
import { APP_CONFIG, AppConfig, CacheName } from '../config';
import { CACHED_ROUTE } from './cache.constants';
import { cacheKeyOf, normaliseQuery } from './cache-key';
import { CACHE_POLICIES, CacheableRequest, CachePolicy } from './cache-policies';
import { RouteMetadataCache } from '../common/route-metadata';
import type { CachedRouteOptions } from './cached-response.decorator';
import { ResponseCacheService } from './response-cache.service';

/**
 * Nest's CacheInterceptor keyed and invalidated for Parcsal (apply with `@CachedResponse`):
 * the key is the cache name + path + normalised query (+ the user on per-user routes), entries
 * are tagged and checked against the tags' current versions, fills are single-flight, only 200
 * responses are stored, and `X-Cache: HIT|MISS` tells which one a response was.
 *
 * Guards (JwtGuard, RolesGuard) run before interceptors: a request that may not see a route
 * never reaches its cache.
 */
/** A cached route's decorators, read once per route. */
interface CachedRoute {
  name: CacheName;
  policy: CachePolicy;
  query?: Record<string, string>;
}

@Injectable()
export class ResponseCacheInterceptor extends CacheInterceptor {
  private readonly routes: RouteMetadataCache<CachedRoute | null>;

  constructor(
    @Inject(CACHE_MANAGER) cacheManager: Cache,
    reflector: Reflector,
    private readonly responses: ResponseCacheService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super(cacheManager, reflector);
    this.routes = new RouteMetadataCache((handler) => {
      const name = reflector.get<CacheName | undefined>(CACHE_KEY_METADATA, handler);
      if (!name) return null;
      const options = reflector.get<CachedRouteOptions | undefined>(CACHED_ROUTE, handler);
      return { name, policy: CACHE_POLICIES[name], query: options?.query };
    });
  }

  override async intercept(
    context: ExecutionContext,
    next: CallHandler,
  ): Promise<Observable<unknown>> {
    const key = context.getType() === 'http' ? this.trackBy(context) : undefined;
    if (!key) return next.handle();
    const { name, policy } = this.routes.of(context)!;
    const http = context.switchToHttp();
    const request = http.getRequest<CacheableRequest>();
    const response = http.getResponse<Response>();
    const served = await this.responses.read({
      name,
      key,
      ttlSeconds: this.config.cacheTtlSeconds[name],
      tags: policy.tags(request),
      responseTags: policy.responseTags,
      handler: async () => {
        const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
        const cacheable =
          response.statusCode === 200 && body !== undefined && !(body instanceof StreamableFile);
        return { body, cacheable };
      },
    });
    response.setHeader('X-Cache', served.hit ? 'HIT' : 'MISS');
    return of(served.body);
  }

  /** Cache key of this request, or undefined when it is not cacheable. */
  protected override trackBy(context: ExecutionContext): string | undefined {
    const route = this.routes.of(context);
    if (!route || !this.isRequestCacheable(context)) return undefined;
    const request = context.switchToHttp().getRequest<CacheableRequest>();
    if (route.policy.perUser && !request.user) return undefined;
    return cacheKeyOf(route.name, [
      request.method,
      request.path,
      route.query ? normaliseQuery(request.query, route.query) : '',
      route.policy.perUser ? request.user!.id : '',
    ]);
  }
}
