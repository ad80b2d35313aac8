import type { Queue } from 'bullmq';
import {
  emailQueue,
  formatFigures,
  startWorkerProcess,
  stopAllProcesses,
  waitForQueueToSettle,
} from '../support/processes';
import { SmtpSink } from '../support/smtp-sink';
import { TestStack } from '../support/test-stack';

const EMAILS = 500;
/** Kill the worker once this many emails reached SMTP: well inside the burst. */
const KILL_AFTER = 100;
/** A slow-ish SMTP server (per message, 5 pooled connections): the burst lasts a few seconds. */
const SMTP_DELAY_MS = 20;
/**
 * BullMQ gives a dead worker's jobs to another worker only after two stalled checks of a live
 * worker, 30 s apart (stalledInterval): the first marks the active jobs, the second moves those
 * whose lock expired (lockDuration 30 s) back to waiting. Each check also blocks any other check
 * for 30 s, so the restarted worker's check at start-up is skipped (the killed worker checked at
 * its own start) and its in-flight jobs run again about 60 s after the new worker starts.
 * The processor uses BullMQ's defaults and no setting shortens them, so the test waits.
 */
const RECOVERY_TIMEOUT_MS = 80_000;

/**
 * Worker killed with SIGKILL during a burst of 500 emails, then a new worker process started:
 * every email is delivered, and duplicates are counted.
 *
 * Why a duplicate can happen (at-least-once, by design): a job sends the email and only then
 * records `sent_at` on its outbox row. If the process dies after the SMTP server took the message
 * (here: the sink received the whole DATA) but before `sent_at` is committed, the re-run job finds
 * no `sent_at` and sends again. Only jobs in flight at the kill (at most the processor's
 * concurrency) can be in that window; every other job is either untouched (sent once by the new
 * worker) or already marked (skipped). The Message-ID is stable per outbox row, so a receiving
 * server can still drop such a duplicate.
 */
describe('resilience: worker killed with SIGKILL mid-burst', () => {
  let sink: SmtpSink;
  let stack: TestStack;
  let queue: Queue;

  beforeAll(async () => {
    sink = await SmtpSink.start({ delayMs: SMTP_DELAY_MS });
    stack = await TestStack.create();
    queue = emailQueue(stack);
  });
  afterAll(async () => {
    await stopAllProcesses();
    await queue?.close();
    await stack?.close();
    await sink?.close();
  });

  it('delivers all 500 emails after a restart, with duplicates bounded by the jobs in flight', async () => {
    const env = { SMTP_URL: sink.url, EMAIL_RATE_LIMIT: '10000/1' };
    const first = await startWorkerProcess(stack, queue, env, 'worker-1');

    await stack.sql(
      `INSERT INTO email_outbox (event, "to", payload)
       SELECT 'security.new_device', 'crash-' || g || '@example.com',
              jsonb_build_object('name', 'Recipient ' || g, 'userAgent', 'test', 'ip', '127.0.0.1')
         FROM generate_series(1, ${EMAILS}) g`,
    );
    const burstStarted = Date.now();
    await sink.waitFor((messages) => messages.length >= KILL_AFTER, 30_000);

    const exit = await first.process.kill('SIGKILL');
    const killedAt = Date.now();
    const deliveredAtKill = new Set(sink.messages.flatMap((m) => m.to)).size;
    // A SIGKILLed worker moves nothing any more: its active jobs are exactly those in flight.
    const inFlight = await queue.getActiveCount();
    expect(exit.signal).toBe('SIGKILL');
    expect(deliveredAtKill).toBeLessThan(EMAILS);

    const second = await startWorkerProcess(stack, queue, env, 'worker-2');
    await sink.waitFor(
      (messages) => new Set(messages.flatMap((m) => m.to)).size >= EMAILS,
      RECOVERY_TIMEOUT_MS,
    );
    const deliveredMs = Date.now() - killedAt;
    // The jobs in flight at the kill run again only after BullMQ's stalled checks: wait for them,
    // so every duplicate they may send is counted.
    await waitForQueueToSettle(queue, RECOVERY_TIMEOUT_MS);
    const settledMs = Date.now() - killedAt;

    const recipients = sink.messages.flatMap((m) => m.to);
    const distinct = new Set(recipients);
    const counts = new Map<string, number>();
    for (const to of recipients) counts.set(to, (counts.get(to) ?? 0) + 1);
    const duplicates = recipients.length - distinct.size;
    const [rows] = await stack.sql<{ sent: string; total: string }>(
      `SELECT count(sent_at) AS sent, count(*) AS total FROM email_outbox`,
    );
    const jobs = await queue.getJobCounts('completed', 'failed', 'active', 'waiting', 'delayed');
    console.log(
      formatFigures('worker SIGKILL mid-burst', [
        ['emails recorded', EMAILS],
        ['delivered before the kill (distinct)', deliveredAtKill],
        ['jobs in flight at the kill', inFlight],
        ['worker start-up, ms', `${first.startupMs} / ${second.startupMs}`],
        ['burst start to kill, ms', killedAt - burstStarted],
        ['kill to all 500 delivered, ms', deliveredMs],
        ['kill to in-flight jobs re-run (queue empty), ms', settledMs],
        ['delivered (distinct recipients)', distinct.size],
        ['lost', EMAILS - distinct.size],
        ['duplicates', duplicates],
        ['recipients emailed twice', [...counts.values()].filter((n) => n > 1).length],
        ['outbox rows with sent_at', `${rows.sent}/${rows.total}`],
        ['jobs completed / failed', `${jobs.completed} / ${jobs.failed}`],
      ]),
    );

    expect(distinct.size).toBe(EMAILS);
    expect([...distinct].every((to) => /^crash-\d+@example\.com$/.test(to))).toBe(true);
    expect(Number(rows.sent)).toBe(EMAILS);
    expect(jobs.failed).toBe(0);
    expect(duplicates).toBeLessThanOrEqual(inFlight);
    expect(second.process.running).toBe(true);
    // And the new worker stops cleanly on SIGTERM (exit code 0, as the contract says).
    expect(await second.process.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 150_000);
});
