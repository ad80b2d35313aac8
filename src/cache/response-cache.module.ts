import { CacheModule } from '@nestjs/cache-manager';
import { Global, Module } from '@nestjs/common';
import { RedisService } from '../redis';
import { CacheRedisClient, createCacheStore } from '../redis/cache-store.factory';
import { CACHE_REDIS } from './cache.constants';
import { CacheInvalidationListener } from './cache-invalidation.listener';
import { CacheRedisModule } from './cache-redis.module';
import { CacheEntriesStore } from './cache-entries.store';
import { CacheTagsService } from './cache-tags.service';
import { CacheLookups } from './cache-lookups';
import { ResponseCachePrefetchGuard } from './response-cache-prefetch.guard';
import { ResponseCacheService } from './response-cache.service';

/**
 * Response caching (docs/contract.md "Caching") at CACHE_REDIS_URL, keys under REDIS_KEY_PREFIX +
 * "cache:". Entries are read and written by CacheEntriesStore's scripts (a hit is one round
 * trip); @nestjs/cache-manager's Keyv store remains what the interceptor's base, Nest's
 * CacheInterceptor, is constructed with. Global so that `@CachedResponse` works in any feature
 * module (the interceptor is instantiated in the controller's module).
 */
@Global()
@Module({
  imports: [
    CacheRedisModule,
    CacheModule.registerAsync({
      imports: [CacheRedisModule],
      inject: [CACHE_REDIS, RedisService],
      // `stores` (not the old `store`): @nestjs/cache-manager 3 ignores anything else and would
      // silently fall back to a per-process memory cache.
      useFactory: (client: CacheRedisClient, redis: RedisService) => {
        const store = createCacheStore(client, redis.keys.key('cache'));
        // Errors are thrown to the calling request, which counts them and fails open.
        store.on('error', () => undefined);
        return { stores: [store] };
      },
    }),
  ],
  providers: [
    CacheTagsService,
    CacheEntriesStore,
    ResponseCacheService,
    CacheLookups,
    ResponseCachePrefetchGuard,
    CacheInvalidationListener,
  ],
  exports: [
    CacheModule,
    CacheRedisModule,
    ResponseCacheService,
    CacheTagsService,
    CacheLookups,
    ResponseCachePrefetchGuard,
  ],
})
export class ResponseCacheModule {}
