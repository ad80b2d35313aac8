import { api, interleaved, LoadSummary, must } from '../lib/http';
import { progress } from '../lib/log';
import { builtCheckout } from '../lib/baseline';
import { BenchContext, Goal, Scenario, ScenarioResult, SkipScenario } from '../lib/scenario';
import type { AdapterName } from '../lib/profile';
import { adapterOf, ApiProc, ROOT } from '../lib/stack';
import { compare, fmt, spread, verdict } from '../lib/stats';
import { anyShipmentId, HIGH_LIMITS } from './throttle';

/**
 * The commit whose API ran on the other adapter (issue 22: the port to Fastify, with every other
 * change of this build's code at the time; main went back to Express after this scenario measured
 * it). This build is compared with it. Override with BENCH_OTHER_ADAPTER_REF (any commit, branch
 * or tag in this clone's history whose API runs on the other adapter).
 */
export const OTHER_ADAPTER_REF = '0af84331d77f57e1d45b07177ddc4e1248e17800';

/** Issue 22: Fastify becomes the default if the real API gains at least this much on it. */
export const FASTIFY_THRESHOLD = 1.3;

/** Rounds per variant: the decision needs every round, so more than the usual 3. */
const ROUNDS = 5;

const ROUTES = [
  { key: 'public cached', title: 'GET /companies/:slug (public, HIT)', cached: true },
  { key: 'signed-in cached', title: 'GET /users/me (signed in, HIT)', cached: true },
  { key: 'public uncached', title: 'GET /shipments/:id (public, not cached)', cached: false },
  { key: 'signed-in uncached', title: 'GET /bookings (customer, not cached)', cached: false },
] as const;

/** Issue 22: the real API on Express and on Fastify, one of them this build, the other a commit of its history. */
export const adapter: Scenario = {
  id: 'adapter',
  title: 'The real API on Express and on Fastify (issue 22)',
  budgetSeconds: 420,
  method:
    'Two API processes on the same seeded database and Redis, with the production settings of ' +
    'the `targets` scenario (every rate limit on but never refusing, `LOG_LEVEL=info`, ' +
    '`NODE_ENV=production`, response cache on): this build, and the build of commit ' +
    `\`${OTHER_ADAPTER_REF.slice(0, 7)}\` (BENCH_OTHER_ADAPTER_REF overrides it), the same code ` +
    "with the API ported to the other adapter, taken from this clone's history with `git archive`, installed with its own " +
    'lockfile and built once (bench/lib/baseline.ts; kept under node_modules/.cache). Four routes ' +
    'on each: public cached `GET /companies/:slug` and signed-in cached `GET /users/me` (X-Cache: ' +
    'HIT), public uncached `GET /shipments/:id` (one primary-key read) and signed-in uncached ' +
    "`GET /bookings` (a customer's list: session check, two queries); all eight loaded in " +
    `alternating rounds (10 connections, 0.5 s warm-up each, ${ROUNDS} rounds of 2 s); medians with the ` +
    "rounds' min–max; the ratio's verdict from the per-round ratios. Decision rule (issue 22): " +
    `Fastify is the default when it is at least ${FASTIFY_THRESHOLD}× Express on both cached routes ` +
    'in every round.',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const ref = process.env.BENCH_OTHER_ADAPTER_REF ?? OTHER_ADAPTER_REF;
    const other = builtCheckout(ref);
    const here = adapterOf(ROOT);
    const there = adapterOf(other.root);
    if (here === there) {
      throw new SkipScenario(`this build and ${other.commit.slice(0, 7)} both run on ${here}`);
    }
    const env = {
      ...ctx.defaultApiEnv(),
      ...HIGH_LIMITS,
      THROTTLE_ENABLED: 'true',
      LOG_LEVEL: 'info',
    };
    const apps: Record<AdapterName, ApiProc> = {} as Record<AdapterName, ApiProc>;
    const [current, previous] = await Promise.all([
      ctx.stack.startApi(`api-${here.toLowerCase()}`, env),
      ctx.stack.startApi(`api-${there.toLowerCase()}`, env, [], other.root),
    ]);
    apps[here] = current;
    apps[there] = previous;
    try {
      const [company] = await ctx.stack.sql<{ slug: string }>('SELECT slug FROM companies LIMIT 1');
      if (!company) throw new SkipScenario('no seeded company');
      const shipmentId = await anyShipmentId(ctx);
      const login = await must<{ accessToken: string }>(current.url, 'POST', '/auth/login', {
        body: { email: ctx.seed.customerEmail(9), password: ctx.seed.password },
      });
      const headers = { authorization: `Bearer ${login.accessToken}` };
      const paths: Record<
        (typeof ROUTES)[number]['key'],
        { path: string; headers?: typeof headers }
      > = {
        'public cached': { path: `/companies/${company.slug}` },
        'signed-in cached': { path: '/users/me', headers },
        'public uncached': { path: `/shipments/${shipmentId}` },
        'signed-in uncached': { path: '/bookings', headers },
      };
      for (const name of ['Express', 'Fastify'] as const) {
        for (const route of ROUTES) {
          const { path, headers: h } = paths[route.key];
          await api(apps[name].url, 'GET', path, { headers: h });
          const second = await api(apps[name].url, 'GET', path, { headers: h });
          const cache = second.headers.get('x-cache');
          if (second.status !== 200 || (route.cached && cache !== 'HIT')) {
            throw new SkipScenario(`${name} ${path}: ${second.status}, X-Cache ${cache}`);
          }
        }
      }

      progress('  adapter: 4 routes × Express / Fastify, alternating rounds');
      const label = (name: AdapterName, key: string) => `${name} ${key}`;
      const r = await interleaved(
        ROUTES.flatMap((route) =>
          (['Express', 'Fastify'] as const).map((name) => ({
            label: label(name, route.key),
            url: apps[name].url,
            path: paths[route.key].path,
            headers: paths[route.key].headers,
          })),
        ),
        ctx.seconds(2),
        ROUNDS,
      );
      const refused = Object.values(r).reduce((a, s) => a + s.non2xx, 0);
      if (refused > 0) throw new Error(`${refused} non-2xx answers under load`);

      const rows: (string | number)[][] = [];
      const goals: Goal[] = [];
      const headline: string[] = [];
      const data: Record<string, unknown> = { other: other.commit, rounds: r };
      let cachedRounds: number[] = [];
      for (const route of ROUTES) {
        const e = r[label('Express', route.key)];
        const f = r[label('Fastify', route.key)];
        const rounds = f.runs.map((x, i) => x.rps / e.runs[i].rps);
        const c = compare(
          f.runs.map((x) => x.rps),
          e.runs.map((x) => x.rps),
          ['Fastify', 'Express'],
        );
        if (route.cached) cachedRounds = cachedRounds.concat(rounds);
        ctx.figures[`fastifyOverExpress ${route.key}`] = c.ratio;
        data[route.key] = { express: e, fastify: f, ratio: c, perRound: rounds };
        rows.push(
          [`${route.title}, Express`, ...cells(e)],
          [`${route.title}, Fastify`, ...cells(f)],
          [`Fastify ÷ Express`, `${fmt(c.ratio)}× (per round ${spread(rounds)})`, '', '', ''],
        );
        headline.push(`${route.key}: Fastify ÷ Express ${c.text}`);
      }
      const decision = cachedRounds.every((v) => v >= FASTIFY_THRESHOLD);
      goals.push({
        figure: 'real API, cached routes (public and signed-in): Fastify ÷ Express (issue 22)',
        measured: `per round ${spread(cachedRounds)}`,
        target: `≥ ${FASTIFY_THRESHOLD} to move to Fastify`,
        verdict: verdict(cachedRounds, (v) => v >= FASTIFY_THRESHOLD),
      });
      const decided = decision
        ? `Fastify pays: ≥ ${FASTIFY_THRESHOLD}× on both cached routes in every round.`
        : `Fastify does not reach ${FASTIFY_THRESHOLD}× on both cached routes in every round.`;
      return {
        headline: [
          `Real API, ${here} (this build) vs ${there} (${other.commit.slice(0, 7)}): ${headline.join('; ')}. ${decided}`,
        ],
        goals,
        tables: [
          {
            title: 'The real API on each adapter, production settings',
            taken: `median of ${ROUNDS} alternating rounds of 2 s after a 0.5 s warm-up each, rounds min–max beside; the ratio per round is round i of Fastify over round i of Express`,
            columns: ['route, adapter', 'req/s', 'req/s rounds (min–max)', 'p50 ms', 'p99 ms'],
            rows,
          },
        ],
        charts: [],
        notes: [`${there}: commit \`${other.commit}\`; ${here}: this build. ${decided}`],
        data,
      };
    } finally {
      await Promise.all([ctx.stack.stop(current), ctx.stack.stop(previous)]);
    }
  },
};

function cells(s: LoadSummary): (string | number)[] {
  return [s.rps, spread(s.runs.map((x) => x.rps)), s.p50, s.p99];
}
