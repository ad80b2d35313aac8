import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchStack } from './stack';
import { round } from './stats';

/** Redis commands by name (and in total) per request over a measured block. */
export async function redisCommandsPer(
  stack: BenchStack,
  requests: () => number,
  block: () => Promise<void>,
): Promise<{ total: number; byCommand: Record<string, number> }> {
  const before = await stack.commandCalls();
  await block();
  const after = await stack.commandCalls();
  const n = Math.max(1, requests());
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [command, calls] of Object.entries(after)) {
    // The bench's own INFO call is not the application's.
    if (command === 'info') continue;
    const delta = calls - (before[command] ?? 0);
    if (delta > 0) {
      byCommand[command] = round(delta / n, 2);
      total += delta;
    }
  }
  return { total: round(total / n, 2), byCommand };
}

/**
 * PostgreSQL transactions (= queries: Drizzle runs each outside a transaction as its own) per
 * request over a measured block. Waits for the servers to flush their counters (~1 s).
 */
export async function pgQueriesPer(
  stack: BenchStack,
  requests: () => number,
  block: () => Promise<void>,
): Promise<number> {
  await sleep(1200);
  const before = await stack.xactCommit();
  await block();
  await sleep(1200);
  const after = await stack.xactCommit();
  return round((after - before) / Math.max(1, requests()), 2);
}
