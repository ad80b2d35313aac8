import { ADMIN_ENV, bearer, loginAdmin, registerCustomer, SignedIn } from './support/fixtures';
import { SmtpSink } from './support/smtp-sink';
import { ApiInstance, TestStack } from './support/test-stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RECIPIENTS = 200;

describe('campaigns', () => {
  let stack: TestStack;
  let sink: SmtpSink;
  let api: ApiInstance;
  let admin: SignedIn;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    stack = await TestStack.create({
      SMTP_URL: sink.url,
      EMAIL_RATE_LIMIT: '1000/1',
      ...ADMIN_ENV,
    });
    api = await stack.startApi();
    admin = await loginAdmin(api);
  });
  afterAll(async () => {
    await stack.close();
    await sink.close();
  });

  async function getCampaign(id: string) {
    return (
      await api
        .http()
        .get(`/admin/campaigns/${id}`)
        .set(...bearer(admin))
        .expect(200)
    ).body;
  }

  async function waitForStatus(id: string, statuses: string[], timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const campaign = await getCampaign(id);
      if (statuses.includes(campaign.status)) return campaign;
      if (Date.now() > deadline) throw new Error(`campaign still ${campaign.status}`);
      await sleep(100);
    }
  }

  it('validates input and is for admins only', async () => {
    const customer = await registerCustomer(api);
    const body = { name: 'n', subject: 's', html: '<p>x</p>', audience: 'ALL' };
    await api.http().post('/admin/campaigns').send(body).expect(401);
    await api
      .http()
      .post('/admin/campaigns')
      .set(...bearer(customer))
      .send(body)
      .expect(403);
    await api
      .http()
      .get('/admin/campaigns/00000000-0000-4000-8000-000000000000')
      .set(...bearer(customer))
      .expect(403);
    const bad = await api
      .http()
      .post('/admin/campaigns')
      .set(...bearer(admin))
      .send({ ...body, audience: 'EVERYONE', scheduledAt: 'tomorrow', extra: 1 })
      .expect(400);
    expect(bad.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/audience/)]));
    await api
      .http()
      .get('/admin/campaigns/not-a-uuid')
      .set(...bearer(admin))
      .expect(400);
    await api
      .http()
      .get('/admin/campaigns/00000000-0000-4000-8000-000000000000')
      .set(...bearer(admin))
      .expect(404);
  });

  it('cancels a scheduled campaign before it starts: nothing is sent', async () => {
    await stack.startWorker();
    const scheduledAt = new Date(Date.now() + 1500).toISOString();
    const created = await api
      .http()
      .post('/admin/campaigns')
      .set(...bearer(admin))
      .send({ name: 'Later', subject: 'Later', html: '<p>later</p>', audience: 'ALL', scheduledAt })
      .expect(201);
    expect(created.body).toMatchObject({
      status: 'SCHEDULED',
      scheduledAt,
      recipients: 0,
      sent: 0,
      failed: 0,
    });
    const cancelled = await api
      .http()
      .post(`/admin/campaigns/${created.body.id}/cancel`)
      .set(...bearer(admin))
      .expect(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    await api
      .http()
      .post(`/admin/campaigns/${created.body.id}/cancel`)
      .set(...bearer(admin))
      .expect(409);
    // The positive signal: a marker campaign scheduled after it has been sent, so the cancelled
    // one's time has come and gone through the same scheduler and queue.
    const marker = await api
      .http()
      .post('/admin/campaigns')
      .set(...bearer(admin))
      .send({
        name: 'Marker',
        subject: 'Marker',
        html: '<p>marker</p>',
        audience: 'ALL',
        scheduledAt: new Date(Date.parse(scheduledAt) + 500).toISOString(),
      })
      .expect(201);
    const markerDone = await waitForStatus(marker.body.id, ['SENT']);
    expect(markerDone.recipients).toBeGreaterThan(0);
    expect(markerDone).toMatchObject({ sent: markerDone.recipients, failed: 0 });
    expect(
      sink.messages.filter((m) => m.headers['x-parcsal-campaign'] === marker.body.id),
    ).toHaveLength(markerDone.recipients);
    expect(
      sink.messages.filter((m) => m.headers['x-parcsal-campaign'] === created.body.id),
    ).toHaveLength(0);
    expect(await getCampaign(created.body.id)).toMatchObject({
      status: 'CANCELLED',
      recipients: 0,
    });
  });

  it(`sends a campaign to ${RECIPIENTS} customers with two workers: exactly one email each`, async () => {
    await stack.startWorker();
    // Customers written straight to the table: registering 200 through argon2 would take long.
    const users = await stack.sql<{ id: string; email: string }>(
      `INSERT INTO users (email, password_hash, name, role)
       SELECT 'campaign' || i || '@example.com', 'x', 'Customer ' || i, 'CUSTOMER'
       FROM generate_series(1, $1) AS i RETURNING id, email`,
      [RECIPIENTS],
    );
    const [{ n: customers }] = await stack.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM users WHERE role = 'CUSTOMER'`,
    );
    const created = await api
      .http()
      .post('/admin/campaigns')
      .set(...bearer(admin))
      .send({
        name: 'Spring',
        subject: 'Spring deals',
        html: '<h1>Spring</h1><p>Ship &amp; save</p>',
        audience: 'CUSTOMERS',
      })
      .expect(201);
    const id = created.body.id;
    expect(created.body).toMatchObject({
      status: 'SCHEDULED',
      audience: 'CUSTOMERS',
      name: 'Spring',
    });

    const started = await waitForStatus(id, ['SENDING', 'SENT']);
    expect(started.recipients).toBe(customers);
    await api
      .http()
      .post(`/admin/campaigns/${id}/cancel`)
      .set(...bearer(admin))
      .expect(409);

    const done = await waitForStatus(id, ['SENT', 'FAILED'], 90_000);
    // SENT: every recipient's email is settled, so what the sink holds is final.
    expect(done).toMatchObject({
      status: 'SENT',
      recipients: customers,
      sent: customers,
      failed: 0,
      skipped: 0,
    });
    const mails = sink.messages.filter((m) => m.headers['x-parcsal-campaign'] === id);
    expect(mails).toHaveLength(customers);
    const to = mails.flatMap((m) => m.to);
    expect(new Set(to).size).toBe(customers);
    expect(to).toEqual(expect.arrayContaining(users.map((u) => u.email)));
    expect(mails.every((m) => m.headers['x-parcsal-event'] === 'campaign')).toBe(true);
    expect(mails[0].subject).toBe('Spring deals');
    expect(mails[0].text).toContain('Ship & save');
    for (const mail of mails) {
      const url = /^<(.+)>$/.exec(mail.headers['list-unsubscribe'])?.[1];
      expect(url).toMatch(/^http:\/\/localhost:\d+\/email\/unsubscribe\?token=[\w.%-]+$/);
      expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
      expect(mail.text).toContain(url);
      expect(mail.html).toContain(`href="${url}"`);
    }
    expect(new Set(mails.map((m) => m.headers['list-unsubscribe'])).size).toBe(customers);
  }, 120_000);
});
