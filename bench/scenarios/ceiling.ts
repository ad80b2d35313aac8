import { load } from '../lib/http';
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
        headline: [`Bare NestJS/Express ceiling: ${result.rps} req/s (p50 ${result.p50} ms)`],
        tables: [
          {
            title: 'Empty route',
            columns: ['route', 'req/s', 'p50 ms', 'p99 ms'],
            rows: [['GET /empty (bare app)', result.rps, result.p50, result.p99]],
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
