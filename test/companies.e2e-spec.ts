import { EventEmitter2 } from '@nestjs/event-emitter';
import { createHash, randomUUID } from 'node:crypto';
import { DomainEvent } from '../src/events/domain-events';
import {
  ADMIN_ENV,
  bearer,
  loginAdmin,
  registerCompany,
  registerCustomer,
  SignedIn,
} from './support/fixtures';
import { ApiInstance, TestStack } from './support/test-stack';

/** Companies: public profile, owner-only edits, team invitations. */
describe('companies', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let owner: SignedIn;
  let company: { id: string; slug: string; name: string };

  beforeAll(async () => {
    stack = await TestStack.create(ADMIN_ENV);
    api = await stack.startApi();
    owner = await registerCompany(api, { name: 'Olive Owner', companyName: 'Swift Parcels' });
    company = owner.company!;
  });
  afterAll(() => stack.close());

  async function insertShipment(companyId: string): Promise<string> {
    const [row] = await stack.sql<{ id: string }>(
      `INSERT INTO shipments (company_id, origin, destination, departure_at, capacity_kg,
         price_per_kg_cents, mode)
       VALUES ($1, 'Paris', 'Berlin', now() + interval '3 days', 1000, 150, 'ROAD') RETURNING id`,
      [companyId],
    );
    return row.id;
  }

  async function insertBooking(
    shipmentId: string,
    companyId: string,
    customerId: string,
    status = 'DELIVERED',
  ): Promise<string> {
    const [row] = await stack.sql<{ id: string }>(
      `INSERT INTO bookings (shipment_id, customer_id, company_id, weight_kg, price_cents, status)
       VALUES ($1, $2, $3, 10, 1500, $4) RETURNING id`,
      [shipmentId, customerId, companyId, status],
    );
    return row.id;
  }

  async function invitationToken(email: string): Promise<string> {
    const [row] = await stack.sql<{ payload: { token: string } }>(
      `SELECT payload FROM email_outbox WHERE event = 'company.invitation' AND "to" = $1
       ORDER BY created_at DESC LIMIT 1`,
      [email],
    );
    return row.payload.token;
  }

  async function invite(by: SignedIn, companyId: string, email: string): Promise<string> {
    await api
      .http()
      .post(`/companies/${companyId}/invitations`)
      .set(...bearer(by))
      .send({ email })
      .expect(201);
    return invitationToken(email);
  }

  describe('GET /companies/:idOrSlug', () => {
    it('returns the profile by id and by slug, with the owner as admin and empty stats', async () => {
      const byId = await api.http().get(`/companies/${company.id}`).expect(200);
      expect(byId.body).toEqual({
        id: company.id,
        slug: 'swift-parcels',
        name: 'Swift Parcels',
        description: null,
        activePlan: 'FREE',
        admin: { id: owner.user.id, name: 'Olive Owner' },
        stats: { shipmentsCount: 0, bookingsCount: 0, rating: null },
      });
      const bySlug = await api.http().get('/companies/swift-parcels').expect(200);
      expect(bySlug.body).toEqual(byId.body);
    });

    it('counts shipments and bookings and averages reviews to 2 decimals', async () => {
      const other = await registerCompany(api);
      const customer = await registerCustomer(api);
      const shipment = await insertShipment(other.company!.id);
      await insertShipment(other.company!.id);
      const ratings = [5, 4, 4];
      for (const rating of ratings) {
        const booking = await insertBooking(shipment, other.company!.id, customer.user.id);
        await stack.sql(
          `INSERT INTO reviews (booking_id, company_id, customer_id, rating) VALUES ($1, $2, $3, $4)`,
          [booking, other.company!.id, customer.user.id, rating],
        );
      }
      await insertBooking(shipment, other.company!.id, customer.user.id, 'PENDING');
      const res = await api.http().get(`/companies/${other.company!.slug}`).expect(200);
      expect(res.body.stats).toEqual({ shipmentsCount: 2, bookingsCount: 4, rating: 4.33 });
      // Another company's figures do not leak into this one.
      const mine = await api.http().get(`/companies/${company.id}`).expect(200);
      expect(mine.body.stats).toEqual({ shipmentsCount: 0, bookingsCount: 0, rating: null });
    });

    it('is 404 for an unknown id or slug', async () => {
      const byId = await api.http().get(`/companies/${randomUUID()}`).expect(404);
      expect(byId.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      await api.http().get('/companies/no-such-company').expect(404);
      await api
        .http()
        .get(`/companies/${'x'.repeat(500)}`)
        .expect(404);
    });
  });

  describe('PATCH /companies/:id', () => {
    it('lets the owner rename and describe the company; the slug stays stable', async () => {
      const mine = await registerCompany(api, { companyName: 'Rename Me' });
      const events: unknown[] = [];
      api.app.get(EventEmitter2).once(DomainEvent.CompanyChanged, (e) => events.push(e));
      const res = await api
        .http()
        .patch(`/companies/${mine.company!.id}`)
        .set(...bearer(mine))
        .send({ name: '  Renamed Freight  ', description: 'Fast and careful.' })
        .expect(200);
      expect(res.body).toMatchObject({
        id: mine.company!.id,
        slug: mine.company!.slug,
        name: 'Renamed Freight',
        description: 'Fast and careful.',
        admin: { id: mine.user.id },
        stats: { shipmentsCount: 0, bookingsCount: 0, rating: null },
      });
      expect(events).toEqual([{ companyId: mine.company!.id, slug: mine.company!.slug }]);
      const bySlug = await api.http().get(`/companies/${mine.company!.slug}`).expect(200);
      expect(bySlug.body.name).toBe('Renamed Freight');

      const cleared = await api
        .http()
        .patch(`/companies/${mine.company!.id}`)
        .set(...bearer(mine))
        .send({ description: null })
        .expect(200);
      expect(cleared.body).toMatchObject({ name: 'Renamed Freight', description: null });
    });

    it('rejects bad input with readable messages', async () => {
      const url = `/companies/${company.id}`;
      const cases: [object, RegExp][] = [
        [{ name: '' }, /name must not be empty/],
        [{ name: '   ' }, /name must not be empty/],
        [{ name: 'x'.repeat(121) }, /name must be at most 120 characters/],
        [{ name: null }, /name must be a string/],
        [{ name: 42 }, /name must be a string/],
        [{ description: 'd'.repeat(2001) }, /description must be at most 2000 characters/],
        [{ slug: 'hijack' }, /property slug should not exist/],
      ];
      for (const [body, message] of cases) {
        const res = await api
          .http()
          .patch(url)
          .set(...bearer(owner))
          .send(body)
          .expect(400);
        expect(res.body.statusCode).toBe(400);
        expect(Array.isArray(res.body.message)).toBe(true);
        expect(res.body.message.join('; ')).toMatch(message);
      }
      const unchanged = await api.http().get(url).expect(200);
      expect(unchanged.body.name).toBe('Swift Parcels');
    });

    it('is 403 for customers, admins, members and other companies, 404 when unknown', async () => {
      const customer = await registerCustomer(api);
      const other = await registerCompany(api);
      const admin = await loginAdmin(api);
      const member = await registerCustomer(api);
      const token = await invite(owner, company.id, member.user.email);
      await api
        .http()
        .post('/companies/invitations/accept')
        .set(...bearer(member))
        .send({ token })
        .expect(200);
      for (const who of [customer, other, admin, member]) {
        const res = await api
          .http()
          .patch(`/companies/${company.id}`)
          .set(...bearer(who))
          .send({ name: 'Hijacked' })
          .expect(403);
        expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      }
      await api
        .http()
        .patch(`/companies/${randomUUID()}`)
        .set(...bearer(owner))
        .send({ name: 'X' })
        .expect(404);
      await api
        .http()
        .patch('/companies/not-a-uuid')
        .set(...bearer(owner))
        .send({ name: 'X' })
        .expect(400);
      await api.http().patch(`/companies/${company.id}`).send({ name: 'X' }).expect(401);
      const res = await api.http().get(`/companies/${company.id}`).expect(200);
      expect(res.body.name).toBe('Swift Parcels');
    });
  });

  describe('invitations', () => {
    it('stores only the hash of the token and emails the token in the same transaction', async () => {
      const email = 'New.Teammate@Example.com';
      const res = await api
        .http()
        .post(`/companies/${company.id}/invitations`)
        .set(...bearer(owner))
        .send({ email })
        .expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        companyId: company.id,
        email: 'new.teammate@example.com',
        expiresAt: expect.any(String),
        createdAt: expect.any(String),
      });
      const ttl = Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt);
      expect(Math.abs(ttl - 7 * 24 * 3600 * 1000)).toBeLessThan(60_000);

      const [outbox] = await stack.sql<{ payload: Record<string, string> }>(
        `SELECT payload FROM email_outbox WHERE event = 'company.invitation' AND "to" = $1`,
        ['new.teammate@example.com'],
      );
      expect(outbox.payload).toMatchObject({
        companyName: 'Swift Parcels',
        inviterName: 'Olive Owner',
        expiresAt: res.body.expiresAt,
      });
      const token = outbox.payload.token;
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      const [stored] = await stack.sql<{ token_hash: string }>(
        'SELECT token_hash FROM company_invitations WHERE id = $1',
        [res.body.id],
      );
      expect(stored.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    });

    it('only the owner can invite', async () => {
      const customer = await registerCustomer(api);
      const other = await registerCompany(api);
      const member = await registerCustomer(api);
      const token = await invite(owner, company.id, member.user.email);
      await api
        .http()
        .post('/companies/invitations/accept')
        .set(...bearer(member))
        .send({ token })
        .expect(200);
      for (const who of [customer, other, member]) {
        await api
          .http()
          .post(`/companies/${company.id}/invitations`)
          .set(...bearer(who))
          .send({ email: 'someone@example.com' })
          .expect(403);
      }
      const [{ n }] = await stack.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM email_outbox WHERE "to" = 'someone@example.com'`,
      );
      expect(n).toBe(0);
      await api
        .http()
        .post(`/companies/${randomUUID()}/invitations`)
        .set(...bearer(owner))
        .send({ email: 'someone@example.com' })
        .expect(404);
    });

    it('rejects a bad email', async () => {
      for (const body of [{ email: 'not-an-email' }, {}, { email: 'a@b.co', extra: 1 }]) {
        const res = await api
          .http()
          .post(`/companies/${company.id}/invitations`)
          .set(...bearer(owner))
          .send(body)
          .expect(400);
        expect(Array.isArray(res.body.message)).toBe(true);
      }
    });

    it('makes the accepting customer a MEMBER; the token works once', async () => {
      const joiner = await registerCustomer(api);
      const token = await invite(owner, company.id, joiner.user.email);
      const events: unknown[] = [];
      api.app.get(EventEmitter2).once(DomainEvent.UserChanged, (e) => events.push(e));
      const res = await api
        .http()
        .post('/companies/invitations/accept')
        .set(...bearer(joiner))
        .send({ token })
        .expect(200);
      expect(res.body.user).toEqual({
        id: joiner.user.id,
        email: joiner.user.email,
        name: 'Casey Customer',
        role: 'COMPANY',
        companyId: company.id,
        companyRole: 'MEMBER',
        createdAt: expect.any(String),
      });
      expect(res.body.user).not.toHaveProperty('passwordHash');
      expect(res.body.company).toMatchObject({ id: company.id, slug: company.slug });
      expect(events).toEqual([{ userId: joiner.user.id, companyId: company.id }]);
      // The same access token now carries the new role (the guard reads the user fresh).
      const me = await api
        .http()
        .get('/users/me')
        .set(...bearer(joiner))
        .expect(200);
      expect(me.body).toMatchObject({ role: 'COMPANY', companyRole: 'MEMBER' });

      const latecomer = await registerCustomer(api);
      const reused = await api
        .http()
        .post('/companies/invitations/accept')
        .set(...bearer(latecomer))
        .send({ token })
        .expect(409);
      expect(reused.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    });

    it('404 unknown token, 410 expired, 409 already in a company, 403 admin', async () => {
      const customer = await registerCustomer(api);
      await api
        .http()
        .post('/companies/invitations/accept')
        .set(...bearer(customer))
        .send({ token: 'definitely-not-a-token' })
        .expect(404);

      const expiredToken = await invite(owner, company.id, customer.user.email);
      await stack.sql(
        `UPDATE company_invitations SET expires_at = now() - interval '1 minute'
         WHERE token_hash = $1`,
        [createHash('sha256').update(expiredToken).digest('hex')],
      );
      const expired = await api
        .http()
        .post('/companies/invitations/accept')
        .set(...bearer(customer))
        .send({ token: expiredToken })
        .expect(410);
      expect(expired.body).toMatchObject({ statusCode: 410, error: 'Gone' });

      const other = await registerCompany(api);
      const token = await invite(owner, company.id, other.user.email);
      await api
        .http()
        .post('/companies/invitations/accept')
        .set(...bearer(other))
        .send({ token })
        .expect(409);
      const admin = await loginAdmin(api);
      await api
        .http()
        .post('/companies/invitations/accept')
        .set(...bearer(admin))
        .send({ token })
        .expect(403);
      // Refusals left the invitation usable.
      await api
        .http()
        .post('/companies/invitations/accept')
        .set(...bearer(customer))
        .send({ token })
        .expect(200);

      await api.http().post('/companies/invitations/accept').send({ token }).expect(401);
      const bad = await api
        .http()
        .post('/companies/invitations/accept')
        .set(...bearer(customer))
        .send({})
        .expect(400);
      expect(bad.body.message.join('; ')).toMatch(/token/);
    });

    it('lets exactly one of two concurrent accepts of one token win', async () => {
      const [first, second] = await Promise.all([registerCustomer(api), registerCustomer(api)]);
      const token = await invite(owner, company.id, first.user.email);
      const results = await Promise.all(
        [first, second].map((who) =>
          api
            .http()
            .post('/companies/invitations/accept')
            .set(...bearer(who))
            .send({ token }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const [{ n }] = await stack.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM users WHERE id = ANY($1) AND role = 'COMPANY'`,
        [[first.user.id, second.user.id]],
      );
      expect(n).toBe(1);
    });
  });
});
