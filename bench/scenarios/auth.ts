import { redisTrafficPer } from '../lib/counters';
import { api, interleaved, loadOnce } from '../lib/http';
import { BenchContext, Scenario, ScenarioResult, SkipScenario } from '../lib/scenario';
import { median, percentile, ratio, round } from '../lib/stats';
import { pct } from './throttle';

/** Loopback round trip of one Redis command from a Node client at `concurrency` in flight. */
async function redisRoundTripMs(
  ctx: BenchContext,
  concurrency: number,
  total: number,
): Promise<number> {
  const redis = ctx.stack.redis();
  const times: number[] = [];
  let left = total;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) {
        const t0 = process.hrtime.bigint();
        await redis.ping();
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  return round(percentile(times, 50), 3);
}

/** Scenario 4: what the per-request revocation (session) check costs. */
export const auth: Scenario = {
  id: 'auth',
  title: 'Revocation check overhead',
  budgetSeconds: 60,
  method:
    'Two routes that do the same work, both served from the response cache (HIT: the same two ' +
    'Redis reads, no handler): `GET /users/me` (signed in: the JwtGuard verifies the JWT, runs the ' +
    'session/revocation check, one Lua script in Redis, and reads the user by primary key) and ' +
    '`GET /companies/:slug` (public: no guard work). Loaded in alternation on one API process ' +
    '(10 connections, 3 runs). Redis commands (MONITOR) and PostgreSQL statements (counted in the API ' +
    'process) per request over 300 requests. The revocation check alone = its script (server-side µs per call from `INFO ' +
    'commandstats`) plus one loopback round trip (a PING from Node at the same concurrency).',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const a = await ctx.api('A');
    const customer = await ctx.token(ctx.seed.customerEmail(2));
    const [company] = await ctx.stack.sql<{ slug: string }>('SELECT slug FROM companies LIMIT 1');
    const privatePath = '/users/me';
    const publicPath = `/companies/${company.slug}`;
    const headers = { authorization: `Bearer ${customer}` };
    for (const [path, h] of [
      [privatePath, headers],
      [publicPath, undefined],
    ] as const) {
      await api(a.url, 'GET', path, { headers: h });
      const second = await api(a.url, 'GET', path, { headers: h });
      if (second.headers.get('x-cache') !== 'HIT') {
        throw new SkipScenario(`${path} is not served from the cache (needs the cache feature)`);
      }
    }
    const results = await interleaved(
      [
        { label: 'signed in', url: a.url, path: privatePath, headers },
        { label: 'public', url: a.url, path: publicPath },
      ],
      ctx.seconds(2),
    );
    // Redis traffic (MONITOR) and PostgreSQL statements over the same 300 requests.
    const measure = async (path: string, h?: Record<string, string>) => {
      let pg = 0;
      const redis = await redisTrafficPer(ctx.stack, async () => {
        const before = await ctx.stack.pgQueries(a);
        const n = (await loadOnce({ url: a.url, path, headers: h, seconds: 30, amount: 300 }))
          .requests;
        pg = round(((await ctx.stack.pgQueries(a)) - before) / Math.max(1, n), 2);
        return n;
      });
      return { redis, pg };
    };
    const signedIn = await measure(privatePath, headers);
    const publicCounts = await measure(publicPath);

    // The script's own cost: server-side time per EVALSHA over a signed-in load.
    const before = await ctx.stack.commandStats();
    await loadOnce({ url: a.url, path: privatePath, headers, seconds: 2 });
    const after = await ctx.stack.commandStats();
    const script = ['evalsha', 'eval', 'fcall'].find(
      (c) => (after[c]?.calls ?? 0) - (before[c]?.calls ?? 0) > 0,
    );
    const scriptUs = script
      ? round(
          (after[script].usec - (before[script]?.usec ?? 0)) /
            (after[script].calls - (before[script]?.calls ?? 0)),
          1,
        )
      : NaN;
    const rtts = [];
    for (let i = 0; i < 3; i++) rtts.push(await redisRoundTripMs(ctx, 10, 3000));
    const rttMs = round(median(rtts), 3);

    const s = results['signed in'];
    const p = results.public;
    const guardMs = round(s.p50 - p.p50, 2);
    const checkMs = round(rttMs + scriptUs / 1000, 3);
    const ceiling = ctx.figures.ceilingRps;
    return {
      headline: [
        `Revocation check: 1 Redis script per signed-in request, ~${checkMs} ms (script ${scriptUs} µs in Redis + ${rttMs} ms round trip); whole signed-in path: p50 +${guardMs} ms, ${ratio(s.rps, p.rps)}× the public route's throughput`,
      ],
      tables: [
        {
          title: 'Signed-in vs public cached route (both X-Cache: HIT)',
          columns: [
            'route',
            'req/s',
            'p50 ms',
            'p99 ms',
            'Redis round trips/req',
            'PG queries/req',
            'of ceiling',
          ],
          rows: [
            [
              'GET /users/me (signed in)',
              s.rps,
              s.p50,
              s.p99,
              signedIn.redis.roundTrips,
              signedIn.pg,
              pct(s.rps, ceiling),
            ],
            [
              'GET /companies/:slug (public)',
              p.rps,
              p.p50,
              p.p99,
              publicCounts.redis.roundTrips,
              publicCounts.pg,
              pct(p.rps, ceiling),
            ],
            [
              'difference (signed-in path)',
              round(s.rps - p.rps, 1),
              guardMs,
              round(s.p99 - p.p99, 2),
              round(signedIn.redis.roundTrips - publicCounts.redis.roundTrips, 2),
              round(signedIn.pg - publicCounts.pg, 2),
              '',
            ],
          ],
        },
        {
          title: 'Redis commands per request (MONITOR over 300 requests)',
          columns: ['command sent by the API', 'signed in', 'public'],
          rows: Object.keys({ ...signedIn.redis.byCommand, ...publicCounts.redis.byCommand })
            .map((c) => [c, signedIn.redis.byCommand[c] ?? 0, publicCounts.redis.byCommand[c] ?? 0])
            .concat([
              [
                '(run inside scripts)',
                signedIn.redis.scriptCommands,
                publicCounts.redis.scriptCommands,
              ],
            ]),
        },
        {
          title: 'The revocation check alone',
          columns: ['part', 'value'],
          rows: [
            [`${script ?? 'script'} server time per call`, `${scriptUs} µs`],
            ['loopback round trip (PING, 10 in flight), median of 3×3000', `${rttMs} ms`],
            ['check per request ≈', `${checkMs} ms`],
          ],
        },
      ],
      charts: [
        {
          file: 'bench-auth.svg',
          title: 'Signed-in vs public cached route',
          unit: 'requests/s',
          bars: [
            { label: 'GET /users/me (guard)', value: s.rps, group: 'signed in' },
            { label: 'GET /companies/:slug', value: p.rps, group: 'public' },
          ],
        },
      ],
      notes: [
        "The difference between the two routes is the whole signed-in path: JWT verification, the revocation/session script, the session's last-seen update, the user read, and the per-user cache key with its extra tag. The revocation check alone is the last table.",
      ],
      claims: [
        {
          topic: 'Token blacklisting (revocation)',
          analysis: 'Performance gain: Low; one `EXISTS blacklist:<token>` per request',
          measured: `one Lua script per signed-in request (session alive + jti not revoked + issued after logout-all), ${scriptUs} µs in Redis, ~${checkMs} ms with the round trip; the whole signed-in path (JWT, that script, session touch, user read) adds ${guardMs} ms p50 and halves throughput: ${ratio(s.rps, p.rps)}×`,
        },
      ],
      data: {
        signedIn: s,
        public: p,
        counts: { signedIn, public: publicCounts },
        script,
        scriptUs,
        redisRttMs: rttMs,
      },
    };
  },
};
