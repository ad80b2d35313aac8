import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheName } from '../config';
import { MetricsService } from '../metrics/metrics.service';
import { RedisService } from '../redis';
import type { CacheRedisClient } from '../redis/cache-store.factory';
import { CACHE_REDIS } from './cache.constants';
import { CacheEntriesStore, EntryRead } from './cache-entries.store';
import { CacheTagsService } from './cache-tags.service';
import { withTimeout } from '../common/with-timeout';

/** Bound on each cache round trip: past it the request is served from the database. */
export const CACHE_OP_TIMEOUT_MS = 200;
/** A fill lock outlives any sane handler; if its holder dies, it frees itself. */
const FILL_LOCK_MS = 5000;
/** How long a request waits for another process's fill before running the handler itself. */
const FILL_WAIT_MS = 2000;
const FILL_POLL_MS = 25;
const WARN_EVERY_MS = 10_000;

const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** What the route handler produced; `cacheable` = a 200 with a JSON body. */
export interface HandlerResult {
  body: unknown;
  cacheable: boolean;
}

export interface CachedRead {
  name: CacheName;
  key: string;
  ttlSeconds: number;
  /** Tags known from the request. */
  tags: string[];
  /** Tags the response reveals. */
  responseTags?: (body: unknown) => string[];
  handler: () => Promise<HandlerResult>;
}

export interface Served {
  body: unknown;
  hit: boolean;
}

/** A fill's outcome; only a cacheable one may be handed to the requests that waited for it. */
interface Fill extends Served {
  shareable: boolean;
}

class CacheUnavailableError extends Error {
  constructor() {
    super('cache Redis is not connected, or an invalidation is still pending');
  }
}

/**
 * Read-through response cache with tag invalidation and stampede protection.
 *
 * - Hit: the entry exists and every tag it recorded still has that version (one script, one
 *   round trip: CacheEntriesStore).
 * - Miss: concurrent requests of this process for the same key and bump sequence share one fill;
 *   across processes a short `SET NX PX` lock lets one fill while the others poll for its entry
 *   (bounded, then they run the handler themselves).
 * - Cache Redis down or slow: every call is bounded by CACHE_OP_TIMEOUT_MS, the request is served
 *   from the database (fail open), with a rate-limited warning and `result="error"` in the metric.
 */
@Injectable()
export class ResponseCacheService {
  private readonly logger = new Logger(ResponseCacheService.name);
  private readonly flights = new Map<string, Promise<Fill>>();
  private readonly requests;
  private lastWarning = 0;

  constructor(
    @Inject(CACHE_REDIS) private readonly redis: CacheRedisClient,
    private readonly entries: CacheEntriesStore,
    private readonly tags: CacheTagsService,
    private readonly redisService: RedisService,
    metrics: MetricsService,
  ) {
    this.requests = metrics.counter(
      'parcsal_cache_requests_total',
      'Cached-route requests by cache name and result',
      ['cache', 'result'],
    );
  }

  /**
   * Starts reading the entry of `key` (the hit check: one script). A guard starts it as soon as
   * the request arrives, so that it runs alongside the limiter's check; `read` awaits it. Never
   * an unhandled rejection: a lookup nobody reads (the request was refused) is simply dropped.
   */
  lookup(key: string, tags: string[]): Promise<EntryRead> {
    const entry =
      !this.redis.isReady || this.tags.hasPendingBumps
        ? Promise.reject(new CacheUnavailableError())
        : this.bounded(this.entries.read(key, tags));
    entry.catch(() => undefined);
    return entry;
  }

  /** The cached response, or the handler's; `started`: the lookup of `request` already made. */
  async read(request: CachedRead, started?: Promise<EntryRead>): Promise<Served> {
    let sequence: number;
    try {
      const entry = await (started ?? this.lookup(request.key, request.tags));
      if (entry.hit) {
        this.requests.inc({ cache: request.name, result: 'hit' });
        return { body: entry.body, hit: true };
      }
      sequence = entry.sequence;
    } catch (error) {
      return this.failOpen(request, error);
    }
    const served = await this.shareFill(request, sequence);
    this.requests.inc({ cache: request.name, result: served.hit ? 'hit' : 'miss' });
    return served;
  }

  /**
   * One fill per key and bump sequence in this process. A request that saw a later sequence (a
   * write happened since) never joins an older fill: it could be served pre-write data.
   */
  private async shareFill(request: CachedRead, sequence: number): Promise<Served> {
    const flightKey = `${request.key}@${sequence}`;
    const flight = this.flights.get(flightKey);
    if (flight) {
      const shared = await flight.catch(() => null);
      if (shared?.shareable) return { body: shared.body, hit: true };
      // The fill failed or was not cacheable (an error, a non-200): find out for ourselves.
      return { body: (await request.handler()).body, hit: false };
    }
    const fill = this.fill(request, sequence);
    this.flights.set(flightKey, fill);
    try {
      const { body, hit } = await fill;
      return { body, hit };
    } finally {
      this.flights.delete(flightKey);
    }
  }

  private async fill(request: CachedRead, sequence: number): Promise<Fill> {
    const lockKey = this.redisService.keys.key('cache-lock', request.key);
    const token = randomBytes(8).toString('hex');
    const locked = await this.tryLock(lockKey, token);
    if (!locked) {
      const filled = await this.awaitOtherFill(request, lockKey);
      if (filled) return { ...filled, shareable: true };
    }
    try {
      const result = await request.handler();
      if (result.cacheable) await this.store(request, sequence, result.body);
      return { body: result.body, hit: false, shareable: result.cacheable };
    } finally {
      if (locked) await this.releaseLock(lockKey, token);
    }
  }

  /** Polls for another process's fill; gives up when its lock is gone or after FILL_WAIT_MS. */
  private async awaitOtherFill(request: CachedRead, lockKey: string): Promise<Served | null> {
    const deadline = Date.now() + FILL_WAIT_MS;
    while (Date.now() < deadline) {
      await sleep(FILL_POLL_MS);
      try {
        const [entry, lockHeld] = await this.bounded(
          Promise.all([this.entries.read(request.key, request.tags), this.redis.exists(lockKey)]),
        );
        if (entry.hit) return { body: entry.body, hit: true };
        if (!lockHeld) return null;
      } catch (error) {
        this.warn(error);
        return null;
      }
    }
    return null;
  }

  /**
   * Stores the body under the tag versions read now, unless one of them was bumped after the
   * fill began (`sequence`): then the body may predate that write and is not stored.
   */
  private async store(request: CachedRead, sequence: number, body: unknown): Promise<void> {
    const tags = [...new Set([...request.tags, ...(request.responseTags?.(body) ?? [])])];
    try {
      await this.bounded(
        this.entries.store(request.key, tags, sequence, body, request.ttlSeconds * 1000),
      );
    } catch (error) {
      this.warn(error);
    }
  }

  private async tryLock(lockKey: string, token: string): Promise<boolean> {
    try {
      const reply = await this.bounded(
        this.redis.set(lockKey, token, {
          condition: 'NX',
          expiration: { type: 'PX', value: FILL_LOCK_MS },
        }),
      );
      return reply === 'OK';
    } catch (error) {
      // Cannot coordinate: fill without the lock rather than wait.
      this.warn(error);
      return true;
    }
  }

  private async releaseLock(lockKey: string, token: string): Promise<void> {
    try {
      await this.bounded(this.redis.eval(RELEASE_LOCK, { keys: [lockKey], arguments: [token] }));
    } catch (error) {
      this.warn(error);
    }
  }

  private async failOpen(request: CachedRead, error: unknown): Promise<Served> {
    this.requests.inc({ cache: request.name, result: 'error' });
    this.warn(error);
    return { body: (await request.handler()).body, hit: false };
  }

  private bounded<T>(promise: Promise<T>): Promise<T> {
    return withTimeout(promise, CACHE_OP_TIMEOUT_MS, 'cache Redis');
  }

  /** One line per WARN_EVERY_MS: a Redis outage must not flood the log. */
  private warn(error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn(
      `response cache unavailable, serving from the database: ${(error as Error).message}`,
    );
  }
}
