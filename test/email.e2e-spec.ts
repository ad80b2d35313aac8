import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DB, Database } from '../src/database';
import { QUEUE_CONNECTION } from '../src/queues/queue-connection.module';
import type { RedisClient } from '../src/redis';
import { EmailEvent } from '../src/email/email-event';
import { EmailOutbox, OutboxEmail } from '../src/email/email-outbox';
import {
  bearer,
  PASSWORD,
  registerCompany,
  registerCustomer,
  uniqueEmail,
} from './support/fixtures';
import { waitForSettledOutbox } from './support/outbox';
import { TcpProxy } from './support/tcp-proxy';
import { SmtpSink } from './support/smtp-sink';
import { ApiInstance, TestStack } from './support/test-stack';
import { TEST_REDIS_URL } from './support/test-env';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes outbox rows the way services do (EmailOutbox.record), through the API's database. */
function record(app: INestApplicationContext, emails: OutboxEmail[]): Promise<void> {
  return app.get(EmailOutbox).record(app.get<Database>(DB), emails);
}

function bookingEmail(event: EmailEvent, to: string, bookingId = 'b-1'): OutboxEmail {
  return {
    event,
    to,
    payload: {
      bookingId,
      customerName: 'Casey <script>',
      origin: 'Lyon',
      destination: 'Oslo',
      priceCents: 1250,
    },
  };
}

describe('transactional email (outbox → BullMQ → SMTP)', () => {
  describe('delivery', () => {
    let stack: TestStack;
    let sink: SmtpSink;
    let api: ApiInstance;

    beforeAll(async () => {
      sink = await SmtpSink.start();
      stack = await TestStack.create({ SMTP_URL: sink.url });
      api = await stack.startApi();
      await stack.startWorker();
    });
    afterAll(async () => {
      await stack.close();
      await sink.close();
    });

    it('sends a team invitation once, to the invitee, with X-Parcsal-Event', async () => {
      const owner = await registerCompany(api);
      const invitee = uniqueEmail('invitee');
      await api
        .http()
        .post(`/companies/${owner.company!.id}/invitations`)
        .set(...bearer(owner))
        .send({ email: invitee })
        .expect(201);
      const [row] = await waitForSettledOutbox(stack, invitee);
      expect(row.state).toBe('SENT');
      const [mail, ...extra] = sink.find(EmailEvent.CompanyInvitation, invitee);
      expect(extra).toHaveLength(0);
      expect(mail.subject).toContain(owner.company!.name);
      expect(mail.headers.from).toContain('no-reply@parcsal.local');
    });

    it('sends a new-device email once when a user signs in from a new user agent', async () => {
      const customer = await registerCustomer(api);
      await api
        .http()
        .post('/auth/login')
        .set('User-Agent', 'BrandNewBrowser/1.0')
        .send({ email: customer.user.email, password: PASSWORD })
        .expect(200);
      const rows = await waitForSettledOutbox(stack, customer.user.email);
      expect(rows.map((row) => [row.event, row.state])).toEqual([
        [EmailEvent.SecurityNewDevice, 'SENT'],
      ]);
      const mails = sink.find(EmailEvent.SecurityNewDevice, customer.user.email);
      expect(mails).toHaveLength(1);
      expect(mails[0].text).toContain('BrandNewBrowser/1.0');
    });

    it('sends each booking email once, to its recipient, escaped in HTML', async () => {
      const to = uniqueEmail('booker');
      const events = [
        EmailEvent.BookingCreated,
        EmailEvent.BookingConfirmed,
        EmailEvent.BookingRejected,
        EmailEvent.BookingCancelled,
        EmailEvent.BookingDelivered,
      ];
      await record(
        api.app,
        events.map((event) => bookingEmail(event, to)),
      );
      const rows = await waitForSettledOutbox(stack, to, events.length);
      expect(rows).toHaveLength(events.length);
      expect(rows.every((r) => r.state === 'SENT' && r.attempts === 1)).toBe(true);
      for (const event of events) {
        const mails = sink.find(event, to);
        expect(mails).toHaveLength(1);
        expect(mails[0].text).toContain('Lyon to Oslo');
        expect(mails[0].html).toContain('Casey &lt;script&gt;');
        expect(mails[0].html).not.toContain('<script>');
      }
    });

    it('reports sends and queue depths on /metrics', async () => {
      const res = await api.http().get('/metrics').expect(200);
      expect(res.text).toMatch(/parcsal_emails_sent_total\{event="booking.confirmed"\} [1-9]/);
      expect(res.text).toMatch(/parcsal_queue_jobs\{queue="email",state="waiting"\} \d+/);
      expect(res.text).toMatch(/parcsal_email_outbox_backlog \d+/);
    });
  });

  describe('SMTP failures', () => {
    it('retries a 421 with backoff: delivered once after two refusals', async () => {
      const sink = await SmtpSink.start({ refuse: { count: 2, code: 421 } });
      const stack = await TestStack.create({ SMTP_URL: sink.url });
      try {
        const api = await stack.startApi();
        await stack.startWorker();
        const to = uniqueEmail('retry');
        const started = Date.now();
        await record(api.app, [bookingEmail(EmailEvent.BookingConfirmed, to)]);
        const [row] = await waitForSettledOutbox(stack, to, 1, 15_000);
        // Backoff 1 s then 2 s between the three attempts.
        expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
        expect(row).toMatchObject({ state: 'SENT', attempts: 3 });
        expect(sink.attempts).toBe(3);
        expect(sink.find(EmailEvent.BookingConfirmed, to)).toHaveLength(1);
      } finally {
        await stack.close();
        await sink.close();
      }
    });

    it('fails a 550 at once: a failed job, not retried', async () => {
      const sink = await SmtpSink.start({ rejectRecipient: (a) => a.startsWith('bounce.') });
      const stack = await TestStack.create({ SMTP_URL: sink.url });
      try {
        const api = await stack.startApi();
        await stack.startWorker();
        const to = uniqueEmail('bounce');
        await record(api.app, [bookingEmail(EmailEvent.BookingRejected, to)]);
        const [{ id }] = await stack.sql<{ id: string }>(
          'SELECT id FROM email_outbox WHERE "to" = $1',
          [to],
        );
        const queue = api.app.get<Queue>(getQueueToken('email'));
        let state = '';
        for (let i = 0; i < 100 && state !== 'failed'; i++) {
          await sleep(100);
          state = await queue.getJobState(id);
        }
        expect(state).toBe('failed');
        // A failed job is final in BullMQ: no attempt can follow.
        const job = await queue.getJob(id);
        expect(job!.attemptsMade).toBe(1);
        expect(job!.failedReason).toMatch(/550/);
        const [row] = await waitForSettledOutbox(stack, to);
        expect(row).toMatchObject({ state: 'FAILED', attempts: 1 });
        expect(sink.attempts).toBe(1);
        expect(sink.messages).toHaveLength(0);
        const metrics = await api.http().get('/metrics').expect(200);
        expect(metrics.text).toMatch(/parcsal_emails_failed_total\{event="booking.rejected"\} 1/);
      } finally {
        await stack.close();
        await sink.close();
      }
    });
  });

  describe('outages', () => {
    it('keeps emails in the outbox while the worker cannot reach Redis, then delivers them', async () => {
      const sink = await SmtpSink.start();
      const proxy = await TcpProxy.forUrl(TEST_REDIS_URL, 6379);
      const stack = await TestStack.create({ SMTP_URL: sink.url });
      try {
        const api = await stack.startApi();
        const worker = await stack.startWorker({ REDIS_URL: proxy.url(TEST_REDIS_URL) });
        const connection = worker.get<RedisClient>(QUEUE_CONNECTION);
        proxy.cut();
        // The positive signal that the worker sees the outage: its queue connection is down,
        // and the relay does not take rows while it is.
        for (let i = 0; i < 200 && connection.status === 'ready'; i++) await sleep(50);
        expect(connection.status).not.toBe('ready');
        const to = uniqueEmail('outage');
        await record(api.app, [bookingEmail(EmailEvent.BookingConfirmed, to)]);
        const [row] = await stack.sql<{ state: string; queued_at: Date | null }>(
          'SELECT state, queued_at FROM email_outbox WHERE "to" = $1',
          [to],
        );
        expect(row).toMatchObject({ state: 'PENDING', queued_at: null });
        proxy.restore();
        const [settled] = await waitForSettledOutbox(stack, to, 1, 15_000);
        expect(settled.state).toBe('SENT');
        expect(sink.find(EmailEvent.BookingConfirmed, to)).toHaveLength(1);
      } finally {
        await stack.close();
        await proxy.close();
        await sink.close();
      }
    });

    it('delivers a burst exactly once across a worker stopped mid-burst and a new one', async () => {
      const sink = await SmtpSink.start({ delayMs: 30 });
      const stack = await TestStack.create({ SMTP_URL: sink.url });
      try {
        const api = await stack.startApi();
        const first = await stack.startWorker();
        const recipients = Array.from(
          { length: 60 },
          (_, i) => `burst${i}.${stack.prefix.slice(5, 15)}@example.com`,
        );
        await record(
          api.app,
          recipients.map((to) => bookingEmail(EmailEvent.BookingDelivered, to)),
        );
        await sink.waitFor((m) => m.length >= 10, 10_000);
        await stack.stop(first);
        expect(sink.messages.length).toBeLessThan(60);
        await stack.startWorker();
        await waitForSettledOutbox(stack, `burst%.${stack.prefix.slice(5, 15)}@example.com`, 60);
        const received = sink.messages.flatMap((m) => m.to).sort();
        expect(received).toEqual([...recipients].sort());
      } finally {
        await stack.close();
        await sink.close();
      }
    });
  });

  it('holds EMAIL_RATE_LIMIT=50/1 across two workers: 200 emails take at least 3 s', async () => {
    const sink = await SmtpSink.start();
    const stack = await TestStack.create({ SMTP_URL: sink.url, EMAIL_RATE_LIMIT: '50/1' });
    try {
      const api = await stack.startApi();
      await Promise.all([stack.startWorker(), stack.startWorker()]);
      const recipients = Array.from({ length: 200 }, (_, i) => `rate${i}@example.com`);
      // From the moment the emails exist: 200 at 50 per second need four windows, so the last
      // one cannot be sent before 3 s after the first (receipt times alone jitter either way).
      const started = Date.now();
      await record(
        api.app,
        recipients.map((to) => bookingEmail(EmailEvent.BookingCreated, to)),
      );
      await sink.waitFor((m) => m.length >= 200, 20_000);
      const elapsed = Math.max(...sink.messages.map((m) => m.receivedAt)) - started;
      process.stdout.write(`rate limit: 200 emails at 50/1 over two workers in ${elapsed} ms\n`);
      expect(elapsed).toBeGreaterThanOrEqual(3000);
      await waitForSettledOutbox(stack, 'rate%@example.com', 200);
      expect(new Set(sink.messages.flatMap((m) => m.to)).size).toBe(200);
      expect(sink.messages).toHaveLength(200);
    } finally {
      await stack.close();
      await sink.close();
    }
  }, 40_000);
});
