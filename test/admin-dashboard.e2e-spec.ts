import { randomUUID } from 'node:crypto';
import {
  ADMIN_ENV,
  bearer,
  createShipment,
  loginAdmin,
  registerCompany,
  registerCustomer,
  SignedIn,
} from './support/fixtures';
import { ApiInstance, TestStack } from './support/test-stack';

const DAY_MS = 24 * 3600 * 1000;

/** YYYY-MM-DD of the UTC day `n` days before today. */
function utcDate(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * DAY_MS).toISOString().slice(0, 10);
}

/** Platform figures for admins, checked against fixtures of known size in a fresh database. */
describe('admin dashboard', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let admin: SignedIn;
  let customer: SignedIn;
  let company: SignedIn;

  beforeAll(async () => {
    stack = await TestStack.create(ADMIN_ENV);
    api = await stack.startApi();
    // Users: the admin, these three, and one who registered two days ago.
    [company, customer] = await Promise.all([registerCompany(api), registerCustomer(api)]);
    await registerCustomer(api);
    admin = await loginAdmin(api);
    await stack.sql(
      `INSERT INTO users (email, password_hash, name, role, created_at)
       VALUES ('early@example.com', 'x', 'Early Bird', 'CUSTOMER', $1)`,
      [`${utcDate(2)}T08:00:00Z`],
    );

    const companyId = company.company!.id;
    const shipments = await stack.sql<{ id: string }>(
      `INSERT INTO shipments (company_id, origin, destination, departure_at, capacity_kg,
         price_per_kg_cents, mode)
       VALUES ($1, 'Madrid', 'Lisbon', now(), 1000, 100, 'ROAD'),
              ($1, 'Madrid', 'Porto', now(), 1000, 100, 'AIR')
       RETURNING id`,
      [companyId],
    );
    const booking = async (status: string, createdAt: string): Promise<string> => {
      const [row] = await stack.sql<{ id: string }>(
        `INSERT INTO bookings (shipment_id, customer_id, company_id, weight_kg, price_cents,
           status, created_at)
         VALUES ($1, $2, $3, 10, 1000, $4, $5) RETURNING id`,
        [shipments[0].id, customer.user.id, companyId, status, createdAt],
      );
      return row.id;
    };
    const pay = (bookingId: string, cents: number, status: string, createdAt: string) =>
      stack.sql(
        `INSERT INTO payments (booking_id, customer_id, idempotency_key, amount_cents, status,
           created_at)
         VALUES ($1, (SELECT customer_id FROM bookings WHERE id = $1), $2, $3, $4, $5)`,
        [bookingId, randomUUID(), cents, status, createdAt],
      );

    const today = `${utcDate(0)}T00:00:00Z`;
    const yesterday = `${utcDate(1)}T12:00:00Z`;
    const twoDaysAgo = `${utcDate(2)}T12:00:00Z`;
    const longAgo = `${utcDate(400)}T12:00:00Z`;

    // Today (UTC): 2 PENDING (one at the first instant of the day), 1 CANCELLED, 1 CONFIRMED.
    await booking('PENDING', today);
    await booking('PENDING', new Date().toISOString());
    await booking('CANCELLED', new Date().toISOString());
    const confirmed = await booking('CONFIRMED', new Date().toISOString());
    // Yesterday: one PENDING at its last millisecond, two DELIVERED.
    await booking('PENDING', `${utcDate(1)}T23:59:59.999Z`);
    const delivered1 = await booking('DELIVERED', yesterday);
    const delivered2 = await booking('DELIVERED', yesterday);
    // Two days ago: one DELIVERED. 400 days ago: one DELIVERED, outside every window.
    await booking('DELIVERED', twoDaysAgo);
    const ancient = await booking('DELIVERED', longAgo);

    await pay(confirmed, 1500, 'SUCCEEDED', new Date().toISOString());
    await pay(confirmed, 9999, 'FAILED', new Date().toISOString());
    await pay(delivered1, 2000, 'SUCCEEDED', yesterday);
    await pay(delivered2, 2500, 'SUCCEEDED', yesterday);
    await pay(ancient, 100, 'SUCCEEDED', longAgo);
  });
  afterAll(() => stack.close());

  const get = (path: string, who: SignedIn | null = admin) => {
    const req = api.http().get(path);
    if (who) req.set(...bearer(who));
    return req;
  };

  it('summary counts everything, every booking status present, revenue of succeeded payments', async () => {
    const res = await get('/admin/dashboard/summary').expect(200);
    expect(res.body).toEqual({
      users: 5,
      companies: 1,
      shipments: 2,
      bookings: {
        byStatus: { PENDING: 3, CONFIRMED: 1, REJECTED: 0, CANCELLED: 1, DELIVERED: 4 },
      },
      revenueCents: 1500 + 2000 + 2500 + 100,
    });
  });

  it('stats give one entry per UTC day, oldest first, today last', async () => {
    const res = await get('/admin/dashboard/stats?days=3').expect(200);
    expect(res.body).toEqual({
      days: [
        { date: utcDate(2), bookings: 1, revenueCents: 0, newUsers: 1 },
        { date: utcDate(1), bookings: 3, revenueCents: 4500, newUsers: 0 },
        { date: utcDate(0), bookings: 4, revenueCents: 1500, newUsers: 4 },
      ],
    });
  });

  it('stats default to 30 days', async () => {
    const res = await get('/admin/dashboard/stats').expect(200);
    expect(res.body.days).toHaveLength(30);
    expect(res.body.days[0].date).toBe(utcDate(29));
    expect(res.body.days[29]).toEqual({
      date: utcDate(0),
      bookings: 4,
      revenueCents: 1500,
      newUsers: 4,
    });
  });

  it('stats accept 1 and 365 days', async () => {
    const one = await get('/admin/dashboard/stats?days=1').expect(200);
    expect(one.body.days).toEqual([
      { date: utcDate(0), bookings: 4, revenueCents: 1500, newUsers: 4 },
    ]);

    const year = await get('/admin/dashboard/stats?days=365').expect(200);
    const days = year.body.days as { date: string; bookings: number; revenueCents: number }[];
    expect(days).toHaveLength(365);
    expect(days[0].date).toBe(utcDate(364));
    expect(days[364].date).toBe(utcDate(0));
    const dates = days.map((d) => d.date);
    expect([...dates].sort()).toEqual(dates);
    expect(new Set(dates).size).toBe(365);
    // The booking and payment of 400 days ago are outside the window.
    expect(days.reduce((n, d) => n + d.bookings, 0)).toBe(8);
    expect(days.reduce((n, d) => n + d.revenueCents, 0)).toBe(6000);
  });

  it('stats reject days outside 1..365 with a readable message', async () => {
    for (const days of ['0', '366', '-1', '1.5', 'abc', '']) {
      const res = await get(`/admin/dashboard/stats?days=${days}`).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toEqual(
        expect.arrayContaining([expect.stringMatching(/days must be an integer from 1 to 365/)]),
      );
    }
    await get('/admin/dashboard/stats?days=30&extra=1').expect(400);
  });

  it('shows each write made through the API in the very next summary and stats', async () => {
    const summary = async () => (await get('/admin/dashboard/summary').expect(200)).body;
    const today = async () => (await get('/admin/dashboard/stats?days=1').expect(200)).body.days[0];
    const before = await summary();
    const todayBefore = await today();

    const newcomer = await registerCustomer(api);
    const shipment = await createShipment(api, company, { capacityKg: 500, pricePerKgCents: 300 });
    expect(await summary()).toEqual({
      ...before,
      users: before.users + 1,
      shipments: before.shipments + 1,
    });

    const booked = await api
      .http()
      .post('/bookings')
      .set(...bearer(newcomer))
      .send({ shipmentId: shipment.id, weightKg: 10 })
      .expect(201);
    expect((await summary()).bookings.byStatus).toEqual({
      ...before.bookings.byStatus,
      PENDING: before.bookings.byStatus.PENDING + 1,
    });

    await api
      .http()
      .post(`/bookings/${booked.body.id}/accept`)
      .set(...bearer(company))
      .expect(200);
    const paid = await api
      .http()
      .post(`/bookings/${booked.body.id}/pay`)
      .set(...bearer(newcomer))
      .set('Idempotency-Key', randomUUID())
      .expect(201);
    expect(paid.body.status).toBe('SUCCEEDED');
    const after = await summary();
    expect(after).toEqual({
      users: before.users + 1,
      companies: before.companies,
      shipments: before.shipments + 1,
      bookings: {
        byStatus: {
          ...before.bookings.byStatus,
          CONFIRMED: before.bookings.byStatus.CONFIRMED + 1,
        },
      },
      revenueCents: before.revenueCents + booked.body.priceCents,
    });
    expect(await today()).toEqual({
      ...todayBefore,
      bookings: todayBefore.bookings + 1,
      revenueCents: todayBefore.revenueCents + booked.body.priceCents,
      newUsers: todayBefore.newUsers + 1,
    });

    // What the triggers counted equals a recount of the tables themselves.
    const counters = () =>
      stack.sql(
        `SELECT (SELECT json_agg(t) FROM (SELECT sum(users) AS users, sum(companies) AS companies,
                  sum(shipments) AS shipments, sum(bookings_pending) AS p,
                  sum(bookings_confirmed) AS c, sum(bookings_rejected) AS r,
                  sum(bookings_cancelled) AS x, sum(bookings_delivered) AS d,
                  sum(revenue_cents) AS cents FROM dashboard_totals) t) AS totals,
                (SELECT json_agg(d ORDER BY d.day) FROM (SELECT day, sum(bookings) AS b,
                  sum(revenue_cents) AS cents, sum(new_users) AS u
                  FROM dashboard_days GROUP BY day HAVING sum(bookings) <> 0
                    OR sum(revenue_cents) <> 0 OR sum(new_users) <> 0) d) AS days`,
      );
    const counted = await counters();
    await stack.sql('SELECT dashboard_recount()');
    expect(await counters()).toEqual(counted);
  });

  it('is for admins only', async () => {
    for (const path of ['/admin/dashboard/summary', '/admin/dashboard/stats']) {
      await get(path, null).expect(401);
      for (const who of [customer, company]) {
        const res = await get(path, who).expect(403);
        expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
        expect(res.body).not.toHaveProperty('users');
        expect(res.body).not.toHaveProperty('days');
      }
    }
  });
});
