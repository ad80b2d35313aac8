import { drizzle } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import { schema } from '../src/database';
import { parseSeedArgs } from '../scripts/seed';
import {
  DEFAULT_SEED_SIZES,
  SEED_ADMIN_EMAIL,
  SEED_PASSWORD,
  SeedSummary,
  seedDatabase,
} from '../scripts/seed-data';
import { bearer, PASSWORD, registerCustomer } from './support/fixtures';
import { ApiInstance, TestStack } from './support/test-stack';

/** The seed writes consistent data that the API serves. */
describe('seed', () => {
  let stack: TestStack;
  let pool: Pool;
  let summary: SeedSummary;
  let api: ApiInstance;
  const sizes = { companies: 6, customers: 40, shipments: 120, bookings: 600 };

  beforeAll(async () => {
    stack = await TestStack.create();
    pool = new Pool({ connectionString: stack.databaseUrl, max: 2 });
    const phases: string[] = [];
    summary = await seedDatabase(drizzle(pool, { schema }), sizes, {
      onProgress: (p) => phases.push(`${p.phase}:${p.done}/${p.total}`),
    });
    expect(phases.at(-1)).toMatch(/^reviews:(\d+)\/\1$/);
    api = await stack.startApi();
  });
  afterAll(async () => {
    await pool.end();
    await stack.close();
  });

  it('writes the requested sizes', async () => {
    const [counts] = await stack.sql<Record<string, number>>(`
      SELECT (SELECT count(*)::int FROM companies) AS companies,
             (SELECT count(*)::int FROM users WHERE role = 'CUSTOMER') AS customers,
             (SELECT count(*)::int FROM users WHERE company_role = 'OWNER') AS owners,
             (SELECT count(*)::int FROM users WHERE role = 'ADMIN') AS admins,
             (SELECT count(*)::int FROM shipments) AS shipments,
             (SELECT count(*)::int FROM bookings) AS bookings,
             (SELECT count(*)::int FROM reviews) AS reviews`);
    expect(counts).toEqual({
      companies: 6,
      customers: 40,
      owners: 6,
      admins: 1,
      shipments: 120,
      bookings: 600,
      reviews: summary.reviews,
    });
    expect(summary.bookings).toBe(600);
    expect(summary.adminCreated).toBe(true);
    expect(summary.reviews).toBeGreaterThan(0);
  });

  it('keeps booked_kg equal to the active bookings and within capacity', async () => {
    const rows = await stack.sql(`
      SELECT s.id FROM shipments s
      LEFT JOIN (SELECT shipment_id, sum(weight_kg) AS kg FROM bookings
                 WHERE status IN ('PENDING', 'CONFIRMED', 'DELIVERED') GROUP BY shipment_id) b
        ON b.shipment_id = s.id
      WHERE s.booked_kg <> coalesce(b.kg, 0) OR s.booked_kg > s.capacity_kg`);
    expect(rows).toEqual([]);
    const [{ booked }] = await stack.sql<{ booked: number }>(
      'SELECT count(*)::int AS booked FROM shipments WHERE booked_kg > 0',
    );
    expect(booked).toBeGreaterThan(0);
  });

  it('pays confirmed and delivered bookings once, reviews only delivered ones', async () => {
    const [facts] = await stack.sql<Record<string, number>>(`
      SELECT
        (SELECT count(*)::int FROM bookings b WHERE b.status IN ('CONFIRMED', 'DELIVERED')
           AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id
                           AND p.status = 'SUCCEEDED' AND p.amount_cents = b.price_cents))
          AS "unpaid",
        (SELECT count(*)::int FROM payments p JOIN bookings b ON b.id = p.booking_id
           WHERE p.status = 'SUCCEEDED' AND b.status NOT IN ('CONFIRMED', 'DELIVERED'))
          AS "paidWrongly",
        (SELECT count(*)::int FROM reviews r JOIN bookings b ON b.id = r.booking_id
           WHERE b.status <> 'DELIVERED' OR b.customer_id <> r.customer_id
              OR b.company_id <> r.company_id) AS "badReviews",
        (SELECT count(*)::int FROM bookings b JOIN shipments s ON s.id = b.shipment_id
           WHERE b.company_id <> s.company_id) AS "wrongCompany",
        (SELECT count(*)::int FROM shipments
           WHERE departure_at < now() - interval '31 days'
              OR departure_at > now() + interval '91 days') AS "outOfWindow"`);
    expect(facts).toEqual({
      unpaid: 0,
      paidWrongly: 0,
      badReviews: 0,
      wrongCompany: 0,
      outOfWindow: 0,
    });
  });

  it('seeded users sign in with the shared password; the dashboard agrees', async () => {
    const login = await api
      .http()
      .post('/auth/login')
      .send({ email: SEED_ADMIN_EMAIL, password: SEED_PASSWORD })
      .expect(200);
    expect(login.body.user.role).toBe('ADMIN');
    await api
      .http()
      .post('/auth/login')
      .send({ email: 'customer1@seed.parcsal.local', password: SEED_PASSWORD })
      .expect(200);
    const res = await api
      .http()
      .get('/admin/dashboard/summary')
      .set(...bearer(login.body))
      .expect(200);
    expect(res.body).toEqual({
      users: summary.users,
      companies: 6,
      shipments: 120,
      bookings: { byStatus: summary.bookingsByStatus },
      revenueCents: summary.revenueCents,
    });
  });

  it('refuses to seed the same database twice', async () => {
    await expect(seedDatabase(drizzle(pool, { schema }), sizes)).rejects.toThrow(/already seeded/);
  });

  it('never takes over an account it did not create at its admin address', async () => {
    const other = await TestStack.create();
    const otherPool = new Pool({ connectionString: other.databaseUrl, max: 2 });
    try {
      const otherApi = await other.startApi();
      // Anyone can register any address, the seed admin's included.
      const squatter = await registerCustomer(otherApi, { email: SEED_ADMIN_EMAIL });
      const seeded = await seedDatabase(drizzle(otherPool, { schema }), {
        companies: 1,
        customers: 2,
        shipments: 2,
        bookings: 2,
      });
      const [row] = await other.sql('SELECT role, name FROM users WHERE email = $1', [
        SEED_ADMIN_EMAIL,
      ]);
      expect(row).toEqual({ role: 'CUSTOMER', name: 'Casey Customer' });
      await otherApi
        .http()
        .post('/auth/login')
        .send({ email: SEED_ADMIN_EMAIL, password: SEED_PASSWORD })
        .expect(401);
      const own = await otherApi
        .http()
        .post('/auth/login')
        .send({ email: SEED_ADMIN_EMAIL, password: PASSWORD })
        .expect(200);
      expect(own.body.user.role).toBe('CUSTOMER');
      await otherApi
        .http()
        .get('/admin/dashboard/summary')
        .set(...bearer(squatter))
        .expect(403);
      expect(seeded.adminCreated).toBe(false);
    } finally {
      await otherPool.end();
      await other.close();
    }
  });

  it('parses size flags', () => {
    expect(parseSeedArgs([])).toEqual(DEFAULT_SEED_SIZES);
    expect(parseSeedArgs(['--companies', '3', '--bookings=50', '--scale', '0.1'])).toEqual({
      companies: 3,
      customers: 100,
      shipments: 1000,
      bookings: 50,
    });
    expect(() => parseSeedArgs(['--shipments', 'many'])).toThrow(/--shipments needs/);
    expect(() => parseSeedArgs(['--users', '5'])).toThrow(/unknown argument/);
  });
});
