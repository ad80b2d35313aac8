import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ExecutionError, Lock, Redlock, ResourceLockedError } from '@sesamecare-oss/redlock';
import type { Counter, Histogram } from 'prom-client';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_CONFIG, AppConfig } from '../config';
import { MetricsService } from '../metrics/metrics.service';
import { REDIS_COMMAND_TIMEOUT_MS, RedisClient, RedisService } from '../redis';
import { LockBusyError, LockLostError, LockUnavailableError } from './lock.errors';

/** What runs while the lock is held. `signal` aborts (with a LockLostError) if the lock is lost. */
export type LockedRoutine<T> = (signal: AbortSignal, fencingToken: number) => Promise<T>;

export interface LockOptions {
  /** How long to keep retrying while someone else holds the lock (default 5 s). */
  waitMs?: number;
  /**
   * First pause between attempts (default 10 ms); it doubles after each miss up to 200 ms, and a
   * random jitter of the same size is added, so a crowd of waiters neither stampedes nor idles.
   */
  retryDelayMs?: number;
}

const DEFAULT_WAIT_MS = 5000;
const DEFAULT_RETRY_DELAY_MS = 10;
const MAX_RETRY_DELAY_MS = 200;
const MIN_TTL_MS = 100;
/** Pause between extension attempts that failed while the lock is still valid. */
const EXTEND_RETRY_MS = 20;

/**
 * Distributed locks over Redlock (one or more independent Redis masters, LOCK_REDIS_URLS).
 *
 * `withLock` acquires every key (through the one Redis key builder), keeps the lock alive while
 * the routine runs, and always releases it. Redlock's own `using` is not used as is, for three
 * reasons: its retry loop cannot stop early, so a dead Redis would burn the whole retry budget
 * before failing, and it counts contention and outages alike; its release errors replace the
 * routine's result (a booking committed, then a 503); and it re-extends in a tight loop while
 * Redis is down. The loop below is the same algorithm (acquire, extend before expiry, abort the
 * signal when an extension is impossible, release) with those three fixed.
 *
 * A lock is an efficiency and ordering tool, never the only guard: a holder can lose it without
 * knowing (a GC or event-loop pause longer than the TTL, a Redis failover, clock drift), while a
 * second holder proceeds. Every invariant a lock protects is therefore also enforced by the
 * database (conditional updates, CHECK and unique constraints); the fencing token lets a store
 * that can check it reject writes from a holder that has been superseded.
 */
@Injectable()
export class LockService implements OnModuleInit {
  private readonly logger = new Logger(LockService.name);
  private readonly redlock: Redlock;
  private readonly extraClients: RedisClient[] = [];
  private readonly acquisitions: Counter<'lock'>;
  private readonly contentionRetries: Counter<'lock'>;
  private readonly failures: Counter<'lock' | 'reason'>;
  private readonly holdSeconds: Histogram<'lock'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisService,
    metrics: MetricsService,
  ) {
    this.redlock = new Redlock(this.lockClients(), { retryCount: 0, driftFactor: 0.01 });
    this.acquisitions = metrics.counter('parcsal_lock_acquisitions_total', 'Locks acquired', [
      'lock',
    ]);
    this.contentionRetries = metrics.counter(
      'parcsal_lock_contention_retries_total',
      'Lock attempts retried because another holder had the lock',
      ['lock'],
    );
    this.failures = metrics.counter(
      'parcsal_lock_failures_total',
      'Lock failures: busy (retry budget exhausted), unavailable (Redis quorum not reachable), lost (expired while held), release (could not release; the TTL frees it)',
      ['lock', 'reason'],
    );
    this.holdSeconds = metrics.histogram(
      'parcsal_lock_hold_seconds',
      'How long locks were held',
      ['lock'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
  }

  /**
   * Extra Redlock masters are connected before the first request, but one that is down does not
   * stop start-up: Redlock only needs a quorum, and ioredis keeps reconnecting to it.
   */
  async onModuleInit(): Promise<void> {
    const results = await Promise.allSettled(this.extraClients.map((c) => this.redis.connect(c)));
    for (const result of results) {
      if (result.status === 'rejected') {
        this.logger.warn(`Lock Redis master not reachable yet: ${describeError(result.reason)}`);
      }
    }
  }

  /**
   * Runs `fn` while holding a lock on all `keys` (e.g. `booking:shipment:<id>`), extended
   * automatically every half TTL, released afterwards whatever happens.
   *
   * @throws LockBusyError another holder kept the lock for longer than `options.waitMs`.
   * @throws LockUnavailableError Redis masters do not answer (a quorum is not reachable).
   */
  async withLock<T>(
    keys: string[],
    ttlMs: number,
    fn: LockedRoutine<T>,
    options: LockOptions = {},
  ): Promise<T> {
    if (keys.length === 0) throw new Error('withLock needs at least one key');
    if (!Number.isInteger(ttlMs) || ttlMs < MIN_TTL_MS) {
      throw new Error(`Lock TTL must be an integer of at least ${MIN_TTL_MS} ms (got ${ttlMs})`);
    }
    const sorted = [...new Set(keys)].sort();
    const name = lockName(sorted[0]);
    const resources = sorted.map((key) => this.redis.keys.grouped('lock', key));

    let lock = await this.acquire(name, resources, ttlMs, options);
    this.acquisitions.inc({ lock: name });
    const stopHoldTimer = this.holdSeconds.startTimer({ lock: name });

    let fencingToken: number;
    try {
      fencingToken = await this.nextFencingToken();
    } catch (error) {
      stopHoldTimer();
      await this.release(name, lock);
      this.failures.inc({ lock: name, reason: 'unavailable' });
      throw new LockUnavailableError(name, error);
    }

    const controller = new AbortController();
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    let extending: Promise<void> | undefined;
    const extendAhead = Math.floor(ttlMs / 2);
    const schedule = () => {
      timer = setTimeout(
        () => {
          extending = extend();
        },
        Math.max(0, lock.expiration - Date.now() - extendAhead),
      );
    };
    const extend = async (): Promise<void> => {
      while (!finished) {
        try {
          lock = await lock.extend(ttlMs);
          if (!finished) schedule();
          return;
        } catch {
          if (lock.expiration > Date.now()) {
            await sleep(EXTEND_RETRY_MS);
            continue;
          }
          this.failures.inc({ lock: name, reason: 'lost' });
          this.logger.warn(`Lock ${name} expired while held: its holder is told to stop`);
          controller.abort(new LockLostError(name));
          return;
        }
      }
    };
    schedule();

    try {
      return await fn(controller.signal, fencingToken);
    } finally {
      finished = true;
      clearTimeout(timer);
      await extending;
      stopHoldTimer();
      await this.release(name, lock);
    }
  }

  private async acquire(
    name: string,
    resources: string[],
    ttlMs: number,
    options: LockOptions,
  ): Promise<Lock> {
    let delay = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    const deadline = Date.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
    for (;;) {
      try {
        return await this.redlock.acquire(resources, ttlMs);
      } catch (error) {
        if (!(error instanceof ExecutionError)) throw error;
        const outcome = await classify(error);
        if (outcome.kind === 'unavailable') {
          this.failures.inc({ lock: name, reason: 'unavailable' });
          this.logger.warn(
            `Lock ${name}: Redis quorum not reachable (${outcome.errors.join('; ')})`,
          );
          throw new LockUnavailableError(name, new Error(outcome.errors[0]));
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          this.failures.inc({ lock: name, reason: 'busy' });
          throw new LockBusyError(name);
        }
        this.contentionRetries.inc({ lock: name });
        await sleep(Math.min(delay + Math.floor(Math.random() * delay), remaining));
        delay = Math.min(delay * 2, Math.max(MAX_RETRY_DELAY_MS, delay));
      }
    }
  }

  /** Best effort: a lock that cannot be released expires by itself after its TTL. */
  private async release(name: string, lock: Lock): Promise<void> {
    try {
      await lock.release();
    } catch (error) {
      this.failures.inc({ lock: name, reason: 'release' });
      this.logger.warn(`Lock ${name} not released (expires by itself): ${describeError(error)}`);
    }
  }

  /**
   * One counter for every resource: strictly increasing overall means strictly increasing for
   * each resource, which is all a fencing check needs, and it leaves no key behind per resource.
   * It lives on the main Redis (the first lock master by default).
   */
  private async nextFencingToken(): Promise<number> {
    return this.redis.client.incr(this.redis.keys.key('lock', 'fencing-token'));
  }

  /**
   * One client per independent master. The default (LOCK_REDIS_URLS unset = REDIS_URL) reuses
   * the shared client: no offline queue and a command timeout, so a dead Redis fails an
   * attempt at once instead of queueing it.
   */
  private lockClients(): RedisClient[] {
    const urls = this.config.lockRedisUrls;
    if (urls.length === 1 && urls[0] === this.config.redis.url) return [this.redis.client];
    return urls.map((url, index) => {
      const client = this.redis.createConnection(
        `lock-${index}`,
        {
          enableOfflineQueue: false,
          commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
          maxRetriesPerRequest: 1,
        },
        { url, clusterNodes: null, sentinels: null, sentinelName: null },
      );
      this.extraClients.push(client);
      return client;
    });
  }
}

type Outcome = { kind: 'busy' } | { kind: 'unavailable'; errors: string[] };

/**
 * Redlock reports contention and dead masters alike ("unable to achieve a quorum"). The votes
 * against tell them apart: a ResourceLockedError means a master answered that someone holds the
 * lock (contention); only connection or command errors mean the masters cannot be used.
 */
async function classify(error: ExecutionError): Promise<Outcome> {
  const attempts = await Promise.all(error.attempts);
  const against = attempts.flatMap((stats) => [...stats.votesAgainst.values()]);
  if (against.some((e) => e instanceof ResourceLockedError)) return { kind: 'busy' };
  const errors = [...new Set(against.map(describeError))];
  return { kind: 'unavailable', errors: errors.length ? errors : [error.message] };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Metric label and message name of a key: ids dropped (`booking:shipment:<uuid>` → `booking:shipment`). */
export function lockName(key: string): string {
  const parts = key
    .split(':')
    .filter((part) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(part))
    .filter((part) => !/^\d+$/.test(part));
  return parts.length ? parts.join(':') : '*';
}
