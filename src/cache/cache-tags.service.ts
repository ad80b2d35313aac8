import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config';
import { MetricsService } from '../metrics/metrics.service';
import { RedisService } from '../redis';
import type { CacheRedisClient } from '../redis/cache-store.factory';
import { CACHE_REDIS } from './cache.constants';
import { withTimeout } from '../common/with-timeout';

/** A bump sits on the writing request's path: bounded, then retried in the background. */
const BUMP_TIMEOUT_MS = 500;
const BUMP_RETRY_MS = 1000;

/** One sequence number per bump, written as the new version of every tag it touches. */
const BUMP = `
local n = redis.call('INCR', KEYS[1])
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], n .. ':' .. ARGV[1], 'PX', ARGV[2])
end
return n`;

/**
 * Versioned tag namespaces for the response cache. A tag's version is `<bump sequence>:<random>`
 * (sequence 0 = never bumped since created). Every cached entry records the versions of its
 * tags (CacheEntriesStore); a write bumps the tags it affects (one script, O(tags)), which makes
 * every entry recorded under the old versions a miss. No KEYS/SCAN, no deletes: stale entries
 * simply expire.
 *
 * A global bump sequence lets a fill detect a write that raced it: versions are read after the
 * handler ran, and an entry is stored only if none of its tags was bumped after the fill began.
 * Versions carry a random part, so a tag evicted by an LRU cache Redis and re-created never
 * matches an entry recorded before. All tag keys (and the entries) share one hash slot
 * (`{cache-tag}`) so the scripts also run on Redis Cluster.
 */
@Injectable()
export class CacheTagsService implements OnApplicationShutdown {
  private readonly logger = new Logger(CacheTagsService.name);
  readonly sequenceKey: string;
  /** Longer than any entry lives: a tag that expires only turns its entries into misses. */
  readonly tagTtlMs: number;
  private readonly pending = new Set<string>();
  private retryTimer: NodeJS.Timeout | null = null;
  private pendingSince = 0;
  private readonly invalidations;

  constructor(
    @Inject(CACHE_REDIS) private readonly redis: CacheRedisClient,
    private readonly redisService: RedisService,
    @Inject(APP_CONFIG) config: AppConfig,
    metrics: MetricsService,
  ) {
    this.sequenceKey = redisService.keys.hashTagged('cache-tag', 'seq');
    this.tagTtlMs = (Math.max(...Object.values(config.cacheTtlSeconds)) + 3600) * 1000;
    this.invalidations = metrics.counter(
      'parcsal_cache_invalidations_total',
      'Cache tag bumps after writes',
      ['result'],
    );
  }

  /**
   * A bump this process could not make yet: entries it should have invalidated may still be in
   * Redis, so this process serves nothing from the cache until the retry succeeds.
   */
  get hasPendingBumps(): boolean {
    return this.pending.size > 0;
  }

  tagKey(tag: string): string {
    return this.redisService.keys.hashTagged('cache-tag', 'tag', tag);
  }

  /**
   * Invalidates every entry tagged with any of `tags`. Awaited by the writing request (through
   * DomainEvents.emit) so the very next read is fresh; if the cache Redis does not answer in time
   * the bump is retried in the background and TTLs bound the staleness meanwhile.
   */
  async bump(tags: string[]): Promise<void> {
    const unique = [...new Set(tags)];
    try {
      await withTimeout(this.runBump(unique), BUMP_TIMEOUT_MS, 'cache Redis');
      this.invalidations.inc({ result: 'ok' });
    } catch (error) {
      this.invalidations.inc({ result: 'error' });
      this.logger.warn(
        `cache invalidation of ${unique.join(', ')} failed (${(error as Error).message}); retrying`,
      );
      this.retryLater(unique);
    }
  }

  private runBump(tags: string[]): Promise<unknown> {
    return this.redis.eval(BUMP, {
      keys: [this.sequenceKey, ...tags.map((t) => this.tagKey(t))],
      arguments: [randomBytes(6).toString('hex'), String(this.tagTtlMs)],
    });
  }

  private retryLater(tags: string[]): void {
    if (!this.pending.size) this.pendingSince = Date.now();
    tags.forEach((t) => this.pending.add(t));
    if (this.retryTimer) return;
    this.retryTimer = setInterval(() => void this.retryPending(), BUMP_RETRY_MS);
    this.retryTimer.unref();
  }

  private async retryPending(): Promise<void> {
    const tags = [...this.pending];
    try {
      await withTimeout(this.runBump(tags), BUMP_TIMEOUT_MS, 'cache Redis');
      tags.forEach((t) => this.pending.delete(t));
      this.logger.log(`cache invalidation of ${tags.join(', ')} done after retry`);
    } catch {
      // Past the longest TTL every entry those tags covered has expired anyway.
      if (Date.now() - this.pendingSince < this.tagTtlMs) return;
      this.pending.clear();
    }
    if (!this.pending.size) this.stopRetrying();
  }

  private stopRetrying(): void {
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
  }

  onApplicationShutdown(): void {
    this.stopRetrying();
  }
}
