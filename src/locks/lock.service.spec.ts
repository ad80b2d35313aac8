import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { loadConfig } from '../config';
import { MetricsService } from '../metrics/metrics.service';
import { RedisService } from '../redis';
import { LockBusyError, LockLostError, LockUnavailableError } from './lock.errors';
import { LockService, lockName } from './lock.service';

/** Runs against the real Redis of the test suite (TEST_REDIS_URL), like the e2e tests. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** A port nothing listens on: a dead Redis master. */
const DEAD_URL = 'redis://127.0.0.1:1';
/** "Never hangs" bound: an answer later than this is a hang, not a slower machine. */
const NEVER_HANGS_MS = 10_000;

/** A promise and the function that settles it: ordering by signal, not by sleeping. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

interface Instance {
  locks: LockService;
  redis: RedisService;
  metrics: MetricsService;
}

describe('LockService (real Redis)', () => {
  const prefix = `test:locks:${randomBytes(4).toString('hex')}:`;
  const instances: Instance[] = [];

  async function instance(env: Record<string, string> = {}): Promise<Instance> {
    const config = loadConfig({
      NODE_ENV: 'test',
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      DATABASE_URL: 'postgres://unused@127.0.0.1/unused',
      ...env,
    });
    const redis = new RedisService(config);
    await redis.onModuleInit();
    const metrics = new MetricsService();
    const locks = new LockService(config, redis, metrics);
    await locks.onModuleInit();
    const created = { locks, redis, metrics };
    instances.push(created);
    return created;
  }

  async function metric(metrics: MetricsService, name: string, labels: Record<string, string>) {
    const found = (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
    return found
      .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
      .reduce((sum, v) => sum + v.value, 0);
  }

  // Expected warnings (dead masters, lost locks) would only clutter the output.
  beforeAll(() => Logger.overrideLogger(['error']));

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.redis.onApplicationShutdown()));
    for (const db of [0, 1, 2]) {
      const redis = new Redis(REDIS_URL, { db });
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('excludes holders on two instances: the critical sections never overlap', async () => {
    const [a, b] = [await instance(), await instance()];
    const key = `test:excl:${randomBytes(3).toString('hex')}`;
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];
    const run = (locks: LockService, n: number) =>
      locks.withLock([key], 1000, async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        await sleep(15);
        order.push(n);
        inside--;
      });
    await Promise.all(Array.from({ length: 12 }, (_, n) => run(n % 2 ? a.locks : b.locks, n)));
    expect(maxInside).toBe(1);
    expect(order).toHaveLength(12);
  });

  it('extends a 300 ms lock held for 1 s: nobody else gets it meanwhile', async () => {
    const [a, b] = [await instance(), await instance()];
    const key = `test:extend:${randomBytes(3).toString('hex')}`;
    let holderDone = false;
    let aborted = false;
    const acquired = signal();
    const holder = a.locks.withLock([key], 300, async (abort) => {
      acquired.fire();
      // Held for more than three TTLs: only extensions keep it.
      await sleep(1000);
      aborted = abort.aborted;
      holderDone = true;
    });
    await acquired.promise;
    const contender = b.locks.withLock([key], 300, async () => holderDone, {
      waitMs: 3000,
      retryDelayMs: 20,
    });
    const [, contenderSawHolderDone] = await Promise.all([holder, contender]);
    expect(aborted).toBe(false);
    expect(contenderSawHolderDone).toBe(true);
    expect(await metric(b.metrics, 'parcsal_lock_contention_retries_total', {})).toBeGreaterThan(0);
  });

  it('releases after the routine throws, and passes the error through', async () => {
    const { locks } = await instance();
    const key = `test:throw:${randomBytes(3).toString('hex')}`;
    await expect(
      locks.withLock([key], 5000, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    // Released at once: a waitless attempt succeeds well before the 5 s TTL.
    await expect(locks.withLock([key], 5000, async () => 'again', { waitMs: 0 })).resolves.toBe(
      'again',
    );
  });

  it('gives up with LockBusyError after the wait budget, while the holder still holds', async () => {
    const [a, b] = [await instance(), await instance()];
    const key = `test:busy:${randomBytes(3).toString('hex')}`;
    const acquired = signal();
    const letGo = signal();
    // The holder keeps the lock (extended) until the test lets go, after the attempt gave up:
    // an attempt that waited for the holder instead of its budget would never settle.
    const holder = a.locks.withLock([key], 1000, async () => {
      acquired.fire();
      await letGo.promise;
    });
    await acquired.promise;
    const attempt = b.locks.withLock([key], 2000, async () => 'never', { waitMs: 200 });
    await expect(attempt).rejects.toBeInstanceOf(LockBusyError);
    await expect(attempt).rejects.toMatchObject({ status: 409 });
    letGo.fire();
    await holder;
    expect(await metric(b.metrics, 'parcsal_lock_failures_total', { reason: 'busy' })).toBe(1);
  });

  it('hands out strictly increasing fencing tokens', async () => {
    const [a, b] = [await instance(), await instance()];
    const key = `test:fence:${randomBytes(3).toString('hex')}`;
    const tokens: number[] = [];
    for (let i = 0; i < 4; i++) {
      await (i % 2 ? a : b).locks.withLock([key], 1000, async (_signal, token) => {
        tokens.push(token);
      });
    }
    expect([...tokens].sort((x, y) => x - y)).toEqual(tokens);
    expect(new Set(tokens).size).toBe(4);
  });

  it('locks several keys at once, in any order', async () => {
    const [a, b] = [await instance(), await instance()];
    const [k1, k2] = ['x', 'y'].map((s) => `test:multi:${s}:${randomBytes(3).toString('hex')}`);
    let inside = 0;
    let maxInside = 0;
    const run = (locks: LockService, keys: string[]) =>
      locks.withLock(keys, 1000, async () => {
        maxInside = Math.max(maxInside, ++inside);
        await sleep(20);
        inside--;
      });
    await Promise.all([run(a.locks, [k1, k2]), run(b.locks, [k2, k1]), run(a.locks, [k2])]);
    expect(maxInside).toBe(1);
  });

  it('tells an unreachable Redis apart from contention, without spending the wait budget', async () => {
    const { locks, metrics } = await instance({ LOCK_REDIS_URLS: DEAD_URL });
    const started = Date.now();
    // A minute of wait budget: contention would retry for all of it, an outage fails at once.
    const attempt = locks.withLock(['test:dead'], 1000, async () => 'never', { waitMs: 60_000 });
    await expect(attempt).rejects.toBeInstanceOf(LockUnavailableError);
    expect(Date.now() - started).toBeLessThan(NEVER_HANGS_MS);
    expect(await metric(metrics, 'parcsal_lock_failures_total', { reason: 'unavailable' })).toBe(1);
    expect(await metric(metrics, 'parcsal_lock_failures_total', { reason: 'busy' })).toBe(0);
  });

  // Three independent masters need two more Redis servers (redis-server is installed by .ci/run;
  // without it this test fails, it never skips).
  it('keeps working with a quorum of masters when one is down', async () => {
    const servers = await Promise.all([startRedisServer(), startRedisServer()]);
    try {
      const urls = [...servers.map((s) => s.url), DEAD_URL].join(',');
      const [a, b] = [
        await instance({ LOCK_REDIS_URLS: urls }),
        await instance({ LOCK_REDIS_URLS: urls }),
      ];
      const key = `test:quorum:${randomBytes(3).toString('hex')}`;
      const acquired = signal();
      const letGo = signal();
      const holder = a.locks.withLock([key], 2000, async () => {
        acquired.fire();
        await letGo.promise;
      });
      await acquired.promise;
      await expect(
        b.locks.withLock([key], 2000, async () => 'x', { waitMs: 100 }),
      ).rejects.toBeInstanceOf(LockBusyError);
      letGo.fire();
      await holder;
      await expect(b.locks.withLock([key], 2000, async () => 'free')).resolves.toBe('free');

      // With two of three masters gone there is no quorum: unavailable, not busy.
      const gone = new Promise((resolve) => servers[0].process.once('exit', resolve));
      servers[0].process.kill();
      await gone;
      await expect(b.locks.withLock([key], 2000, async () => 'x')).rejects.toBeInstanceOf(
        LockUnavailableError,
      );
    } finally {
      for (const server of servers) server.process.kill();
    }
  });

  it('aborts the signal when the lock is lost', async () => {
    const { locks, redis } = await instance();
    const key = `test:lost:${randomBytes(3).toString('hex')}`;
    const reason = await locks.withLock([key], 200, async (abort) => {
      const aborted = new Promise((resolve) => abort.addEventListener('abort', resolve));
      // Someone (an operator, a failover) removes the lock: the next extension fails.
      await redis.client.del(redis.keys.key('lock', key));
      await redis.client.set(redis.keys.key('lock', key), 'someone-else', 'PX', 5000);
      await aborted;
      return abort.reason as unknown;
    });
    expect(reason).toBeInstanceOf(LockLostError);
  });

  it('names locks without their ids', () => {
    expect(lockName('booking:shipment:7d0f9b8e-0c1a-4a8e-9b55-2f9d5b7f5c11')).toBe(
      'booking:shipment',
    );
    expect(lockName('campaign:42')).toBe('campaign');
  });
});

/** A throw-away Redis on a free port, without persistence; fails loudly without redis-server. */
async function startRedisServer(): Promise<{ url: string; process: ChildProcess }> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const missing = await new Promise<Error | null>((resolve) => {
      child.once('error', resolve);
      child.once('spawn', () => resolve(null));
    });
    if (missing) {
      throw new Error(
        `redis-server could not be started (${missing.message}): install it (.ci/run does)`,
      );
    }
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null });
    for (let i = 0; i < 50; i++) {
      try {
        await probe.connect();
        await probe.quit();
        return { url: `redis://127.0.0.1:${port}`, process: child };
      } catch {
        if (child.exitCode !== null) break;
        await sleep(50);
      }
    }
    child.kill();
  }
}
