import { CACHE_KEY_METADATA, CACHE_MANAGER, CacheInterceptor } from '@nestjs/cache-manager';
import { CallHandler, ExecutionContext, Inject, Injectable, StreamableFile } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Cache } from 'cache-manager';
import type { FastifyReply } from 'fastify';
import { lastValueFrom, Observable, of } from 'rxjs';
import { APP_CONFIG, AppConfig, CacheName } from '../config';
import { CACHED_ROUTE } from './cache.constants';
import { cacheKeyOf, normaliseQuery } from './cache-key';
import { CACHE_POLICIES, CacheableRequest } from './cache-policies';
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
@Injectable()
export class ResponseCacheInterceptor extends CacheInterceptor {
  constructor(
    @Inject(CACHE_MANAGER) cacheManager: Cache,
    reflector: Reflector,
    private readonly responses: ResponseCacheService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super(cacheManager, reflector);
  }

  override async intercept(
    context: ExecutionContext,
    next: CallHandler,
  ): Promise<Observable<unknown>> {
    const key = context.getType() === 'http' ? this.trackBy(context) : undefined;
    if (!key) return next.handle();
    const name = this.cacheName(context) as CacheName;
    const policy = CACHE_POLICIES[name];
    const request = context.switchToHttp().getRequest<CacheableRequest>();
    const response = context.switchToHttp().getResponse<FastifyReply>();
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
    void response.header('X-Cache', served.hit ? 'HIT' : 'MISS');
    return of(served.body);
  }

  /** Cache key of this request, or undefined when it is not cacheable. */
  protected override trackBy(context: ExecutionContext): string | undefined {
    const name = this.cacheName(context);
    if (!name || !this.isRequestCacheable(context)) return undefined;
    const policy = CACHE_POLICIES[name];
    const request = context.switchToHttp().getRequest<CacheableRequest>();
    if (policy.perUser && !request.user) return undefined;
    const route =
      this.reflector.get<CachedRouteOptions | undefined>(CACHED_ROUTE, context.getHandler()) ?? {};
    return cacheKeyOf(name, [
      request.method,
      // The path as sent, without the query string.
      request.url.split('?', 1)[0],
      route.query ? normaliseQuery(request.query as Record<string, unknown>, route.query) : '',
      policy.perUser ? request.user!.id : '',
    ]);
  }

  private cacheName(context: ExecutionContext): CacheName | undefined {
    return this.reflector.get<CacheName | undefined>(CACHE_KEY_METADATA, context.getHandler());
  }
}
