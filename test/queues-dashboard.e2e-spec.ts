import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser';
import { DB, Database } from '../src/database';
import { EmailEvent } from '../src/email/email-event';
import { EmailOutbox } from '../src/email/email-outbox';
import { ADMIN_ENV, bearer, loginAdmin, PASSWORD, registerCustomer } from './support/fixtures';
import { SmtpSink } from './support/smtp-sink';
import { ApiInstance, TestStack } from './support/test-stack';

const basic = (email: string, password: string) =>
  `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;

describe('queue dashboard /admin/queues', () => {
  let stack: TestStack;
  let sink: SmtpSink;
  let api: ApiInstance;
  let browser: Browser;
  let outboxId: string;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    stack = await TestStack.create({ SMTP_URL: sink.url, ...ADMIN_ENV });
    api = await stack.startApi();
    await stack.startWorker();
    await api.app.get(EmailOutbox).record(api.app.get<Database>(DB), {
      event: EmailEvent.BookingConfirmed,
      to: 'dashboard.check@example.com',
      payload: { bookingId: 'b-dash' },
    });
    await sink.waitFor((m) => m.length > 0);
    [{ id: outboxId }] = await stack.sql<{ id: string }>('SELECT id FROM email_outbox');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack.close();
    await sink.close();
  });

  it('asks for HTTP Basic credentials of an admin; bearer tokens and non-admins get 401', async () => {
    const none = await api.http().get('/admin/queues').expect(401);
    expect(none.headers['www-authenticate']).toBe('Basic realm="Parcsal queues", charset="UTF-8"');
    expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });

    const customer = await registerCustomer(api);
    await api
      .http()
      .get('/admin/queues')
      .set('Authorization', basic(customer.user.email, PASSWORD))
      .expect(401);
    await api
      .http()
      .get('/admin/queues/api/queues')
      .set('Authorization', basic(customer.user.email, PASSWORD))
      .expect(401);
    const admin = await loginAdmin(api);
    await api
      .http()
      .get('/admin/queues')
      .set(...bearer(admin))
      .expect(401);
    await api
      .http()
      .get('/admin/queues/api/queues')
      .set('Authorization', basic(ADMIN_ENV.ADMIN_EMAIL, 'wrong-password'))
      .expect(401);

    const ok = await api
      .http()
      .get('/admin/queues/api/queues')
      .set('Authorization', basic(ADMIN_ENV.ADMIN_EMAIL, ADMIN_ENV.ADMIN_PASSWORD))
      .expect(200);
    expect(ok.body.queues.map((q: { name: string }) => q.name)).toEqual(
      expect.arrayContaining(['email', 'campaigns']),
    );
  });

  it('guards every path below it too, in any spelling, with the security headers', async () => {
    for (const path of [
      '/admin/queues/',
      '/admin/queues/api/queues',
      '/admin/queues/queue/email',
      '/admin/queues/static/js/main.js',
      '/ADMIN/Queues/api/queues',
    ]) {
      const res = await fetch(`${api.url}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    }
  });

  it('an admin opens it in a browser and sees the email queue with its completed job', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: ADMIN_ENV.ADMIN_EMAIL, password: ADMIN_ENV.ADMIN_PASSWORD },
    });
    try {
      const page = await context.newPage();
      const response = await page.goto(`${api.url}/admin/queues`);
      expect(response!.status()).toBe(200);
      await page.getByText('email', { exact: true }).first().waitFor({ timeout: 15_000 });
      await page.goto(`${api.url}/admin/queues/queue/email?status=completed`);
      await page.getByText(outboxId).first().waitFor({ timeout: 15_000 });
    } finally {
      await context.close();
    }
  }, 40_000);

  it('a non-admin cannot open it in a browser', async () => {
    const customer = await registerCustomer(api);
    const context = await browser.newContext({
      httpCredentials: { username: customer.user.email, password: PASSWORD },
    });
    try {
      const page = await context.newPage();
      const response = await page.goto(`${api.url}/admin/queues`);
      expect(response!.status()).toBe(401);
      expect(await page.content()).not.toContain('email');
    } finally {
      await context.close();
    }
  }, 30_000);
});
