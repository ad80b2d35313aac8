import type { Job, Queue } from 'bullmq';
import { DEFAULT_JOB_OPTIONS, EMAIL_BACKOFF_MS } from '../../src/queues/queue-jobs';
import {
  emailQueue,
  formatFigures,
  startWorkerProcess,
  stopAllProcesses,
  waitForQueueToSettle,
} from '../support/processes';
import { SmtpSink } from '../support/smtp-sink';
import { TcpProxy } from '../support/tcp-proxy';
import { TestStack } from '../support/test-stack';

const EMAILS = 40;
const RATE = { limit: 10, seconds: 1 };
/** The issue asks for 30 s; 9 s by default keeps `npm test` short (SMTP_OUTAGE_MS=30000 for the full run). */
const OUTAGE_MS = Number(process.env.SMTP_OUTAGE_MS ?? 9000);
const ATTEMPTS = DEFAULT_JOB_OPTIONS.attempts!;
/** Exponential backoff: retry k waits EMAIL_BACKOFF_MS * 2^(k-1); the sum is how long a job keeps trying. */
const RETRY_WINDOW_MS = EMAIL_BACKOFF_MS * (2 ** (ATTEMPTS - 1) - 1);
/**
 * After SMTP comes back, a job waits for its next backoff step (the step after an outage of D is
 * at most about D + 1 s long), then the rate limit spreads the burst: bounded well under a minute.
 */
const DRAIN_TIMEOUT_MS = OUTAGE_MS + 1000 + (EMAILS / RATE.limit) * RATE.seconds * 1000 + 20_000;

/**
 * SMTP down for a while (a TCP proxy in front of the SMTP sink that drops every connection, as a
 * dead mail server does), then back: the emails wait in the queue with retries and exponential
 * backoff, none is lost or given up, and once SMTP answers again each is sent exactly once, no
 * faster than EMAIL_RATE_LIMIT.
 */
describe('resilience: SMTP down, then back', () => {
  let sink: SmtpSink;
  let proxy: TcpProxy;
  let stack: TestStack;
  let queue: Queue;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    proxy = await TcpProxy.start('127.0.0.1', sink.port);
    stack = await TestStack.create();
    queue = emailQueue(stack);
  });
  afterAll(async () => {
    await stopAllProcesses();
    await queue?.close();
    await stack?.close();
    await proxy?.close();
    await sink?.close();
  });

  it(
    'queues emails while SMTP is down and drains them exactly once, within the rate limit',
    async () => {
      // The retry window must outlast the outage, or emails would be given up (failed jobs).
      expect(RETRY_WINDOW_MS).toBeGreaterThan(OUTAGE_MS);

      proxy.cut();
      const worker = await startWorkerProcess(stack, queue, {
        SMTP_URL: `smtp://127.0.0.1:${proxy.port}`,
        EMAIL_RATE_LIMIT: `${RATE.limit}/${RATE.seconds}`,
      });
      await stack.sql(
        `INSERT INTO email_outbox (event, "to", payload)
       SELECT 'security.new_device', 'outage-' || g || '@example.com',
              jsonb_build_object('name', 'Recipient ' || g, 'userAgent', 'test', 'ip', '127.0.0.1')
         FROM generate_series(1, ${EMAILS}) g`,
      );
      const downSince = Date.now();
      await new Promise((r) => setTimeout(r, OUTAGE_MS));

      // During the outage: nothing sent, nothing given up, every email queued and being retried
      // (PENDING with attempts made: the states an admin sees).
      const [outbox] = await stack.sql<{ queued: string; sent: string; retrying: string }>(
        `SELECT count(*) FILTER (WHERE state = 'PENDING' AND queued_at IS NOT NULL) AS queued,
                count(*) FILTER (WHERE state = 'PENDING' AND attempts >= 1) AS retrying,
                count(sent_at) AS sent
           FROM email_outbox`,
      );
      const during = await queue.getJobCounts(
        'waiting',
        'delayed',
        'active',
        'failed',
        'completed',
      );
      const jobs: Job[] = await queue.getJobs(['waiting', 'delayed', 'active', 'prioritized']);
      const attempts = jobs.reduce((sum, job) => sum + job.attemptsMade, 0);
      expect(sink.messages).toHaveLength(0);
      expect(Number(outbox.queued)).toBe(EMAILS);
      expect(Number(outbox.retrying)).toBe(EMAILS);
      expect(Number(outbox.sent)).toBe(0);
      expect(during.failed + during.completed).toBe(0);
      expect(jobs).toHaveLength(EMAILS);
      expect(jobs.every((job) => job.attemptsMade >= 1)).toBe(true);

      // Jobs already started (active) when SMTP returns were metered in the window before.
      const activeAtRestore = await queue.getActiveCount();
      proxy.restore();
      const upAt = Date.now();
      const outageMs = upAt - downSince;
      await sink.waitFor((messages) => messages.length >= EMAILS, DRAIN_TIMEOUT_MS);
      const drainedMs = Date.now() - upAt;
      await waitForQueueToSettle(queue);

      const received = sink.messages.map((m) => m.receivedAt).sort((x, y) => x - y);
      const spanMs = received[received.length - 1] - received[0];
      const windowMs = RATE.seconds * 1000;
      const busiestWindow = Math.max(
        ...received.map(
          (start) => received.filter((t) => t >= start && t < start + windowMs).length,
        ),
      );
      // EMAIL_RATE_LIMIT meters job starts in windows of RATE.seconds that begin with their first
      // start: any 2 * limit + 1 consecutive starts touch three windows, so they are more than one
      // window apart, and the 40 sending starts touch at least 4 windows (more than 2 apart).
      const starts = (await queue.getJobs(['completed']))
        .map((job) => job.processedOn!)
        .sort((x, y) => x - y);
      const tightestStarts = Math.min(...starts.slice(2 * RATE.limit).map((t, i) => t - starts[i]));
      const startsSpanMs = starts[starts.length - 1] - starts[0];
      const startsFloorMs = (Math.ceil(EMAILS / RATE.limit) - 2) * windowMs;
      const recipients = sink.messages.flatMap((m) => m.to);
      const distinct = new Set(recipients).size;
      const after = await queue.getJobCounts('completed', 'failed');
      console.log(
        formatFigures(`SMTP down ${outageMs} ms (at least ${OUTAGE_MS}), then back`, [
          ['emails recorded during the outage', EMAILS],
          [
            'retries: attempts / backoff base / retry window, ms',
            `${ATTEMPTS} / ${EMAIL_BACKOFF_MS} / ${RETRY_WINDOW_MS}`,
          ],
          ['attempts made during the outage', attempts],
          [
            'jobs during the outage (waiting/delayed/active)',
            `${during.waiting}/${during.delayed}/${during.active}`,
          ],
          ['SMTP back to all delivered, ms', drainedMs],
          [
            'first to last delivery, ms',
            `${spanMs} (${activeAtRestore} jobs already started at recovery)`,
          ],
          [`most deliveries in any ${windowMs} ms`, `${busiestWindow} (limit ${RATE.limit})`],
          [
            `shortest time for ${2 * RATE.limit + 1} consecutive job starts, ms`,
            `${tightestStarts} (> ${windowMs})`,
          ],
          ['first to last sending job start, ms', `${startsSpanMs} (> ${startsFloorMs})`],
          [
            'delivered (distinct) / lost / duplicates',
            `${distinct} / ${EMAILS - distinct} / ${recipients.length - distinct}`,
          ],
          ['jobs completed / failed', `${after.completed} / ${after.failed}`],
          ['outage start to all delivered, ms', Date.now() - downSince],
        ]),
      );

      // Exactly once: every recipient once, nothing failed, every row marked sent.
      expect(recipients).toHaveLength(EMAILS);
      expect(distinct).toBe(EMAILS);
      expect(after.failed).toBe(0);
      const [sent] = await stack.sql<{ n: string }>(
        `SELECT count(*) AS n FROM email_outbox WHERE state = 'SENT' AND sent_at IS NOT NULL`,
      );
      expect(Number(sent.n)).toBe(EMAILS);
      // Within the rate limit, asserted on job starts (what the limiter meters). Delivery times are
      // printed, not asserted: right after SMTP returns, sends wait for new pooled connections, so
      // one window's emails can land next to the next one's (the busiest delivery second above).
      expect(starts).toHaveLength(EMAILS);
      // (50 ms of slack: start times are the worker's clock, windows Redis's.)
      expect(tightestStarts).toBeGreaterThan(windowMs - 50);
      expect(startsSpanMs).toBeGreaterThan(startsFloorMs - 50);
      expect(worker.process.running).toBe(true);
    },
    90_000 + OUTAGE_MS,
  );
});
