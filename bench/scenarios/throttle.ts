import { redisTrafficPer } from '../lib/counters';
import { api, interleaved, loadOnce } from '../lib/http';
import { BenchContext, Scenario, ScenarioResult, SkipScenario } from '../lib/scenario';
import { compare, fmt, ratio, round, spread } from '../lib/stats';

/** Every named throttler far above what the load reaches: the limiter works, nothing is 429. */
export const HIGH_LIMITS = Object.fromEntries(
  ['GLOBAL', 'LOGIN', 'LOGIN_EMAIL', 'REGISTER', 'REFRESH', 'BOOKING', 'SEARCH', 'CHAT'].map(
    (name) => [`THROTTLE_${name}`, '1000000000/60'],
  ),
);

/** A seeded shipment id: GET /shipments/:id is public and one primary-key read. */
export async function anyShipmentId(ctx: BenchContext): Promise<string> {
  const [row] = await ctx.stack.sql<{ id: string }>('SELECT id FROM shipments LIMIT 1');
  if (!row) throw new SkipScenario('no shipments in the database');
  return row.id;
}

/** Scenario 3: the global rate limiter on vs THROTTLE_ENABLED=false on a cheap route. */
export const throttle: Scenario = {
  id: 'throttle',
  title: 'Rate limiter overhead',
  budgetSeconds: 60,
  method:
    'Two API processes on the same database and Redis, one with `THROTTLE_ENABLED=true` and every ' +
    'limit at 1,000,000,000/60 (the limiter counts every request, none is refused), one with ' +
    '`THROTTLE_ENABLED=false`. `GET /shipments/:id` (public, one primary-key read) is loaded on ' +
    'each in alternation (on, off, on, off, ...; 10 connections, 3 runs of 2 s each; medians, ' +
    "with the runs' min–max). Redis traffic per request: MONITOR over 300 requests on each, " +
    'single pass (it tells the commands the API sends from those a Lua script runs; a ' +
    'MULTI...EXEC block is one round trip).',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const id = await anyShipmentId(ctx);
    const path = `/shipments/${id}`;
    const [on, off] = await Promise.all([
      ctx.stack.startApi('api-throttle-on', {
        ...ctx.defaultApiEnv(),
        ...HIGH_LIMITS,
        THROTTLE_ENABLED: 'true',
      }),
      ctx.stack.startApi('api-throttle-off', { ...ctx.defaultApiEnv(), THROTTLE_ENABLED: 'false' }),
    ]);
    const probe = await api(on.url, 'GET', path);
    if (probe.status !== 200) throw new SkipScenario(`GET /shipments/:id answered ${probe.status}`);
    const limited = probe.headers.get('ratelimit-limit') ?? probe.headers.get('x-ratelimit-limit');
    if (!limited)
      throw new SkipScenario('no RateLimit-* headers: the global limiter is not active');

    const results = await interleaved(
      [
        { label: 'limiter on', url: on.url, path },
        { label: 'limiter off', url: off.url, path },
      ],
      ctx.seconds(2),
    );
    const traffic = (url: string) =>
      redisTrafficPer(ctx.stack, async () => {
        return (await loadOnce({ url, path, seconds: 30, amount: 300 })).requests;
      });
    const perOn = await traffic(on.url);
    const perOff = await traffic(off.url);
    await Promise.all([ctx.stack.stop(on), ctx.stack.stop(off)]);

    const a = results['limiter on'];
    const b = results['limiter off'];
    const ceiling = ctx.figures.ceilingRps;
    const extraMs = a.p50 - b.p50;
    const signed = (n: number) => (n >= 0 ? `+${fmt(n)}` : fmt(n));
    const throughput = compare(
      a.runs.map((r) => r.rps),
      b.runs.map((r) => r.rps),
      ['on', 'off'],
    );
    const latency = compare(
      a.runs.map((r) => r.p50),
      b.runs.map((r) => r.p50),
      ['on', 'off'],
    );
    return {
      headline: [
        `Rate limiter on vs off: throughput ${throughput.text}; p50 ${signed(extraMs)} ms (${latency.text}); ` +
          `${fmt(perOn.roundTrips - perOff.roundTrips)} Redis round trip(s) more per request`,
      ],
      tables: [
        {
          title: 'GET /shipments/:id, limiter on vs off',
          taken:
            'req/s and latencies: median of 3 alternating runs of 2 s, runs min–max beside; Redis round trips: single pass over 300 requests',
          columns: [
            'variant',
            'req/s',
            'req/s runs (min–max)',
            'p50 ms',
            'p50 runs (min–max)',
            'p99 ms',
            'Redis round trips/request',
            'of ceiling',
          ],
          rows: [
            [
              'limiter on',
              a.rps,
              spread(a.runs.map((r) => r.rps)),
              a.p50,
              spread(a.runs.map((r) => r.p50)),
              a.p99,
              perOn.roundTrips,
              pct(a.rps, ceiling),
            ],
            [
              'limiter off',
              b.rps,
              spread(b.runs.map((r) => r.rps)),
              b.p50,
              spread(b.runs.map((r) => r.p50)),
              b.p99,
              perOff.roundTrips,
              pct(b.rps, ceiling),
            ],
            [
              'on / off',
              `${fmt(throughput.ratio)}×`,
              throughput.differs ? 'ranges apart' : 'ranges overlap: no difference measurable',
              `${fmt(latency.ratio)}×`,
              latency.differs ? 'ranges apart' : 'ranges overlap: no difference measurable',
              `${fmt(ratio(a.p99, b.p99))}×`,
              '',
              '',
            ],
          ],
        },
        {
          title: 'Redis commands per request (MONITOR over 300 requests)',
          taken: 'single pass over 300 requests per variant',
          columns: [
            'command sent by the API',
            'per request, limiter on',
            'per request, limiter off',
          ],
          rows: [
            ...Object.keys({ ...perOn.byCommand, ...perOff.byCommand }).map((c) => [
              c,
              perOn.byCommand[c] ?? 0,
              perOff.byCommand[c] ?? 0,
            ]),
            ['(run inside that script)', perOn.scriptCommands, perOff.scriptCommands],
          ],
        },
      ],
      charts: [
        {
          file: 'bench-throttle.svg',
          title: 'Rate limiter on vs off (GET /shipments/:id)',
          unit: 'requests/s',
          bars: [
            { label: 'limiter on', value: a.rps, group: 'on' },
            { label: 'limiter off', value: b.rps, group: 'off' },
            ...(ceiling ? [{ label: 'bare ceiling', value: ceiling, group: 'ceiling' }] : []),
          ],
        },
      ],
      notes: [
        'The limiter is the only difference between the two processes; the same route, database and Redis serve both.',
      ],
      claims: [
        {
          topic: 'Rate limiting',
          analysis: 'Performance gain: Low (a security feature)',
          measured: `throughput on vs off ${throughput.text} (${fmt(a.rps)} vs ${fmt(b.rps)} req/s), p50 ${signed(extraMs)} ms (${latency.text}), ${fmt(perOn.roundTrips)} Redis round trip(s) per request with it on, ${fmt(perOff.roundTrips)} with it off`,
        },
      ],
      capacity: [
        `Rate limits: every request through the limiter is ${fmt(perOn.roundTrips)} Redis round trip(s) (${fmt(perOn.roundTrips - perOff.roundTrips)} more than without it); at 5,000 req/s over all API processes that is ${Math.round((perOn.roundTrips - perOff.roundTrips) * 5000)} more Redis commands/s (this bench does not measure what one Redis sustains).`,
      ],
      data: {
        on: a,
        off: b,
        redisPerRequest: { on: perOn, off: perOff },
        comparisons: { throughput, latency },
      },
    };
  },
};

export function pct(value: number, ceiling: number | undefined): string {
  return ceiling ? `${round((value / ceiling) * 100, 1)} %` : 'n/a';
}
