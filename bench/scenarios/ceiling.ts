import { interleaved } from '../lib/http';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/scenario';
import { compare, fmt, spread } from '../lib/stats';

/**
 * Scenario 9: an empty NestJS route, the ceiling for every rps, on Express (issue 18 defines the
 * ceiling on it) and on Fastify (issue 22), loaded in alternation.
 */
export const ceiling: Scenario = {
  id: 'ceiling',
  title: 'Bare-framework ceiling (Express and Fastify)',
  budgetSeconds: 60,
  method:
    'bench/bare-app.ts: NestJS 11 with one empty `@Get()` and nothing else (no guards, pipes, ' +
    'logging, database or Redis), once on @nestjs/platform-express (the ceiling issue 18 and ' +
    'every other figure are compared to) and once on @nestjs/platform-fastify, ' +
    'two processes, `NODE_ENV=production`, loaded in alternation (autocannon, 10 connections, ' +
    "0.5 s warm-up each, then 3 alternating runs of 2 s; medians, with the runs' min–max).",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const [express, fastify] = await Promise.all([
      ctx.stack.startBare('Express'),
      ctx.stack.startBare('Fastify'),
    ]);
    try {
      const results = await interleaved(
        [
          { label: 'express', url: express.url, path: '/empty' },
          { label: 'fastify', url: fastify.url, path: '/empty' },
        ],
        ctx.seconds(2),
      );
      const e = results.express;
      const f = results.fastify;
      ctx.figures.ceilingRps = e.rps;
      ctx.figures.fastifyCeilingRps = f.rps;
      const adapters = compare(
        f.runs.map((r) => r.rps),
        e.runs.map((r) => r.rps),
        ['Fastify', 'Express'],
      );
      ctx.figures.fastifyOverExpress = adapters.ratio;
      const row = (name: string, r: typeof e) => [
        name,
        r.rps,
        spread(r.runs.map((x) => x.rps)),
        r.p50,
        r.p99,
      ];
      return {
        headline: [
          `Bare NestJS ceiling: Express ${fmt(e.rps)} req/s (runs ${spread(e.runs.map((r) => r.rps))}), Fastify ${fmt(f.rps)} req/s (runs ${spread(f.runs.map((r) => r.rps))}); Fastify ÷ Express ${adapters.text}`,
        ],
        tables: [
          {
            title: 'Empty route, Express vs Fastify adapter',
            taken:
              'median of 3 alternating runs of 2 s after a 0.5 s warm-up each, runs min–max beside',
            columns: ['route', 'req/s', 'req/s runs (min–max)', 'p50 ms', 'p99 ms'],
            rows: [
              row('GET /empty (bare app, Express)', e),
              row('GET /empty (bare app, Fastify)', f),
              ['Fastify ÷ Express', adapters.text, '', '', ''],
            ],
          },
        ],
        charts: [],
        notes: [],
        data: { bare: e, bareFastify: f, fastifyOverExpress: adapters },
      };
    } finally {
      await Promise.all([ctx.stack.stop(express), ctx.stack.stop(fastify)]);
    }
  },
};
