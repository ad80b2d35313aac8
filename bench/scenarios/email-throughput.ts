import { createBookings, createShipment } from '../lib/fixtures';
import { progress } from '../lib/log';
import { BenchContext, Scenario, ScenarioResult, SkipScenario } from '../lib/scenario';
import type { Proc } from '../lib/stack';
import { compare, fmt, median, spread } from '../lib/stats';

const EMAILS = 400;
const RUNS = 3;
/** EMAIL_RATE_LIMIT's default (20/1, README): the verdict below compares against it. */
const DEFAULT_EMAIL_RATE = 20;

/**
 * Inserts `count` outbox rows (copies of a real booking email, new recipients) and resolves with
 * the seconds until the sink received all of them, or null on timeout.
 */
async function drain(
  ctx: BenchContext,
  tag: string,
  count: number,
  timeoutMs: number,
): Promise<number | null> {
  const match = (to: string) => to.startsWith(`${tag}-`);
  const arrived = ctx.sink.waitFor(match, count, timeoutMs);
  const started = process.hrtime.bigint();
  await ctx.stack.sql(
    `INSERT INTO email_outbox (event, "to", payload)
     SELECT t.event, $1 || '-' || i || '@bench.local', t.payload
     FROM (SELECT event, payload FROM email_outbox WHERE event = 'booking.created' LIMIT 1) t,
          generate_series(1, $2::int) i`,
    [tag, count],
  );
  if (!(await arrived)) return null;
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Scenario 7: emails per second from the outbox to a local SMTP sink, one vs two workers. */
export const emailThroughput: Scenario = {
  id: 'email-throughput',
  title: 'Email worker throughput, one vs two workers',
  budgetSeconds: 110,
  method:
    `${EMAILS} rows are inserted into \`email_outbox\` at once (copies of a real booking email with ` +
    'new recipients); the time until the SMTP sink (answering at once) has received all of them ' +
    'is measured, 3 rounds, each round one run with one worker then one with two (the second ' +
    '`node dist/worker` is started, warmed with 50 emails, and stopped again every round, so the ' +
    'two set-ups alternate); `EMAIL_RATE_LIMIT=100000/1`, so the limiter never waits. Medians ' +
    "over the rounds, with the runs' min–max. It covers the whole path: relay poll, queueing, " +
    'processor, template, SMTP, marking sent.',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    ctx.sink.delayMs = 0;
    const api = await ctx.api('A');
    const [existing] = await ctx.stack.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM email_outbox WHERE event = 'booking.created'",
    );
    if (!existing?.n) {
      const shipment = await createShipment(ctx, api.url);
      await createBookings(api.url, await ctx.token(ctx.seed.customerEmail(5)), shipment, 1);
    }
    // Earlier scenarios left outbox rows and queued jobs (thousands of booking emails): with no
    // worker running, mark those rows sent and drop the queue, so each run sees only its own.
    await ctx.stack.sql(
      "UPDATE email_outbox SET state = 'SENT', queued_at = now(), sent_at = now() WHERE sent_at IS NULL",
    );
    await ctx.stack.deleteKeys(`${ctx.stack.prefix}{bull}*`);
    const env = { SMTP_URL: ctx.sink.url, EMAIL_RATE_LIMIT: '100000/1' };
    const workers: Proc[] = [await ctx.stack.startWorker('worker-1', env)];
    try {
      const probe = await drain(ctx, 'probe', 1, 20_000);
      if (probe === null)
        throw new SkipScenario('the worker did not deliver an outbox email within 20 s');
      const rates: Record<'one' | 'two', number[]> = { one: [], two: [] };
      const measure = async (setup: 'one' | 'two', round: number) => {
        const seconds = await drain(ctx, `tp-${setup}-${round}`, EMAILS, 30_000);
        if (seconds === null)
          throw new Error(`${EMAILS} emails did not arrive within 30 s (${setup} worker(s))`);
        rates[setup].push(EMAILS / seconds);
        progress(
          `  email-throughput: round ${round + 1}, ${setup} worker(s): ${fmt(EMAILS / seconds)} emails/s`,
        );
      };
      await drain(ctx, 'warm-one', 50, 20_000);
      for (let i = 0; i < RUNS; i++) {
        await measure('one', i);
        const second = await ctx.stack.startWorker('worker-2', env);
        workers.push(second);
        try {
          await drain(ctx, `warm-two-${i}`, 50, 20_000);
          await measure('two', i);
        } finally {
          await ctx.stack.stop(second);
          workers.splice(workers.indexOf(second), 1);
        }
      }
      const one = median(rates.one);
      const two = median(rates.two);
      const effect = compare(rates.two, rates.one, ['two workers', 'one']);
      return {
        headline: [
          `Email worker: ${fmt(one)} emails/s with one worker, ${fmt(two)} with two: ${effect.text}`,
        ],
        tables: [
          {
            title: `Emails/s from outbox to SMTP sink (${EMAILS} per run)`,
            taken: `median of ${RUNS} rounds, one worker and two workers alternating within each round; runs min–max beside`,
            columns: ['workers', 'emails/s (median)', 'runs (min–max)'],
            rows: [
              ['1', one, spread(rates.one)],
              ['2', two, spread(rates.two)],
              ['2 / 1', effect.text, ''],
            ],
          },
        ],
        charts: [
          {
            file: 'bench-email-throughput.svg',
            title: 'Email worker throughput',
            unit: 'emails/s',
            bars: [
              { label: 'one worker', value: one, group: '1' },
              { label: 'two workers', value: two, group: '2' },
            ],
          },
        ],
        notes: [
          "Both workers share this machine's 2 cores with PostgreSQL, Redis, the SMTP sink and an idle API: a second worker process adds concurrency here, not a core.",
        ],
        capacity: [
          Math.min(...rates.one) > DEFAULT_EMAIL_RATE
            ? `Email: one worker sent ${spread(rates.one)} emails/s to a fast SMTP server, above the default EMAIL_RATE_LIMIT of ${DEFAULT_EMAIL_RATE}/s in every run: at the default limit one worker keeps up; more workers only help when the provider allows more than ${fmt(Math.min(...rates.one))}/s.`
            : `Email: one worker sent ${spread(rates.one)} emails/s to a fast SMTP server, not above the default EMAIL_RATE_LIMIT of ${DEFAULT_EMAIL_RATE}/s in every run: size workers by measurement on the target machine.`,
        ],
        data: { emailsPerRun: EMAILS, rates, one, two, comparison: effect },
      };
    } finally {
      for (const worker of workers) await ctx.stack.stop(worker);
    }
  },
};
