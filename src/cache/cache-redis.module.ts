import {
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config';
import { withTimeout } from '../common/with-timeout';
import { QUIT_TIMEOUT_MS } from '../redis';
import { CacheRedisClient, openCacheRedis } from '../redis/cache-store.factory';
import { CACHE_REDIS } from './cache.constants';

/** Start-up waits this long for the cache Redis; the API starts without it (fail open). */
const READY_WAIT_MS = 2000;
const WARN_EVERY_MS = 10_000;

/** Connects the cache's Redis at start-up (without failing it) and closes it on shutdown. */
@Injectable()
class CacheRedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ResponseCacheRedis');
  private lastWarning = 0;

  constructor(@Inject(CACHE_REDIS) private readonly client: CacheRedisClient) {
    client.on('error', (error: Error) => {
      const now = Date.now();
      if (now - this.lastWarning < WARN_EVERY_MS) return;
      this.lastWarning = now;
      this.logger.warn(`cache Redis: ${error.message}`);
    });
  }

  async onModuleInit(): Promise<void> {
    if (this.client.isOpen) return;
    // connect() keeps retrying while the server is unreachable: wait for ready or a first error.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, READY_WAIT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('ready', done);
      this.client.once('error', done);
      this.client.connect().catch(() => undefined);
    });
    if (!this.client.isReady)
      this.logger.warn('cache Redis is not reachable: cached routes are served from the database');
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client.isOpen) return;
    if (!this.client.isReady) return this.client.destroy();
    try {
      await withTimeout(this.client.close(), QUIT_TIMEOUT_MS, 'cache Redis QUIT');
    } catch {
      this.client.destroy();
    }
  }
}

/**
 * The response cache's own Redis connection (CACHE_REDIS_URL, else the main deployment), shared
 * by its store and tags.
 */
@Module({
  providers: [
    {
      provide: CACHE_REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        openCacheRedis(config.cacheRedis, `${config.redisKeyPrefix}cache`),
    },
    CacheRedisLifecycle,
  ],
  exports: [CACHE_REDIS],
})
export class CacheRedisModule {}
