import { redisTrafficPer } from '../lib/counters';
import { api, interleaved, loadOnce } from '../lib/http';
import { BenchContext, Scenario, ScenarioResult, SkipScenario } from '../lib/scenario';
import { compare, fmt, spread } from '../lib/stats';
import { pct } from './throttle';

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
    "(10 connections, 3 alternating runs of 2 s; medians, with the runs' min–max). Redis " +
    'commands (MONITOR) and PostgreSQL statements (counted in the API process) per request over ' +
    "300 requests, single pass. The revocation script's own cost is its server-side time per " +
    'call (`INFO commandstats` over one 2 s signed-in load, single pass); the round trip to Redis ' +
    "is not added to it (a PING timed from another process is not the API's round trip): the " +
    'end-to-end cost of the whole signed-in path is the p50 difference between the two routes.',
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
        pg = ((await ctx.stack.pgQueries(a)) - before) / Math.max(1, n);
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
      ? (after[script].usec - (before[script]?.usec ?? 0)) /
        (after[script].calls - (before[script]?.calls ?? 0))
      : NaN;

    const s = results['signed in'];
    const p = results.public;
    const guardMs = s.p50 - p.p50;
    const throughput = compare(
      s.runs.map((r) => r.rps),
      p.runs.map((r) => r.rps),
      ['signed in', 'public'],
    );
    const latency = compare(
      s.runs.map((r) => r.p50),
      p.runs.map((r) => r.p50),
      ['signed in', 'public'],
    );
    const scripts = (counts: typeof signedIn) =>
      ['evalsha', 'eval', 'fcall'].reduce((n, c) => n + (counts.redis.byCommand[c] ?? 0), 0);
    const scriptsPerRequest = scripts(signedIn) - scripts(publicCounts);
    const ceiling = ctx.figures.ceilingRps;
    return {
      headline: [
        `Revocation check: ${fmt(scriptsPerRequest)} Redis script call(s) per signed-in request (MONITOR), ${fmt(scriptUs)} µs of Redis time per call; whole signed-in path vs a public cached route: p50 ${fmt(guardMs)} ms more, throughput ${throughput.text}`,
      ],
      tables: [
        {
          title: 'Signed-in vs public cached route (both X-Cache: HIT)',
          taken:
            'req/s and latencies: median of 3 alternating runs of 2 s, runs min–max beside; Redis round trips and PG queries: single pass over 300 requests',
          columns: [
            'route',
            'req/s',
            'req/s runs (min–max)',
            'p50 ms',
            'p50 runs (min–max)',
            'p99 ms',
            'Redis round trips/req',
            'PG queries/req',
            'of ceiling',
          ],
          rows: [
            [
              'GET /users/me (signed in)',
              s.rps,
              spread(s.runs.map((r) => r.rps)),
              s.p50,
              spread(s.runs.map((r) => r.p50)),
              s.p99,
              signedIn.redis.roundTrips,
              signedIn.pg,
              pct(s.rps, ceiling),
            ],
            [
              'GET /companies/:slug (public)',
              p.rps,
              spread(p.runs.map((r) => r.rps)),
              p.p50,
              spread(p.runs.map((r) => r.p50)),
              p.p99,
              publicCounts.redis.roundTrips,
              publicCounts.pg,
              pct(p.rps, ceiling),
            ],
            [
              'signed in / public',
              `${fmt(throughput.ratio)}×`,
              throughput.differs ? 'ranges apart' : 'ranges overlap: no difference measurable',
              `${fmt(latency.ratio)}×`,
              latency.differs ? 'ranges apart' : 'ranges overlap: no difference measurable',
              '',
              signedIn.redis.roundTrips - publicCounts.redis.roundTrips,
              signedIn.pg - publicCounts.pg,
              '',
            ],
          ],
        },
        {
          title: 'Redis commands per request (MONITOR over 300 requests)',
          taken: 'single pass over 300 requests per route',
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
          title: 'The revocation script alone, inside Redis',
          taken: 'single pass: INFO commandstats before and after one 2 s signed-in load',
          columns: ['part', 'value'],
          rows: [[`${script ?? 'script'} server time per call`, `${fmt(scriptUs)} µs`]],
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
        "The difference between the two routes is the whole signed-in path: JWT verification, the revocation/session script, the session's last-seen update, the user read, and the per-user cache key with its extra tag. The script's time inside Redis is the last table; its network round trip is part of the measured p50 difference and is not estimated separately.",
      ],
      claims: [
        {
          topic: 'Token blacklisting (revocation)',
          analysis: 'Performance gain: Low; one `EXISTS blacklist:<token>` per request',
          measured: `${fmt(scriptsPerRequest)} Lua script call(s) per signed-in request more than on the public route (MONITOR; the session/revocation check: session alive + jti not revoked + issued after logout-all), ${fmt(scriptUs)} µs of Redis time per call; the whole signed-in path (JWT, that script, session touch, user read) vs a public cached route: p50 ${fmt(guardMs)} ms more (${latency.text}), throughput ${throughput.text}`,
        },
      ],
      data: {
        signedIn: s,
        public: p,
        counts: { signedIn, public: publicCounts },
        script,
        scriptUs,
        comparisons: { throughput, latency },
      },
    };
  },
};
