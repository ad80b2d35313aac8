import type { INestApplicationContext } from '@nestjs/common';
import { MetricsService } from '../../src/metrics/metrics.service';

/**
 * Ordering by explicit signals instead of sleeps: a test waits for the event it depends on
 * (a lock acquired, a waiter retrying), never for a guessed delay.
 */

export interface Deferred {
  promise: Promise<void>;
  fire: () => void;
  fired: boolean;
}

/** A promise and the function that settles it. */
export function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  const result: Deferred = {
    promise,
    fired: false,
    fire: () => {
      result.fired = true;
      resolve();
    },
  };
  return result;
}

/** Polls `check` until it holds; fails naming `what` after `timeoutMs` (a "never hangs" bound). */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sum of a Prometheus counter of one application instance, over the labels given. */
export async function counterValue(
  app: INestApplicationContext,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = app.get(MetricsService).registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

/** Until `app` has retried the lock `lock` more often than `before` (a waiter is queued on it). */
export async function waiterQueued(
  app: INestApplicationContext,
  before: number,
  lock?: string,
): Promise<void> {
  const labels: Record<string, string> = lock ? { lock } : {};
  await eventually(
    async () => (await counterValue(app, 'parcsal_lock_contention_retries_total', labels)) > before,
    `a waiter retrying lock ${lock ?? '(any)'}`,
  );
}
