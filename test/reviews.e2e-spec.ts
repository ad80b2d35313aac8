import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { DomainEvent } from '../src/events/domain-events';
import { bearer, registerCompany, registerCustomer, SignedIn } from './support/fixtures';
import { ApiInstance, TestStack } from './support/test-stack';

/** Reviews of a company by customers with DELIVERED bookings; listing and stats are public. */
describe('reviews', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let company: SignedIn;
  let otherCompany: SignedIn;
  let customer: SignedIn;
  let stranger: SignedIn;
  let shipmentId: string;
  let otherShipmentId: string;

  beforeAll(async () => {
    stack = await TestStack.create();
    api = await stack.startApi();
    [company, otherCompany, customer, stranger] = await Promise.all([
      registerCompany(api),
      registerCompany(api),
      registerCustomer(api, { name: 'Rita Reviewer' }),
      registerCustomer(api),
    ]);
    shipmentId = await insertShipment(company.company!.id);
    otherShipmentId = await insertShipment(otherCompany.company!.id);
  });
  afterAll(() => stack.close());

  async function insertShipment(companyId: string): Promise<string> {
    const [row] = await stack.sql<{ id: string }>(
      `INSERT INTO shipments (company_id, origin, destination, departure_at, capacity_kg,
         price_per_kg_cents, mode)
       VALUES ($1, 'Lyon', 'Milan', now() - interval '5 days', 5000, 120, 'RAIL') RETURNING id`,
      [companyId],
    );
    return row.id;
  }

  async function insertBooking(
    opts: { status?: string; customer?: SignedIn; other?: boolean } = {},
  ): Promise<string> {
    const owner = opts.other ? otherCompany : company;
    const [row] = await stack.sql<{ id: string }>(
      `INSERT INTO bookings (shipment_id, customer_id, company_id, weight_kg, price_cents, status)
       VALUES ($1, $2, $3, 5, 600, $4) RETURNING id`,
      [
        opts.other ? otherShipmentId : shipmentId,
        (opts.customer ?? customer).user.id,
        owner.company!.id,
        opts.status ?? 'DELIVERED',
      ],
    );
    return row.id;
  }

  const post = (companyId: string, who: SignedIn | null, body: object) => {
    const req = api.http().post(`/companies/${companyId}/reviews`);
    if (who) req.set(...bearer(who));
    return req.send(body);
  };

  describe('POST /companies/:id/reviews', () => {
    it('creates a review of a delivered booking, once, and announces it', async () => {
      const bookingId = await insertBooking();
      const events: unknown[] = [];
      api.app.get(EventEmitter2).once(DomainEvent.ReviewCreated, (e) => events.push(e));
      const res = await post(company.company!.id, customer, {
        bookingId,
        rating: 4,
        comment: 'On time, well packed.',
      }).expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        bookingId,
        companyId: company.company!.id,
        rating: 4,
        comment: 'On time, well packed.',
        createdAt: expect.any(String),
        customer: { id: customer.user.id, name: 'Rita Reviewer' },
      });
      expect(events).toEqual([
        { reviewId: res.body.id, companyId: company.company!.id, customerId: customer.user.id },
      ]);

      const again = await post(company.company!.id, customer, { bookingId, rating: 1 }).expect(409);
      expect(again.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    });

    it('lets one of two concurrent reviews of one booking win, the other is 409', async () => {
      const bookingId = await insertBooking();
      const results = await Promise.all(
        [5, 1].map((rating) => post(company.company!.id, customer, { bookingId, rating })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      const [{ n }] = await stack.sql<{ n: number }>(
        'SELECT count(*)::int AS n FROM reviews WHERE booking_id = $1',
        [bookingId],
      );
      expect(n).toBe(1);
    });

    it('is 409 for a booking that is not delivered', async () => {
      for (const status of ['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED']) {
        const bookingId = await insertBooking({ status });
        const res = await post(company.company!.id, customer, { bookingId, rating: 5 }).expect(409);
        expect(res.body.message).toBe('booking is not delivered');
      }
    });

    it("is 404 for someone else's booking, another company's booking, or an unknown one", async () => {
      const strangersBooking = await insertBooking({ customer: stranger });
      await post(company.company!.id, customer, { bookingId: strangersBooking, rating: 5 }).expect(
        404,
      );
      const otherCompanysBooking = await insertBooking({ other: true });
      await post(company.company!.id, customer, {
        bookingId: otherCompanysBooking,
        rating: 5,
      }).expect(404);
      await post(randomUUID(), customer, { bookingId: otherCompanysBooking, rating: 5 }).expect(
        404,
      );
      await post(company.company!.id, customer, { bookingId: randomUUID(), rating: 5 }).expect(404);
      const [{ n }] = await stack.sql<{ n: number }>(
        'SELECT count(*)::int AS n FROM reviews WHERE booking_id = ANY($1)',
        [[strangersBooking, otherCompanysBooking]],
      );
      expect(n).toBe(0);
    });

    it('is for customers only', async () => {
      const bookingId = await insertBooking();
      await post(company.company!.id, null, { bookingId, rating: 5 }).expect(401);
      const res = await post(company.company!.id, company, { bookingId, rating: 5 }).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    });

    it('rejects bad input with readable messages', async () => {
      const bookingId = await insertBooking();
      const cases: [object, RegExp][] = [
        [{ bookingId, rating: 0 }, /rating must be an integer from 1 to 5/],
        [{ bookingId, rating: 6 }, /rating must be an integer from 1 to 5/],
        [{ bookingId, rating: 3.5 }, /rating must be an integer from 1 to 5/],
        [{ bookingId, rating: '5' }, /rating must be an integer from 1 to 5/],
        [{ bookingId }, /rating must be an integer from 1 to 5/],
        [{ bookingId: 'nope', rating: 5 }, /bookingId must be a UUID/],
        [{ rating: 5 }, /bookingId must be a UUID/],
        [{ bookingId, rating: 5, comment: 'c'.repeat(2001) }, /comment must be at most 2000/],
        [{ bookingId, rating: 5, comment: 12 }, /comment must be a string/],
        [{ bookingId, rating: 5, stars: 5 }, /property stars should not exist/],
      ];
      for (const [body, message] of cases) {
        const res = await post(company.company!.id, customer, body).expect(400);
        expect(Array.isArray(res.body.message)).toBe(true);
        expect(res.body.message.join('; ')).toMatch(message);
      }
      await post('not-a-uuid', customer, { bookingId, rating: 5 }).expect(400);
      // None of the refusals used up the booking's review.
      await post(company.company!.id, customer, { bookingId, rating: 5 }).expect(201);
    });
  });

  describe('listing and stats', () => {
    let fresh: SignedIn;

    beforeAll(async () => {
      fresh = await registerCompany(api);
    });

    /**
     * A delivered booking (SQL: bookings are another module's) reviewed through the API, so the
     * cached stats are invalidated as in real use; then backdated for a known listing order.
     */
    async function review(rating: number, createdAt: string): Promise<string> {
      const [shipment] = await stack.sql<{ id: string }>(
        `INSERT INTO shipments (company_id, origin, destination, departure_at, capacity_kg,
           price_per_kg_cents, mode)
         VALUES ($1, 'Oslo', 'Hamburg', now(), 100, 100, 'SEA') RETURNING id`,
        [fresh.company!.id],
      );
      const [booking] = await stack.sql<{ id: string }>(
        `INSERT INTO bookings (shipment_id, customer_id, company_id, weight_kg, price_cents, status)
         VALUES ($1, $2, $3, 1, 100, 'DELIVERED') RETURNING id`,
        [shipment.id, customer.user.id, fresh.company!.id],
      );
      const res = await post(fresh.company!.id, customer, { bookingId: booking.id, rating }).expect(
        201,
      );
      await stack.sql('UPDATE reviews SET created_at = $2 WHERE id = $1', [res.body.id, createdAt]);
      return res.body.id as string;
    }

    it('stats are zero without reviews', async () => {
      const res = await api.http().get(`/companies/${fresh.company!.id}/reviews/stats`).expect(200);
      expect(res.body).toEqual({
        count: 0,
        average: 0,
        distribution: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 },
      });
      const list = await api.http().get(`/companies/${fresh.company!.id}/reviews`).expect(200);
      expect(list.body).toEqual({ items: [], total: 0, page: 1, limit: 20 });
    });

    it('lists newest first with pagination, and aggregates the stats', async () => {
      const oldest = await review(5, '2026-01-01T10:00:00Z');
      const middle = await review(2, '2026-01-02T10:00:00Z');
      const newest = await review(5, '2026-01-03T10:00:00Z');

      const page1 = await api
        .http()
        .get(`/companies/${fresh.company!.id}/reviews?page=1&limit=2`)
        .expect(200);
      expect(page1.body).toMatchObject({ total: 3, page: 1, limit: 2 });
      expect(page1.body.items.map((r: { id: string }) => r.id)).toEqual([newest, middle]);
      expect(page1.body.items[0]).toEqual({
        id: newest,
        bookingId: expect.any(String),
        companyId: fresh.company!.id,
        rating: 5,
        comment: null,
        createdAt: '2026-01-03T10:00:00.000Z',
        customer: { id: customer.user.id, name: 'Rita Reviewer' },
      });
      const page2 = await api
        .http()
        .get(`/companies/${fresh.company!.id}/reviews?page=2&limit=2`)
        .expect(200);
      expect(page2.body.items.map((r: { id: string }) => r.id)).toEqual([oldest]);

      const stats = await api
        .http()
        .get(`/companies/${fresh.company!.id}/reviews/stats`)
        .expect(200);
      expect(stats.body).toEqual({
        count: 3,
        average: 4,
        distribution: { '1': 0, '2': 1, '3': 0, '4': 0, '5': 2 },
      });
      await review(4, '2026-01-04T10:00:00Z');
      await review(4, '2026-01-05T10:00:00Z');
      await review(1, '2026-01-06T10:00:00Z');
      const more = await api
        .http()
        .get(`/companies/${fresh.company!.id}/reviews/stats`)
        .expect(200);
      // (5 + 2 + 5 + 4 + 4 + 1) / 6 = 3.5; rounding is to 2 decimals.
      expect(more.body).toMatchObject({ count: 6, average: 3.5 });
      await review(4, '2026-01-07T10:00:00Z');
      const seven = await api
        .http()
        .get(`/companies/${fresh.company!.id}/reviews/stats`)
        .expect(200);
      expect(seven.body.average).toBe(3.57); // 25 / 7 = 3.571...
    });

    it('404 for an unknown company, 400 for a bad id or page', async () => {
      await api.http().get(`/companies/${randomUUID()}/reviews`).expect(404);
      await api.http().get(`/companies/${randomUUID()}/reviews/stats`).expect(404);
      await api.http().get('/companies/nope/reviews').expect(400);
      await api.http().get('/companies/nope/reviews/stats').expect(400);
      for (const query of ['limit=101', 'limit=0', 'page=0', 'page=abc']) {
        const res = await api
          .http()
          .get(`/companies/${fresh.company!.id}/reviews?${query}`)
          .expect(400);
        expect(Array.isArray(res.body.message)).toBe(true);
      }
    });
  });
});
