import { CACHE_MANAGER, CacheInterceptor } from '@nestjs/cache-manager';
import { CallHandler, ExecutionContext, Inject, Injectable, StreamableFile } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Cache } from 'cache-manager';
import type { Response } from 'express';
import { lastValueFrom, Observable, of } from 'rxjs';
import { APP_CONFIG, AppConfig } from '../config';
import { CacheLookups } from './cache-lookups';
import { ResponseCacheService } from './response-cache.service';

/**
 * Nest's CacheInterceptor keyed and invalidated for Parcsal (apply with `@CachedResponse`):
 * the key is the cache name + path + normalised query (+ the user on per-user routes: see
 * CacheLookups, which also starts the entry read early where the key allows), entries
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
    private readonly lookups: CacheLookups,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super(cacheManager, reflector);
  }

  override async intercept(
    context: ExecutionContext,
    next: CallHandler,
  ): Promise<Observable<unknown>> {
    const lookup = this.lookups.of(context);
    if (!lookup) return next.handle();
    const { name, policy } = lookup;
    const response = context.switchToHttp().getResponse<Response>();
    const served = await this.responses.read(
      {
        name,
        key: lookup.key,
        ttlSeconds: this.config.cacheTtlSeconds[name],
        tags: lookup.tags,
        responseTags: policy.responseTags,
        handler: async () => {
          const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
          const cacheable =
            response.statusCode === 200 && body !== undefined && !(body instanceof StreamableFile);
          return { body, cacheable };
        },
      },
      lookup.entry ?? undefined,
    );
    response.setHeader('X-Cache', served.hit ? 'HIT' : 'MISS');
    return of(served.body);
  }

  /** Cache key of this request, or undefined when it is not cacheable. */
  protected override trackBy(context: ExecutionContext): string | undefined {
    return this.lookups.of(context)?.key;
  }
}
