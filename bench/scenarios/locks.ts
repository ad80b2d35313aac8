import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { loadConfig } from '../../src/config';
import { LockService } from '../../src/locks';
import { MetricsService } from '../../src/metrics/metrics.service';
import { RedisService } from '../../src/redis';
import { clientAddress, redisTrafficPer } from '../lib/counters';
import { createShipment } from '../lib/fixtures';
import { interleaved } from '../lib/http';
import { progress } from '../lib/log';
import { BenchContext, Scenario, ScenarioResult, SkipScenario } from '../lib/scenario';
import { freePort } from '../lib/stack';
import { compare, fmt, median, spread } from '../lib/stats';
import { pct } from './throttle';

/** Complete withLock cycles (acquire, fencing token, release) per second for `seconds`: `callers` loops, each on keys from `keyOf`. */
async function lockRate(
  locks: LockService,
  callers: number,
  keyOf: (caller: number) => string,
  seconds: number,
): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      while (Date.now() < deadline) {
        await locks.withLock([keyOf(caller)], 5000, async () => undefined, {
          waitMs: 10_000,
          retryDelayMs: 5,
        });
        done++;
      }
    }),
  );
  return done / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Cycles watched under MONITOR to count one cycle's Redis round trips. */
const TRAFFIC_CYCLES = 50;

/** Scenario 6: LockService cycles and their Redis traffic, and booking throughput with and without the lock. */
export const locks: Scenario = {
  id: 'locks',
  title: 'Locks: LockService cycles, their Redis round trips, and booking throughput',
  budgetSeconds: 110,
  method:
    '(a) In the bench process, the real `LockService` (src/locks) on the bench Redis: ' +
    '`withLock([key], 5000, noop)` (acquire script, fencing INCR, release script) in a loop, for ' +
    '1.5 s per run, 3 runs each, the three cases alternating: one caller on one key; 8 callers on ' +
    'one key (contention, 5 ms retry delay); 8 callers on 8 different keys. The Redis round trips ' +
    'one uncontended cycle costs are counted, not assumed: 50 cycles under MONITOR (a MULTI...EXEC ' +
    'block counts once; commands a Lua script runs inside Redis count as none), single pass. (b) `POST /bookings` (1 kg, capacity never runs ' +
    'out) through autocannon, 10 connections, 3 alternating runs, on one shipment (every booking contends for one ' +
    'lock and one row) and spread over 20 shipments, on an API process with the lock and on one ' +
    'started with `LOCK_REDIS_URLS` pointing at a closed port: there `withLock` fails at once with ' +
    'LockUnavailableError and BookingsService books on the database guard only (its designed ' +
    'fallback, one warning log line per booking), which is the "without LockService" baseline.',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    // (a) in-process round trips
    Logger.overrideLogger(['error']);
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_ACCESS_SECRET: 'unused-a',
      JWT_REFRESH_SECRET: 'unused-b',
      REDIS_URL: ctx.stack.redisUrl,
      REDIS_KEY_PREFIX: ctx.stack.prefix,
      DATABASE_URL: 'postgres://unused@127.0.0.1/unused',
    });
    const redis = new RedisService(config);
    await redis.onModuleInit();
    const service = new LockService(config, redis, new MetricsService());
    await service.onModuleInit();
    let traffic: Awaited<ReturnType<typeof redisTrafficPer>>;
    const rates: Record<string, number[]> = {
      oneKeyOneCaller: [],
      oneKeyEightCallers: [],
      manyKeys: [],
    };
    try {
      await lockRate(service, 8, (c) => `bench:warm:${c}`, 0.5);
      // Only this LockService's connection: other processes' background traffic is not its cost.
      traffic = await redisTrafficPer(
        ctx.stack,
        async () => {
          for (let i = 0; i < TRAFFIC_CYCLES; i++) {
            await service.withLock(['bench:traffic'], 5000, async () => undefined);
          }
          return TRAFFIC_CYCLES;
        },
        [await clientAddress(redis.client as Redis)],
      );
      for (let i = 0; i < 3; i++) {
        const seconds = ctx.seconds(1.5);
        rates.oneKeyOneCaller.push(await lockRate(service, 1, () => 'bench:one', seconds));
        rates.oneKeyEightCallers.push(await lockRate(service, 8, () => 'bench:one', seconds));
        rates.manyKeys.push(await lockRate(service, 8, (c) => `bench:many:${c}`, seconds));
      }
    } finally {
      await redis.onApplicationShutdown();
    }
    const one = median(rates.oneKeyOneCaller);
    const contended = median(rates.oneKeyEightCallers);
    const many = median(rates.manyKeys);
    progress(
      `  locks: ${fmt(one)} / ${fmt(contended)} / ${fmt(many)} withLock cycles/s; ${traffic!.roundTrips} round trips per cycle`,
    );
    const perCycle = traffic!;

    // (b) booking throughput
    const withLock = await ctx.api('A');
    const deadPort = await freePort();
    const without = await ctx.stack.startApi('api-no-lock', {
      ...ctx.defaultApiEnv(),
      LOCK_REDIS_URLS: `redis://127.0.0.1:${deadPort}`,
    });
    try {
      const customer = await ctx.token(ctx.seed.customerEmail(3));
      const hot = await createShipment(ctx, withLock.url);
      const twenty = await Promise.all(
        Array.from({ length: 20 }, () => createShipment(ctx, withLock.url)),
      );
      const headers = { authorization: `Bearer ${customer}` };
      const body = (id: string) => JSON.stringify({ shipmentId: id, weightKg: 1 });
      let turn = 0;
      const spreadRequest = (request: Record<string, unknown>) => ({
        ...request,
        method: 'POST',
        body: body(twenty[turn++ % twenty.length]),
      });
      const r = await interleaved(
        [
          {
            label: 'lock, one shipment',
            url: withLock.url,
            path: '/bookings',
            method: 'POST',
            headers,
            body: body(hot),
          },
          {
            label: 'no lock, one shipment',
            url: without.url,
            path: '/bookings',
            method: 'POST',
            headers,
            body: body(hot),
          },
          {
            label: 'lock, 20 shipments',
            url: withLock.url,
            path: '/bookings',
            method: 'POST',
            headers,
            setupRequest: spreadRequest as never,
          },
          {
            label: 'no lock, 20 shipments',
            url: without.url,
            path: '/bookings',
            method: 'POST',
            headers,
            setupRequest: spreadRequest as never,
          },
        ],
        ctx.seconds(1.5),
      );
      const bad = Object.values(r).reduce((a, s) => a + s.non2xx + s.errors, 0);
      if (r['lock, one shipment'].requests === 0)
        throw new SkipScenario('POST /bookings did not succeed');
      const ceiling = ctx.figures.ceilingRps;
      const row = (label: string) => [
        label,
        r[label].rps,
        spread(r[label].runs.map((x) => x.rps)),
        r[label].p50,
        r[label].p99,
        r[label].non2xx,
        pct(r[label].rps, ceiling),
      ];
      const lockOne = r['lock, one shipment'].rps;
      const noLockOne = r['no lock, one shipment'].rps;
      const lockMany = r['lock, 20 shipments'].rps;
      const noLockMany = r['no lock, 20 shipments'].rps;
      const runsOf = (label: string) => r[label].runs.map((x) => x.rps);
      const hotEffect = compare(runsOf('lock, one shipment'), runsOf('no lock, one shipment'), [
        'with lock',
        'without',
      ]);
      const spreadEffect = compare(runsOf('lock, 20 shipments'), runsOf('no lock, 20 shipments'), [
        'with lock',
        'without',
      ]);
      const commands = Object.entries(perCycle.byCommand)
        .map(([command, n]) => `${command} ${n}`)
        .join(', ');
      return {
        headline: [
          `LockService: ${fmt(one)} withLock cycles/s on one key (one caller), ${fmt(contended)}/s with 8 callers on it, ${fmt(many)}/s on 8 keys; ${perCycle.roundTrips} Redis round trips per uncontended cycle (counted)`,
          `Bookings/s with vs without the lock: one shipment ${fmt(lockOne)} vs ${fmt(noLockOne)}: ${hotEffect.text}; 20 shipments ${fmt(lockMany)} vs ${fmt(noLockMany)}: ${spreadEffect.text}`,
        ],
        tables: [
          {
            title:
              'LockService.withLock cycles per second (acquire + fencing token + release of a no-op routine; in-process, bench Redis)',
            taken: 'median of 3 runs of 1.5 s, the three cases alternating; runs listed',
            columns: ['case', 'withLock cycles/s', 'runs (min–max)'],
            rows: [
              ['1 caller, 1 key', one, spread(rates.oneKeyOneCaller)],
              ['8 callers, 1 key (contention)', contended, spread(rates.oneKeyEightCallers)],
              ['8 callers, 8 keys', many, spread(rates.manyKeys)],
            ],
          },
          {
            title: 'Redis traffic of one uncontended withLock cycle',
            taken: `single pass: ${TRAFFIC_CYCLES} cycles under MONITOR, divided by ${TRAFFIC_CYCLES}`,
            columns: [
              'round trips',
              'client commands',
              'commands run inside scripts',
              'by command',
            ],
            rows: [
              [perCycle.roundTrips, perCycle.clientCommands, perCycle.scriptCommands, commands],
            ],
          },
          {
            title: 'POST /bookings throughput, 10 connections',
            taken:
              'median of 3 runs of 1.5 s per variant, the four variants alternating; spread = min–max of bookings/s over the runs',
            columns: [
              'variant',
              'bookings/s',
              'runs (min–max)',
              'p50 ms',
              'p99 ms',
              'non-2xx',
              'of ceiling',
            ],
            rows: [
              row('lock, one shipment'),
              row('no lock, one shipment'),
              row('lock, 20 shipments'),
              row('no lock, 20 shipments'),
            ],
          },
        ],
        charts: [
          {
            file: 'bench-locks.svg',
            title: 'Booking throughput with and without LockService',
            unit: 'bookings/s',
            bars: [
              { label: 'one shipment, lock', value: lockOne, group: 'with lock' },
              { label: 'one shipment, no lock', value: noLockOne, group: 'without lock' },
              { label: '20 shipments, lock', value: lockMany, group: 'with lock' },
              { label: '20 shipments, no lock', value: noLockMany, group: 'without lock' },
            ],
          },
        ],
        notes: [
          `Non-2xx answers over all booking runs: ${bad} (a LockBusyError would be a 409).`,
          'The database keeps the capacity invariant in both variants (one conditional UPDATE); the lock only queues contending bookings in Redis instead of on the row lock and the connection pool.',
        ],
        claims: [
          {
            topic: 'Distributed locks',
            analysis: 'Performance gain: Low; prevents double booking and double charge',
            measured: `the database already prevents overselling; one uncontended withLock cycle costs ${perCycle.roundTrips} Redis round trips (counted under MONITOR: ${commands}), ${fmt(one)} cycles/s for one caller; booking throughput with vs without the lock, one hot shipment: ${hotEffect.text}; 20 shipments: ${spreadEffect.text}`,
          },
        ],
        capacity: [
          `Bookings: ~${Math.round(lockMany)}/s per API process spread over shipments, ~${Math.round(lockOne)}/s on one hot shipment (serialised by its lock and row).`,
        ],
        data: {
          withLockCyclesPerSecond: rates,
          medians: { one, contended, many },
          redisPerCycle: perCycle,
          bookings: r,
          comparisons: { oneShipment: hotEffect, twentyShipments: spreadEffect },
        },
      };
    } finally {
      await ctx.stack.stop(without);
    }
  },
};
