import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DB, Database } from '../src/database';
import { EmailEvent } from '../src/email/email-event';
import { EmailOutbox } from '../src/email/email-outbox';
import {
  ADMIN_ENV,
  bearer,
  loginAdmin,
  registerCompany,
  registerCustomer,
  SignedIn,
  uniqueEmail,
} from './support/fixtures';
import { waitForSettledOutbox } from './support/outbox';
import { SmtpSink } from './support/smtp-sink';
import { ApiInstance, TestStack } from './support/test-stack';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('admin email outbox /admin/emails', () => {
  let stack: TestStack;
  let sink: SmtpSink;
  let api: ApiInstance;
  let admin: SignedIn;
  let owner: SignedIn;
  const bouncing = new Set<string>();

  beforeAll(async () => {
    sink = await SmtpSink.start({ rejectRecipient: (address) => bouncing.has(address) });
    stack = await TestStack.create({ SMTP_URL: sink.url, ...ADMIN_ENV });
    api = await stack.startApi();
    await stack.startWorker();
    admin = await loginAdmin(api);
    owner = await registerCompany(api);
  });
  afterAll(async () => {
    await stack.close();
    await sink.close();
  });

  /** A team invitation emailed to `to`, through the API. */
  async function invite(to: string): Promise<void> {
    await api
      .http()
      .post(`/companies/${owner.company!.id}/invitations`)
      .set(...bearer(owner))
      .send({ email: to })
      .expect(201);
  }

  function get(path: string, who: SignedIn = admin) {
    return api
      .http()
      .get(path)
      .set(...bearer(who));
  }

  it('is for admins only', async () => {
    const customer = await registerCustomer(api);
    await api.http().get('/admin/emails').expect(401);
    const forbidden = await get('/admin/emails', customer).expect(403);
    expect(forbidden.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    await get(`/admin/emails/${UNKNOWN_ID}`, customer).expect(403);
    await api
      .http()
      .post(`/admin/emails/${UNKNOWN_ID}/retry`)
      .set(...bearer(customer))
      .expect(403);
    await get('/admin/email-suppressions', customer).expect(403);
  });

  it('validates its query and ids', async () => {
    for (const query of [
      'state=QUEUED',
      'event=booking.unknown',
      'to=not-an-address',
      'page=0',
      'limit=101',
      'limit=abc',
      'extra=1',
    ]) {
      const res = await get(`/admin/emails?${query}`).expect(400);
      expect(Array.isArray(res.body.message)).toBe(true);
    }
    await get('/admin/emails/not-a-uuid').expect(400);
    await get(`/admin/emails/${UNKNOWN_ID}`).expect(404);
    await api
      .http()
      .post(`/admin/emails/${UNKNOWN_ID}/retry`)
      .set(...bearer(admin))
      .expect(404);
  });

  it('lists emails newest first with filters, and shows the rendered message', async () => {
    const to = uniqueEmail('listed');
    await invite(to);
    await invite(to);
    const [first, second] = await waitForSettledOutbox(stack, to, 2);
    expect([first.state, second.state]).toEqual(['SENT', 'SENT']);

    const list = await get(`/admin/emails?to=${to.toUpperCase()}&limit=1`).expect(200);
    expect(list.body).toMatchObject({ total: 2, page: 1, limit: 1 });
    expect(list.body.items).toEqual([
      {
        id: second.id,
        event: EmailEvent.CompanyInvitation,
        to,
        subject: expect.stringContaining(owner.company!.name),
        state: 'SENT',
        attempts: 1,
        lastError: null,
        createdAt: expect.any(String),
        sentAt: expect.any(String),
      },
    ]);
    const page2 = await get(`/admin/emails?to=${to}&limit=1&page=2`).expect(200);
    expect(page2.body.items.map((e: { id: string }) => e.id)).toEqual([first.id]);

    const sent = await get(`/admin/emails?state=SENT&event=company.invitation`).expect(200);
    expect(sent.body.items.map((e: { id: string }) => e.id)).toEqual(
      expect.arrayContaining([first.id, second.id]),
    );
    const failed = await get(`/admin/emails?state=FAILED&to=${to}`).expect(200);
    expect(failed.body).toMatchObject({ items: [], total: 0 });
    const otherEvent = await get(`/admin/emails?event=booking.created&to=${to}`).expect(200);
    expect(otherEvent.body.total).toBe(0);

    const detail = await get(`/admin/emails/${first.id}`).expect(200);
    const [mail] = sink.find(EmailEvent.CompanyInvitation, to);
    expect(detail.body).toMatchObject({ id: first.id, state: 'SENT', to });
    expect(detail.body.headers).toMatchObject({
      From: 'Parcsal <no-reply@parcsal.local>',
      To: to,
      Subject: mail.subject,
      'X-Parcsal-Event': EmailEvent.CompanyInvitation,
    });
    // What the admin sees is what was delivered.
    expect(detail.body.text).toContain('Your invitation token:');
    expect(mail.text).toContain(
      detail.body.text.split('Your invitation token: ')[1].split('\n')[0],
    );
    expect(detail.body.html).toContain('<html>');
    expect(detail.body.html).toContain(owner.company!.name);

    const conflict = await api
      .http()
      .post(`/admin/emails/${first.id}/retry`)
      .set(...bearer(admin))
      .expect(409);
    expect(conflict.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    expect(conflict.body.message).toContain('SENT');
  });

  it('suppresses an address after a 5xx, retries a FAILED email on request, and un-suppresses', async () => {
    const to = uniqueEmail('bouncing');
    bouncing.add(to);
    await invite(to);
    const [failed] = await waitForSettledOutbox(stack, to);
    expect(failed).toMatchObject({ state: 'FAILED', attempts: 1 });
    const failedView = await get(`/admin/emails/${failed.id}`).expect(200);
    expect(failedView.body.lastError).toMatch(/550/);
    const listed = await get('/admin/email-suppressions?limit=100').expect(200);
    expect(listed.body.items).toEqual(
      expect.arrayContaining([
        { email: to, reason: expect.stringMatching(/550/), createdAt: expect.any(String) },
      ]),
    );

    // A later email to it is not attempted: SUPPRESSED, and the SMTP server never saw it again.
    await invite(to);
    const [, suppressed] = await waitForSettledOutbox(stack, to, 2);
    expect(suppressed).toMatchObject({ state: 'SUPPRESSED', attempts: 0 });
    expect(sink.recipientsTried.filter((address) => address === to)).toHaveLength(1);
    const seen = await get(`/admin/emails?state=SUPPRESSED&to=${to}`).expect(200);
    expect(seen.body.items.map((e: { id: string }) => e.id)).toEqual([suppressed.id]);
    await api
      .http()
      .post(`/admin/emails/${suppressed.id}/retry`)
      .set(...bearer(admin))
      .expect(409);

    // The mailbox is fixed; the admin retries the failed email: 202, then it is delivered.
    bouncing.delete(to);
    const retried = await api
      .http()
      .post(`/admin/emails/${failed.id}/retry`)
      .set(...bearer(admin))
      .expect(202);
    expect(retried.body).toMatchObject({ id: failed.id, state: 'PENDING' });
    const [again] = await waitForSettledOutbox(stack, to, 2);
    expect(again).toMatchObject({ id: failed.id, state: 'SENT', attempts: 2 });
    expect(sink.find(EmailEvent.CompanyInvitation, to)).toHaveLength(1);

    // Removing the address from the list lets new emails through.
    await api
      .http()
      .delete(`/admin/email-suppressions/${encodeURIComponent(to)}`)
      .set(...bearer(admin))
      .expect(204);
    await api
      .http()
      .delete(`/admin/email-suppressions/${encodeURIComponent(to)}`)
      .set(...bearer(admin))
      .expect(404);
    await invite(to);
    const rows = await waitForSettledOutbox(stack, to, 3);
    expect(rows[2].state).toBe('SENT');
    expect(sink.find(EmailEvent.CompanyInvitation, to)).toHaveLength(2);
  });
});

describe('email without SMTP_URL', () => {
  it('marks the email LOGGED, not SENT, and the job says so', async () => {
    const stack = await TestStack.create({ SMTP_URL: '', ...ADMIN_ENV });
    try {
      const api = await stack.startApi();
      await stack.startWorker();
      const to = uniqueEmail('logged');
      await api.app.get(EmailOutbox).record(api.app.get<Database>(DB), {
        event: EmailEvent.BookingConfirmed,
        to,
        payload: { bookingId: 'b-logged' },
      });
      const [row] = await waitForSettledOutbox(stack, to);
      expect(row.state).toBe('LOGGED');
      const job = await api.app.get<Queue>(getQueueToken('email')).getJob(row.id);
      expect(job!.returnvalue).toBe('logged');
      const admin = await loginAdmin(api);
      const view = await api
        .http()
        .get(`/admin/emails/${row.id}`)
        .set(...bearer(admin))
        .expect(200);
      expect(view.body).toMatchObject({ state: 'LOGGED', attempts: 1, sentAt: expect.any(String) });
      expect(view.body.text).toContain('b-logged');
    } finally {
      await stack.close();
    }
  });
});
