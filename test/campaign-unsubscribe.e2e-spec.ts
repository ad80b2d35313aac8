import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser';
import { UnsubscribeTokens } from '../src/email/unsubscribe-tokens';
import {
  ADMIN_ENV,
  bearer,
  loginAdmin,
  registerCustomer,
  SignedIn,
  uniqueEmail,
} from './support/fixtures';
import { waitForSettledOutbox } from './support/outbox';
import { SinkMessage, SmtpSink } from './support/smtp-sink';
import { ApiInstance, TestStack } from './support/test-stack';

const PUBLIC_URL = 'https://api.parcsal.test';

interface Campaign {
  id: string;
  status: string;
  recipients: number;
  sent: number;
  failed: number;
  skipped: number;
}

/**
 * Issue 20: campaigns people can leave. One-click unsubscribe (RFC 8058) from the header of a
 * real email, email preferences, opt-outs during a running campaign, suppression of addresses
 * that bounced permanently, merge fields, and the confirm page in a real browser.
 */
describe('campaign unsubscribe, preferences and suppression', () => {
  let stack: TestStack;
  let sink: SmtpSink;
  let api: ApiInstance;
  let admin: SignedIn;
  let browser: Browser;
  const bouncing = new Set<string>();

  beforeAll(async () => {
    sink = await SmtpSink.start({ rejectRecipient: (address) => bouncing.has(address) });
    stack = await TestStack.create({
      SMTP_URL: sink.url,
      EMAIL_RATE_LIMIT: '1000/1',
      PUBLIC_URL,
      ...ADMIN_ENV,
    });
    api = await stack.startApi();
    await stack.startWorker();
    admin = await loginAdmin(api);
  });
  afterAll(async () => {
    await browser?.close();
    await stack.close();
    await sink.close();
  });

  async function customerCount(): Promise<number> {
    const [{ n }] = await stack.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM users WHERE role = 'CUSTOMER' AND marketing_emails`,
    );
    return n;
  }

  async function createCampaign(subject: string, html: string): Promise<string> {
    const res = await api
      .http()
      .post('/admin/campaigns')
      .set(...bearer(admin))
      .send({ name: subject, subject, html, audience: 'CUSTOMERS' })
      .expect(201);
    return (res.body as Campaign).id;
  }

  async function waitForStatus(id: string, statuses: string[]): Promise<Campaign> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await api
        .http()
        .get(`/admin/campaigns/${id}`)
        .set(...bearer(admin))
        .expect(200);
      const campaign = res.body as Campaign;
      if (statuses.includes(campaign.status)) return campaign;
      if (Date.now() > deadline) throw new Error(`campaign still ${campaign.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The campaign's emails; final once the campaign is SENT (every recipient settled). */
  function mailsOf(campaignId: string, to?: string): SinkMessage[] {
    return sink.messages.filter(
      (m) =>
        m.headers['x-parcsal-campaign'] === campaignId && (to === undefined || m.to.includes(to)),
    );
  }

  async function marketing(user: SignedIn): Promise<boolean> {
    const res = await api
      .http()
      .get('/users/me/email-preferences')
      .set(...bearer(user))
      .expect(200);
    return (res.body as { marketing: boolean }).marketing;
  }

  /** The path and query of the List-Unsubscribe URL, to call on this API instance. */
  function unsubscribePath(mail: SinkMessage): string {
    const url = /^<(.+)>$/.exec(mail.headers['list-unsubscribe'])![1];
    expect(url.startsWith(`${PUBLIC_URL}/email/unsubscribe?token=`)).toBe(true);
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  }

  it('puts the unsubscribe headers and link on every campaign email, merge fields filled in', async () => {
    const ana = await registerCustomer(api, { name: 'Ana <b>&</b>' });
    await registerCustomer(api);
    const id = await createCampaign(
      'Deals for {{name}}',
      '<html><body><p>Hello {{ name }} ({{email}})</p></body></html>',
    );
    const done = await waitForStatus(id, ['SENT']);
    expect(done).toMatchObject({ recipients: await customerCount(), failed: 0, skipped: 0 });
    const mails = mailsOf(id);
    expect(mails).toHaveLength(done.recipients);
    for (const mail of mails) {
      const url = /^<(.+)>$/.exec(mail.headers['list-unsubscribe'])?.[1];
      expect(url).toMatch(/^https:\/\/api\.parcsal\.test\/email\/unsubscribe\?token=[\w.%-]+$/);
      expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
      expect(mail.html).toContain(`<a href="${url}">Unsubscribe</a>`);
      expect(mail.text).toContain(url);
    }
    const [toAna] = mailsOf(id, ana.user.email);
    expect(toAna.subject).toBe('Deals for Ana <b>&</b>');
    expect(toAna.html).toContain(`Hello Ana &lt;b&gt;&amp;&lt;/b&gt; (${ana.user.email})`);
    expect(toAna.html).not.toContain('<b>&</b>');
  });

  it('the one-click POST to the header URL opts the user out; the next campaign leaves them out', async () => {
    const leaving = await registerCustomer(api);
    const first = await createCampaign('First', '<p>first</p>');
    await waitForStatus(first, ['SENT']);
    const [mail] = mailsOf(first, leaving.user.email);
    expect(await marketing(leaving)).toBe(true);

    for (let i = 0; i < 2; i++) {
      // What a mailbox provider sends (RFC 8058): form-encoded, no sign-in. Idempotent.
      const res = await api
        .http()
        .post(unsubscribePath(mail))
        .type('form')
        .send('List-Unsubscribe=One-Click')
        .expect(200);
      expect(res.body).toEqual({ marketing: false });
    }
    expect(await marketing(leaving)).toBe(false);

    const next = await createCampaign('Next', '<p>next</p>');
    const done = await waitForStatus(next, ['SENT']);
    expect(done).toMatchObject({ recipients: await customerCount(), skipped: 0 });
    expect(mailsOf(next)).toHaveLength(done.recipients);
    expect(mailsOf(next, leaving.user.email)).toHaveLength(0);
  });

  it('someone who opts out while a campaign runs gets nothing more from it: skipped', async () => {
    const leaving = await registerCustomer(api);
    // Hold the recipients' email jobs so the opt-out lands between choosing and sending.
    const emailQueue = api.app.get<Queue>(getQueueToken('email'));
    await emailQueue.pause();
    let campaign: Campaign;
    try {
      const id = await createCampaign('Running', '<p>running</p>');
      campaign = await waitForStatus(id, ['SENDING']);
      expect(campaign.recipients).toBe(await customerCount());
      await api
        .http()
        .patch('/users/me/email-preferences')
        .set(...bearer(leaving))
        .send({ marketing: false })
        .expect(200, { marketing: false });
    } finally {
      await emailQueue.resume();
    }
    const done = await waitForStatus(campaign.id, ['SENT']);
    expect(done).toMatchObject({
      recipients: campaign.recipients,
      sent: campaign.recipients - 1,
      failed: 0,
      skipped: 1,
    });
    expect(mailsOf(campaign.id)).toHaveLength(campaign.recipients - 1);
    expect(mailsOf(campaign.id, leaving.user.email)).toHaveLength(0);
  });

  it('does not mail a permanently bounced address again: SUPPRESSED, counted as skipped', async () => {
    const email = uniqueEmail('bounced');
    bouncing.add(email);
    const bounced = await registerCustomer(api, { email });
    const first = await createCampaign('Bounce 1', '<p>one</p>');
    const one = await waitForStatus(first, ['SENT']);
    expect(one).toMatchObject({ sent: one.recipients - 1, failed: 1, skipped: 0 });

    const second = await createCampaign('Bounce 2', '<p>two</p>');
    const two = await waitForStatus(second, ['SENT']);
    expect(two).toMatchObject({ sent: two.recipients - 1, failed: 0, skipped: 1 });
    const rows = await waitForSettledOutbox(stack, bounced.user.email, 2);
    expect(rows.map((row) => [row.event, row.state, row.attempts])).toEqual([
      ['campaign', 'FAILED', 1],
      ['campaign', 'SUPPRESSED', 0],
    ]);
    expect(sink.recipientsTried.filter((to) => to === email)).toHaveLength(1);
    const listed = await api
      .http()
      .get(`/admin/emails?to=${email}&state=SUPPRESSED`)
      .set(...bearer(admin))
      .expect(200);
    expect(listed.body).toMatchObject({ total: 1, items: [{ event: 'campaign', to: email }] });
  });

  it('the GET page changes nothing on load; its button unsubscribes (headless Chromium)', async () => {
    browser = await launchChromium();
    const reader = await registerCustomer(api);
    const token = api.app.get(UnsubscribeTokens).sign(reader.user.id, 'marketing');
    const page = await browser.newPage();
    const response = await page.goto(
      `${api.url}/email/unsubscribe?token=${encodeURIComponent(token)}`,
    );
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-type']).toContain('text/html');
    await page.getByRole('button', { name: 'Unsubscribe' }).waitFor({ timeout: 15_000 });
    expect(await marketing(reader)).toBe(true);

    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByText('You are unsubscribed').first().waitFor({ timeout: 15_000 });
    expect(await marketing(reader)).toBe(false);
  }, 40_000);

  it('a bad or tampered token is 400 and says nothing about the user', async () => {
    const user = await registerCustomer(api);
    const token = api.app.get(UnsubscribeTokens).sign(user.user.id, 'marketing');
    const [userId, category, signature] = token.split('.');
    const other = (await registerCustomer(api)).user.id;
    const bad = [
      `${userId}.${category}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`,
      `${other}.${category}.${signature}`,
      `${userId}.transactional.${signature}`,
      'garbage',
    ];
    for (const candidate of bad) {
      for (const method of ['get', 'post'] as const) {
        const res = await api
          .http()
          [method](`/email/unsubscribe?token=${encodeURIComponent(candidate)}`)
          .expect(400);
        expect(res.body).toEqual({
          statusCode: 400,
          error: 'Bad Request',
          message: 'This unsubscribe link is not valid',
        });
      }
    }
    await api.http().post('/email/unsubscribe').expect(400);
    expect(await marketing(user)).toBe(true);
  });

  it('email preferences: true for a new account, validated, signed-in only', async () => {
    await api.http().get('/users/me/email-preferences').expect(401);
    await api.http().patch('/users/me/email-preferences').send({ marketing: false }).expect(401);
    const user = await registerCustomer(api);
    expect(await marketing(user)).toBe(true);
    for (const body of [{}, { marketing: 'no' }, { marketing: false, extra: 1 }]) {
      await api
        .http()
        .patch('/users/me/email-preferences')
        .set(...bearer(user))
        .send(body)
        .expect(400);
    }
    expect(await marketing(user)).toBe(true);
    for (const value of [false, true]) {
      await api
        .http()
        .patch('/users/me/email-preferences')
        .set(...bearer(user))
        .send({ marketing: value })
        .expect(200, { marketing: value });
      expect(await marketing(user)).toBe(value);
    }
  });

  it('an unknown merge field is a 400 at creation, naming it', async () => {
    const res = await api
      .http()
      .post('/admin/campaigns')
      .set(...bearer(admin))
      .send({
        name: 'Bad fields',
        subject: 'Hi {{ first_name }}',
        html: '<p>{{name}} at {{company}}</p>',
        audience: 'ALL',
      })
      .expect(400);
    expect(res.body.message).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^subject uses unknown merge field\(s\) \{\{ first_name \}\}/),
        expect.stringMatching(/^html uses unknown merge field\(s\) \{\{company\}\}: only/),
      ]),
    );
  });
});
