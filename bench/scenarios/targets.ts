import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'socket.io-client';
import { api, interleaved, LoadSummary, loadOnce, must } from '../lib/http';
import { progress } from '../lib/log';
import { ADAPTER_PACKAGES, AdapterName, isAdapterPackage, selfTimeByOwner } from '../lib/profile';
import { BenchContext, Goal, Scenario, ScenarioResult, SkipScenario } from '../lib/scenario';
import { adapterOf, ApiProc, cpuMs, HEAP_AND_PROFILE, ROOT } from '../lib/stack';
import { compare, fmt, median, spread, verdict } from '../lib/stats';
import { connectMany } from './realtime';
import { HIGH_LIMITS } from './throttle';

const SOCKETS_PER_STEP = 1000;
const SOCKET_STEPS = 3;
const TOP = 10;

/** Issue 18's targets. */
const PUBLIC_OF_CEILING = 0.5;
const SIGNED_IN_OF_PUBLIC = 0.8;
const HEAP_MB_PER_1000 = 15;

function perRound(a: LoadSummary, b: LoadSummary): number[] {
  return a.runs.map((r, i) => r.rps / b.runs[i].rps);
}

interface HeapReply {
  memory: NodeJS.MemoryUsage;
}

/** Issue 18's figures, measured together on one API process with the production settings. */
export const targets: Scenario = {
  id: 'targets',
  title: 'Issue 18 figures: ceiling share, signed-in ÷ public, socket heap, where the time goes',
  budgetSeconds: 150,
  method:
    'One API process as in production: every rate limit on (`THROTTLE_ENABLED=true`, every limit ' +
    'at 1,000,000,000/60: the limiter counts every request, none is refused), `LOG_LEVEL=info`, ' +
    '`NODE_ENV=production`, response cache on; started with `--expose-gc` and ' +
    'bench/preload/heap-and-profile.js (answers the bench over IPC: full GC + heap figures, and ' +
    'a CPU profile of a chosen window). The bare Express app (bench/bare-app.ts) runs beside it. ' +
    '(1) Throughput: the bare `GET /empty`, the public cached `GET /companies/:slug` and the ' +
    'signed-in cached `GET /users/me` (both X-Cache: HIT) in alternating rounds (bare, public, ' +
    'signed in, ...; 10 connections, 0.5 s warm-up each, 3 rounds of 2 s); medians with the ' +
    "rounds' min–max; a ratio's spread and verdict come from the per-round ratios (round i of " +
    'one over round i of the other). (2) Heap: `heapUsed` after a full GC with no socket open, ' +
    `then after each of ${SOCKET_STEPS} steps of ${SOCKETS_PER_STEP} idle signed-in websocket ` +
    'sockets (socket.io-client, one customer), 2 s after the step; median of the steps. ' +
    '(3) CPU profile: V8 sampling profiler (1 ms) over a 4 s signed-in cached load (10 ' +
    'connections); self time grouped by owner (node_modules/<package>, the app, Node.js ' +
    'internals, V8), idle excluded, computed from the .cpuprofile by bench/lib/profile.ts.',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const env = {
      ...ctx.defaultApiEnv(),
      ...HIGH_LIMITS,
      THROTTLE_ENABLED: 'true',
      LOG_LEVEL: 'info',
    };
    const adapter = adapterOf(ROOT);
    const [app, bare, bareOwn] = await Promise.all([
      ctx.stack.startApi('api-targets', env, HEAP_AND_PROFILE),
      ctx.stack.startBare('Express'),
      adapter === 'Fastify' ? ctx.stack.startBare('Fastify') : undefined,
    ]);
    const sockets: Socket[] = [];
    const profileDir = mkdtempSync(join(tmpdir(), 'parcsal-bench-prof-'));
    try {
      const [company] = await ctx.stack.sql<{ slug: string }>('SELECT slug FROM companies LIMIT 1');
      if (!company) throw new SkipScenario('no seeded company');
      const login = await must<{ accessToken: string }>(app.url, 'POST', '/auth/login', {
        body: { email: ctx.seed.customerEmail(9), password: ctx.seed.password },
      });
      const token = login.accessToken;
      const headers = { authorization: `Bearer ${token}` };
      const publicPath = `/companies/${company.slug}`;
      for (const [path, h] of [
        ['/users/me', headers],
        [publicPath, undefined],
      ] as const) {
        await api(app.url, 'GET', path, { headers: h });
        const second = await api(app.url, 'GET', path, { headers: h });
        if (second.status !== 200 || second.headers.get('x-cache') !== 'HIT') {
          throw new SkipScenario(
            `${path}: ${second.status}, X-Cache ${second.headers.get('x-cache')}`,
          );
        }
      }

      progress('  targets: bare / public / signed-in, alternating rounds');
      const r = await interleaved(
        [
          { label: 'bare', url: bare.url, path: '/empty' },
          ...(bareOwn ? [{ label: 'bare own', url: bareOwn.url, path: '/empty' }] : []),
          { label: 'public', url: app.url, path: publicPath },
          { label: 'signed in', url: app.url, path: '/users/me', headers },
        ],
        ctx.seconds(2),
      );
      await Promise.all([ctx.stack.stop(bare), bareOwn && ctx.stack.stop(bareOwn)]);
      const refused = r.public.non2xx + r['signed in'].non2xx;
      if (refused > 0) throw new Error(`${refused} non-2xx answers under load (limits refusing?)`);
      const publicOfCeiling = compare(
        r.public.runs.map((x) => x.rps),
        r.bare.runs.map((x) => x.rps),
        ['public cached', 'bare ceiling'],
      );
      const signedOfPublic = compare(
        r['signed in'].runs.map((x) => x.rps),
        r.public.runs.map((x) => x.rps),
        ['signed in', 'public'],
      );
      const aRounds = perRound(r.public, r.bare);
      const bRounds = perRound(r['signed in'], r.public);

      progress('  targets: CPU profile of the signed-in cached load');
      const profile = await profileLoad(ctx, app, profileDir, '/users/me', headers, adapter);

      progress('  targets: heap per 1,000 idle signed-in sockets');
      const heapSteps = await heapPerSockets(ctx, app, token, sockets);
      const heapMb = median(heapSteps.perThousandMb);

      const adapterShare = profile.adapterShare;
      const ownCeiling = r['bare own']
        ? compare(
            r.public.runs.map((x) => x.rps),
            r['bare own'].runs.map((x) => x.rps),
            ['public cached', `bare ${adapter} ceiling`],
          )
        : undefined;
      const goals: Goal[] = [
        {
          figure: 'public cached `GET /companies/:slug` ÷ bare Express ceiling',
          measured: `${fmt(publicOfCeiling.ratio * 100)} % (per round ${spread(aRounds.map((v) => v * 100))} %)`,
          target: `≥ ${PUBLIC_OF_CEILING * 100} %`,
          verdict: verdict(aRounds, (v) => v >= PUBLIC_OF_CEILING),
        },
        {
          figure: 'signed-in cached `GET /users/me` ÷ public cached route',
          measured: `${fmt(signedOfPublic.ratio)} (per round ${spread(bRounds)})`,
          target: `≥ ${SIGNED_IN_OF_PUBLIC}`,
          verdict: verdict(bRounds, (v) => v >= SIGNED_IN_OF_PUBLIC),
        },
        {
          figure: 'API heap per 1,000 idle authenticated sockets, after a full GC',
          measured: `${fmt(heapMb)} MB (steps ${spread(heapSteps.perThousandMb)})`,
          target: `≤ ${HEAP_MB_PER_1000} MB`,
          verdict: verdict(heapSteps.perThousandMb, (v) => v <= HEAP_MB_PER_1000, 'step'),
        },
      ];
      return {
        headline: [
          `Public cached route ÷ bare ceiling: ${publicOfCeiling.text}; signed-in ÷ public: ${signedOfPublic.text}; heap per 1,000 idle sockets ${fmt(heapMb)} MB (steps ${spread(heapSteps.perThousandMb)})`,
          `The API runs on ${adapter}: its packages' self time is ${fmt(adapterShare * 100)} % of a signed-in cached request's CPU${ownCeiling ? `; public cached route ÷ bare ${adapter} ceiling ${ownCeiling.text}` : ''}`,
        ],
        goals,
        tables: [
          {
            title: 'Production settings: bare ceiling, public and signed-in cached routes',
            taken:
              'median of 3 alternating rounds of 2 s after a 0.5 s warm-up each, rounds min–max beside; a ratio is of the medians, its spread and verdict from the per-round ratios',
            columns: ['route', 'req/s', 'req/s rounds (min–max)', 'p50 ms', 'p99 ms'],
            rows: [
              [
                'GET /empty (bare Express app)',
                r.bare.rps,
                spread(r.bare.runs.map((x) => x.rps)),
                r.bare.p50,
                r.bare.p99,
              ],
              ...(r['bare own']
                ? [
                    [
                      `GET /empty (bare ${adapter} app)`,
                      r['bare own'].rps,
                      spread(r['bare own'].runs.map((x) => x.rps)),
                      r['bare own'].p50,
                      r['bare own'].p99,
                    ],
                  ]
                : []),
              [
                'GET /companies/:slug (public, HIT)',
                r.public.rps,
                spread(r.public.runs.map((x) => x.rps)),
                r.public.p50,
                r.public.p99,
              ],
              [
                'GET /users/me (signed in, HIT)',
                r['signed in'].rps,
                spread(r['signed in'].runs.map((x) => x.rps)),
                r['signed in'].p50,
                r['signed in'].p99,
              ],
            ],
          },
          {
            title: 'API heap (heapUsed after a full GC) with idle signed-in sockets',
            taken: `single pass: 0 sockets, then ${SOCKET_STEPS} steps of ${SOCKETS_PER_STEP}; per-step difference`,
            columns: ['sockets open', 'heapUsed MB', 'rss MB', 'MB per 1,000 (this step)'],
            rows: heapSteps.rows,
          },
        ],
        profile: {
          tables: [
            {
              title: `Self time by owner, signed-in cached \`GET /users/me\` (top ${TOP})`,
              taken: `single pass: one CPU profile (1 ms sampling) over a ${fmt(profile.seconds)} s load of ${profile.requests} requests; idle excluded; ${fmt(profile.busyMs)} ms of busy samples`,
              columns: ['owner', 'self ms', 'share of busy time'],
              rows: profile.top.map((s) => [s.owner, s.ms, `${fmt(s.share * 100)} %`]),
            },
          ],
          notes: [
            `Process CPU (user + system, /proc) over the profiled load: ${fmt(profile.cpuUsPerRequest)} µs per request (the profiler's own cost included).`,
            `The HTTP adapter, ${adapter} (${ADAPTER_PACKAGES[adapter].join(', ')}${adapter === 'Fastify' ? ', @fastify/*' : ''}): ${fmt(adapterShare * 100)} % of the busy samples, ≈ ${fmt(adapterShare * profile.cpuUsPerRequest)} µs per request. Only self time: the Node.js HTTP code it calls is under "Node.js internals".`,
            'The real API on Express and on Fastify, side by side: the `adapter` scenario (issue 22).',
          ],
        },
        charts: [],
        notes: [
          'The profile is in "Where the time goes"; the two adapters compared on the real API in the `adapter` scenario.',
          ...(ownCeiling
            ? [
                `Issue 18 defines the ceiling as the bare NestJS/Express app; this build runs on ${adapter}, whose bare app is measured in the same rounds: public cached route ÷ bare ${adapter} ceiling ${ownCeiling.text}.`,
              ]
            : []),
        ],
        data: {
          rounds: r,
          publicOfCeiling,
          publicOfOwnCeiling: ownCeiling,
          signedOfPublic,
          perRound: { publicOfCeiling: aRounds, signedOfPublic: bRounds },
          heap: heapSteps,
          profile,
        },
      };
    } finally {
      for (const s of sockets) s.close();
      rmSync(profileDir, { recursive: true, force: true });
      await Promise.all([ctx.stack.stop(app), ctx.stack.stop(bare)]);
    }
  },
};

async function profileLoad(
  ctx: BenchContext,
  app: ApiProc,
  dir: string,
  path: string,
  headers: Record<string, string>,
  adapter: AdapterName,
) {
  await ctx.stack.ask(app, { type: 'bench:profile-start', intervalUs: 1000 });
  const cpu0 = cpuMs(app.pid);
  const t0 = Date.now();
  const run = await loadOnce({ url: app.url, path, headers, seconds: ctx.seconds(4) });
  const cpu = cpuMs(app.pid) - cpu0;
  const seconds = (Date.now() - t0) / 1000;
  const { file } = await ctx.stack.ask<{ file: string }>(app, {
    type: 'bench:profile-stop',
    dir,
    name: 'signed-in-cached',
  });
  const { shares, busyMs } = selfTimeByOwner(file);
  const adapterShare = shares
    .filter((s) => isAdapterPackage(adapter, s.owner))
    .reduce((a, s) => a + s.share, 0);
  return {
    requests: run.requests,
    seconds,
    busyMs,
    cpuUsPerRequest: (cpu * 1000) / Math.max(1, run.requests),
    adapterShare,
    top: shares.slice(0, TOP),
    all: shares,
  };
}

async function heapPerSockets(ctx: BenchContext, app: ApiProc, token: string, open: Socket[]) {
  const heap = () => ctx.stack.ask<HeapReply>(app, { type: 'bench:heap' });
  const mb = (bytes: number) => bytes / 1024 / 1024;
  await sleep(1000);
  let previous = (await heap()).memory;
  const rows: (string | number)[][] = [[0, mb(previous.heapUsed), mb(previous.rss), '']];
  const perThousandMb: number[] = [];
  for (let step = 1; step <= SOCKET_STEPS; step++) {
    open.push(...(await connectMany(app.url, token, SOCKETS_PER_STEP)));
    await sleep(2000);
    const now = (await heap()).memory;
    const per = (mb(now.heapUsed - previous.heapUsed) * 1000) / SOCKETS_PER_STEP;
    perThousandMb.push(per);
    rows.push([open.length, mb(now.heapUsed), mb(now.rss), per]);
    progress(
      `  targets: ${open.length} sockets, heapUsed ${fmt(mb(now.heapUsed))} MB (+${fmt(per)} MB)`,
    );
    previous = now;
  }
  return { rows, perThousandMb };
}
