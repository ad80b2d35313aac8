import { Agent, request } from 'node:http';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { plainToInstance } from 'class-transformer';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Client, Pool } from 'pg';
import { DEFAULT_SEED_SIZES, seedDatabase, SeedSizes } from '../../scripts/seed-data';
import { AdminDashboardService } from '../../src/admin/admin-dashboard.service';
import { DomainEvents } from '../../src/events/domain-events';
import type { Database } from '../../src/database';
import { migratePostgres } from '../../src/database/migrations';
import * as schema from '../../src/database/schema';
import { SearchShipmentsQueryDto } from '../../src/shipments/dto/shipment.dto';
import { ShipmentsService } from '../../src/shipments/shipments.service';
import { must } from '../lib/http';
import { progress } from '../lib/log';
import type { BenchContext, Goal, Scenario, ScenarioResult, Table } from '../lib/scenario';
import { ApiProc, freePort, PG_ADMIN_URL } from '../lib/stack';
import { median, percentile, round, verdict } from '../lib/stats';

/*
 * Issue 18 item 4: does the cost of a request grow with the data? Two databases seeded by the
 * project's own seeding function, one with the default sizes and one with ten times them, each
 * behind its own uncached API process; the same requests alternate between the two.
 */

/** `BENCH_QUICK=1`: fewer and shorter rounds (the seeding takes as long). */
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 3 : 5;
const ROUND_SECONDS = QUICK ? 1 : 2;
const FACTOR = 10;
/** Target of the issue: the 10× figure at most twice the 1× one. */
const TARGET_RATIO = 2;

interface Target {
  name: string;
  path: string;
  admin?: boolean;
  /** The service call behind the route, to capture the SQL it sends. */
  call(services: Services): Promise<unknown>;
}

interface Services {
  shipments: ShipmentsService;
  dashboard: AdminDashboardService;
}

interface Scale {
  label: string;
  factor: number;
  dbName: string;
  url: string;
  pool: Pool;
  api?: ApiProc;
  adminToken?: string;
}

interface Captured {
  sql: string;
  params: unknown[];
}

const DAY_MS = 24 * 3600 * 1000;

function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminSql(text: string): Promise<void> {
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function times(sizes: SeedSizes, factor: number): SeedSizes {
  return {
    companies: sizes.companies * factor,
    customers: sizes.customers * factor,
    shipments: sizes.shipments * factor,
    bookings: sizes.bookings * factor,
  };
}

async function seedScale(scale: Scale): Promise<number> {
  const started = Date.now();
  await migratePostgres(scale.pool);
  let lastShown = -1;
  await seedDatabase(drizzle(scale.pool, { schema }), times(DEFAULT_SEED_SIZES, scale.factor), {
    onProgress: ({ phase, done, total }) => {
      const pct = Math.floor((done / total) * 4) * 25;
      if (pct > lastShown) {
        lastShown = pct;
        progress(`  data-scale ${scale.label}: ${phase} ${pct}%`);
      }
    },
  });
  // As autovacuum would have by the time such data exists: statistics and visibility map.
  await scale.pool.query('VACUUM ANALYZE');
  return (Date.now() - started) / 1000;
}

/** A search path and the query DTO the controller would build from it (ValidationPipe). */
function searchTarget(name: string, query: Record<string, string>): Target {
  const path = `/shipments/search?${new URLSearchParams(query).toString()}`;
  return {
    name,
    path,
    call: ({ shipments }) => shipments.search(plainToInstance(SearchShipmentsQueryDto, query)),
  };
}

/** The filters measured: values picked on the 1× data so that each matches something. */
async function targets(pool: Pool): Promise<Target[]> {
  const [route] = (
    await pool.query<{ origin: string; destination: string }>(
      `SELECT origin, destination FROM shipments GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 1`,
    )
  ).rows;
  const today = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
  return [
    searchTarget('search: origin + destination', {
      origin: route.origin,
      destination: route.destination,
    }),
    searchTarget('search: mode', { mode: 'RAIL' }),
    searchTarget('search: minAvailableKg', { minAvailableKg: '2000' }),
    searchTarget('search: date range (7 days)', {
      from: new Date(today.getTime() + 7 * DAY_MS).toISOString(),
      to: new Date(today.getTime() + 14 * DAY_MS).toISOString(),
    }),
    {
      name: 'dashboard summary',
      path: '/admin/dashboard/summary',
      admin: true,
      call: ({ dashboard }) => dashboard.summary(),
    },
    {
      name: 'dashboard stats, 30 days',
      path: '/admin/dashboard/stats?days=30',
      admin: true,
      call: ({ dashboard }) => dashboard.stats(30),
    },
  ];
}

/** The statements the real services send for `target`, captured by drizzle's logger. */
async function capture(pool: Pool, target: Target): Promise<Captured[]> {
  const captured: Captured[] = [];
  const db = drizzle(pool, {
    schema,
    logger: { logQuery: (sql, params) => captured.push({ sql, params }) },
  }) as Database;
  await target.call({
    shipments: new ShipmentsService(db, new DomainEvents(new EventEmitter2())),
    dashboard: new AdminDashboardService(db),
  });
  return captured;
}

async function explain(pool: Pool, statement: Captured): Promise<string> {
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, BUFFERS) ${statement.sql}`,
    statement.params,
  );
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

function executionMs(plan: string): number {
  const match = /Execution Time: ([\d.]+) ms/.exec(plan);
  return match ? Number(match[1]) : NaN;
}

/** Median PostgreSQL execution time of a statement over 3 EXPLAIN ANALYZE runs, and a plan. */
async function serverTime(pool: Pool, statement: Captured): Promise<{ ms: number; plan: string }> {
  const plans: string[] = [];
  for (let i = 0; i < 3; i++) plans.push(await explain(pool, statement));
  const ms = median(plans.map(executionMs));
  return { ms: round(ms, 2), plan: plans[plans.length - 1] };
}

function indented(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function withParams(statement: Captured): string {
  const params = statement.params.map((p) => (p instanceof Date ? p.toISOString() : p));
  return params.length
    ? `${statement.sql}\n-- params: ${JSON.stringify(params)}`
    : statement.sql.trim();
}

interface Figures {
  /** p50 (ms) of each round, by scale label. */
  p50: Record<string, number[]>;
  /** p50 (ms) over every request of every round. */
  overall: Record<string, number>;
  requests: Record<string, number>;
  totals: Record<string, number | undefined>;
}

/** One GET on a keep-alive connection: its latency in ms; anything but a 200 throws. */
function timedGet(agent: Agent, url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) resolve(Number(process.hrtime.bigint() - started) / 1e6);
        else reject(new Error(`GET ${url} answered ${res.statusCode}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Requests alternate between the scales one by one (1×, 10×, then 10×, 1×, ...), one at a time,
 * so a burst of load from elsewhere on the machine hits both alike. `ROUNDS` rounds of
 * `seconds` per scale; p50 per round and over all requests.
 */
async function measure(scales: Scale[], target: Target, seconds: number): Promise<Figures> {
  const f: Figures = { p50: {}, overall: {}, requests: {}, totals: {} };
  const agents = new Map(scales.map((s) => [s, new Agent({ keepAlive: true, maxSockets: 1 })]));
  const get = (scale: Scale) =>
    timedGet(
      agents.get(scale)!,
      scale.api!.url + target.path,
      target.admin ? { authorization: `Bearer ${scale.adminToken}` } : {},
    );
  try {
    for (const scale of scales) {
      const body = await must<{ total?: number }>(scale.api!.url, 'GET', target.path, {
        token: target.admin ? scale.adminToken : undefined,
      });
      f.totals[scale.label] = body.total;
      f.p50[scale.label] = [];
    }
    // Warm-up: connections open, code paths and PostgreSQL buffers warm on both.
    const warmUntil = Date.now() + 1000;
    while (Date.now() < warmUntil) for (const scale of scales) await get(scale);

    const all = new Map<Scale, number[]>(scales.map((s) => [s, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const samples = new Map<Scale, number[]>(scales.map((s) => [s, []]));
      const until = Date.now() + seconds * scales.length * 1000;
      for (let i = 0; Date.now() < until || i < 10; i++) {
        const order = i % 2 === 0 ? scales : [...scales].reverse();
        for (const scale of order) samples.get(scale)!.push(await get(scale));
      }
      for (const scale of scales) {
        f.p50[scale.label].push(round2(percentile(samples.get(scale)!, 50)));
        all.get(scale)!.push(...samples.get(scale)!);
      }
    }
    for (const scale of scales) {
      f.overall[scale.label] = round2(percentile(all.get(scale)!, 50));
      f.requests[scale.label] = all.get(scale)!.length;
    }
    return f;
  } finally {
    for (const agent of agents.values()) agent.destroy();
  }
}

function round2(value: number): number {
  return round(value, 2);
}

export const dataScale: Scenario = {
  id: 'data-scale',
  title: 'Cost that does not grow with the data: 1× vs 10× the seed',
  budgetSeconds: 600,
  method:
    "Two scratch databases migrated and filled by the project's seeding function " +
    '(scripts/seed-data.ts `seedDatabase`), one with the default sizes (1×: 100 companies, ' +
    '1,000 customers, 10,000 shipments, 20,000 bookings) and one with ten times each (10×), then ' +
    '`VACUUM ANALYZE`d. One API process per database, both uncached (`CACHE_REDIS_URL` at a ' +
    'closed port: every request runs its handler), limits off, the admin signed in on each. One ' +
    'client, one request at a time on a keep-alive connection per process, alternating between ' +
    '1× and 10× request by request (1×, 10×, 10×, 1×, ...) so that load from elsewhere on the ' +
    `machine hits both alike: ${ROUNDS} rounds of ${ROUND_SECONDS} s per scale ` +
    `(${QUICK ? 'BENCH_QUICK=1' : 'full mode'}) after a 1 s warm-up. Ratio = p50 over every ` +
    'request at 10× ÷ the same at 1×; the spread is the lowest and highest ratio of the p50s of ' +
    'a single round. The SQL is captured ' +
    "from drizzle's logger while the real services (ShipmentsService.search, " +
    'AdminDashboardService) answer the same query, and each statement is run under ' +
    '`EXPLAIN (ANALYZE, BUFFERS)` three times on each database (median execution time). ' +
    '`BENCH_QUICK=1` runs 3 rounds of 1 s per scale instead of 5 of 2 s.',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const scales: Scale[] = [1, FACTOR].map((factor) => {
      const dbName = `${ctx.stack.dbName}_x${factor}`;
      const url = databaseUrl(dbName);
      const pool = new Pool({ connectionString: url, max: 2 });
      // An idle client cut off (the DROP ... WITH (FORCE) of the cleanup after a failure) must
      // not crash the run with an unhandled 'error' and hide the failure that caused it.
      pool.on('error', (error) => progress(`  data-scale: ${dbName}: ${error.message}`));
      return { label: `${factor}×`, factor, dbName, url, pool };
    });
    const created: Scale[] = [];
    try {
      const seedSeconds: Record<string, number> = {};
      for (const scale of scales) {
        await adminSql(`CREATE DATABASE ${scale.dbName}`);
        created.push(scale);
      }
      // Both at once: the 1× seed fits in the time the 10× one spends generating its rows.
      progress(`  data-scale: seeding ${scales.map((s) => s.dbName).join(' and ')}`);
      await Promise.all(
        scales.map(async (scale) => {
          seedSeconds[scale.label] = round(await seedScale(scale), 1);
        }),
      );
      const [one, ten] = scales;
      const measured = await targets(one.pool);

      const deadPort = await freePort();
      await Promise.all(
        scales.map(async (scale) => {
          scale.api = await ctx.stack.startApi(`api-data-${scale.label}`, {
            ...ctx.defaultApiEnv(),
            DATABASE_URL: scale.url,
            CACHE_REDIS_URL: `redis://127.0.0.1:${deadPort}`,
          });
          const body = await must<{ accessToken: string }>(scale.api.url, 'POST', '/auth/login', {
            body: { email: ctx.seed.adminEmail, password: ctx.seed.password },
          });
          scale.adminToken = body.accessToken;
        }),
      );

      const figures: Record<string, Figures> = {};
      for (const target of measured) {
        progress(`  data-scale: ${target.name}`);
        figures[target.name] = await measure(scales, target, ctx.seconds(ROUND_SECONDS));
      }
      for (const scale of scales) await ctx.stack.stop(scale.api!);

      progress('  data-scale: EXPLAIN (ANALYZE, BUFFERS) of the captured statements');
      const plans: {
        target: string;
        statement: Captured;
        ms: Record<string, number>;
        plan: string;
      }[] = [];
      for (const target of measured) {
        const statements = await capture(ten.pool, target);
        for (const statement of statements) {
          const small = await serverTime(one.pool, statement);
          const large = await serverTime(ten.pool, statement);
          plans.push({
            target: target.name,
            statement,
            ms: { [one.label]: small.ms, [ten.label]: large.ms },
            plan: large.plan,
          });
        }
      }

      return report(scales, measured, figures, plans, seedSeconds);
    } finally {
      for (const scale of scales) if (scale.api) await ctx.stack.stop(scale.api);
      await Promise.all(scales.map((s) => s.pool.end().catch(() => undefined)));
      for (const scale of created) {
        await adminSql(`DROP DATABASE IF EXISTS ${scale.dbName} WITH (FORCE)`).catch((error) =>
          progress(`could not drop ${scale.dbName}: ${(error as Error).message}`),
        );
      }
    }
  },
};

function report(
  scales: Scale[],
  measured: Target[],
  figures: Record<string, Figures>,
  plans: { target: string; statement: Captured; ms: Record<string, number>; plan: string }[],
  seedSeconds: Record<string, number>,
): ScenarioResult {
  const [one, ten] = scales.map((s) => s.label);
  const rows: (string | number)[][] = [];
  const data: Record<string, unknown> = { seedSeconds, rounds: ROUNDS, quick: QUICK };
  let worst = 0;
  let worstName = '';
  const goals: Goal[] = [];
  for (const target of measured) {
    const f = figures[target.name];
    const small = f.overall[one];
    const large = f.overall[ten];
    const r = round(large / small, 2);
    const perRound = f.p50[ten].map((v, i) => v / f.p50[one][i]);
    const spread = `${round(Math.min(...perRound), 2)}–${round(Math.max(...perRound), 2)}`;
    if (r > worst) {
      worst = r;
      worstName = target.name;
    }
    rows.push([
      target.name,
      `\`${target.path}\``,
      f.totals[one] === undefined ? '' : `${f.totals[one]} / ${f.totals[ten]}`,
      `${f.requests[one]} / ${f.requests[ten]}`,
      round(small, 2),
      round(large, 2),
      r,
      spread,
      r <= TARGET_RATIO ? 'met' : 'NOT met',
    ]);
    data[target.name] = { path: target.path, ...f, ratio: r };
    goals.push({
      figure: `uncached ${target.name} p50 at ${ten} the seed ÷ at ${one}`,
      measured: `${r} (per round ${spread})`,
      target: `≤ ${TARGET_RATIO}`,
      verdict: verdict(perRound, (v) => v <= TARGET_RATIO),
    });
  }
  const serverRows = plans.map((p) => [
    p.target,
    `\`${p.statement.sql.replace(/\s+/g, ' ').trim().slice(0, 90)}…\``,
    p.ms[one],
    p.ms[ten],
    round(p.ms[ten] / p.ms[one], 1),
  ]);
  const tables: Table[] = [
    {
      title: `Uncached p50 latency, one request at a time, 1× vs 10× the seed (${ROUNDS} rounds)`,
      columns: [
        'route',
        'request',
        `total matches ${one} / ${ten}`,
        'requests',
        `p50 ms ${one}`,
        `p50 ms ${ten}`,
        `${ten} ÷ ${one}`,
        'spread (per round)',
        `target ≤ ${TARGET_RATIO}`,
      ],
      rows,
      taken: `median over ${ROUNDS} alternating rounds per scale (one request at a time, 1× and 10× interleaved); spread = lowest–highest per-round ratio`,
    },
    {
      title: 'PostgreSQL execution time of each statement the services send (EXPLAIN ANALYZE)',
      columns: ['route', 'statement', `ms ${one}`, `ms ${ten}`, `${ten} ÷ ${one}`],
      rows: serverRows,
      taken: 'single pass: EXPLAIN (ANALYZE, BUFFERS) of each captured statement at each scale',
    },
  ];
  data.serverMs = plans.map((p) => ({ target: p.target, sql: p.statement.sql, ms: p.ms }));
  const notes = [
    `Seeding: ${one} in ${seedSeconds[one]} s, ${ten} in ${seedSeconds[ten]} s (not part of any figure).`,
    ...plans.map(
      (p) =>
        `Plan at ${ten}, ${p.target}:\n\n${indented(
          '```sql\n' + withParams(p.statement) + '\n```',
        )}\n\n${indented('```text\n' + p.plan + '\n```')}`,
    ),
  ];
  return {
    headline: [
      `Data scale: uncached search and dashboard p50 at 10× the seed ÷ at 1×: worst ${worst} (${worstName}; target ≤ ${TARGET_RATIO})`,
    ],
    goals,
    tables,
    charts: [],
    notes,
    data,
  };
}
