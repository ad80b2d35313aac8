import { load } from '../lib/http';
import { fmt, spread } from '../lib/stats';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/scenario';

/** Scenario 9: an empty NestJS route on the same Express adapter, the ceiling for every rps. */
export const ceiling: Scenario = {
  id: 'ceiling',
  title: 'Bare-framework ceiling',
  budgetSeconds: 40,
  method:
    'bench/bare-app.ts: NestJS 11 on @nestjs/platform-express with one empty `@Get()` and nothing ' +
    'else (no guards, pipes, logging, database or Redis), loaded like every API route ' +
    '(autocannon, 10 connections, 1 s warm-up then 3 runs).',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const bare = await ctx.stack.startBare();
    try {
      const result = await load({ url: bare.url, path: '/empty', seconds: ctx.seconds(2) });
      ctx.figures.ceilingRps = result.rps;
      return {
        headline: [
          `Bare NestJS/Express ceiling: ${fmt(result.rps)} req/s (runs ${spread(result.runs.map((r) => r.rps))}; p50 ${fmt(result.p50)} ms)`,
        ],
        tables: [
          {
            title: 'Empty route',
            taken: 'median of 3 runs of 2 s after a 1 s warm-up, runs min–max beside',
            columns: ['route', 'req/s', 'req/s runs (min–max)', 'p50 ms', 'p99 ms'],
            rows: [
              [
                'GET /empty (bare app)',
                result.rps,
                spread(result.runs.map((r) => r.rps)),
                result.p50,
                result.p99,
              ],
            ],
          },
        ],
        charts: [],
        notes: [],
        data: { bare: result },
      };
    } finally {
      await ctx.stack.stop(bare);
    }
  },
};
