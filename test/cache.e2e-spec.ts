import { AdminDashboardService } from '../src/admin/admin-dashboard.service';
import {
  ADMIN_ENV,
  bearer,
  createShipment,
  loginAdmin,
  registerCompany,
  registerCustomer,
  SignedIn,
} from './support/fixtures';
import { PrivateRedis } from './support/redis-server';
import { ApiInstance, TestStack } from './support/test-stack';

/**
 * "Never hangs" bound: with the cache Redis unreachable a read is served from the database
 * (each cache command gives up after 1 s); an answer later than this is a hang, not a slower
 * machine. Not a latency measurement (that is the bench's job).
 */
const NEVER_HANGS_MS = 10_000;

/** docs/contract.md "Caching": X-Cache, invalidation on writes, per-user keys, fail open. */
describe('Response cache', () => {
  let stack: TestStack;
  let a: ApiInstance;
  let b: ApiInstance;
  let admin: SignedIn;

  beforeAll(async () => {
    stack = await TestStack.create(ADMIN_ENV);
    [a, b] = await Promise.all([stack.startApi(), stack.startApi()]);
    admin = await loginAdmin(a);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const get = (api: ApiInstance, path: string, session?: SignedIn) => {
    const req = api.http().get(path);
    return session ? req.set(...bearer(session)) : req;
  };

  /** A DELIVERED booking of `customer` with `company`, written directly (fixture). */
  async function deliveredBooking(customer: SignedIn, companyId: string): Promise<string> {
    const [shipment] = await stack.sql<{ id: string }>(
      `INSERT INTO shipments (company_id, origin, destination, departure_at, capacity_kg,
         price_per_kg_cents, mode)
       VALUES ($1, 'Lyon', 'Porto', now() - interval '3 days', 100, 150, 'ROAD') RETURNING id`,
      [companyId],
    );
    const [booking] = await stack.sql<{ id: string }>(
      `INSERT INTO bookings (shipment_id, customer_id, company_id, weight_kg, price_cents, status)
       VALUES ($1, $2, $3, 10, 1500, 'DELIVERED') RETURNING id`,
      [shipment.id, customer.user.id, companyId],
    );
    return booking.id;
  }

  describe('GET /users/me (PROFILE, per user)', () => {
    it('is a MISS, then a HIT with the same body', async () => {
      const customer = await registerCustomer(a);
      const first = await get(a, '/users/me', customer).expect(200);
      expect(first.headers['x-cache']).toBe('MISS');
      const second = await get(a, '/users/me', customer).expect(200);
      expect(second.headers['x-cache']).toBe('HIT');
      expect(second.body).toEqual(first.body);
      expect(second.body.id).toBe(customer.user.id);
    });

    it("never serves one user's profile to another", async () => {
      const alice = await registerCustomer(a);
      const bob = await registerCustomer(a);
      await get(a, '/users/me', alice).expect(200);
      await get(a, '/users/me', alice).expect(200); // cached now
      const forBob = await get(a, '/users/me', bob).expect(200);
      expect(forBob.headers['x-cache']).toBe('MISS');
      expect(forBob.body.id).toBe(bob.user.id);
      const again = await get(b, '/users/me', bob).expect(200);
      expect(again.headers['x-cache']).toBe('HIT');
      expect(again.body.id).toBe(bob.user.id);
      expect((await get(b, '/users/me', alice).expect(200)).body.id).toBe(alice.user.id);
    });

    it('is shared by two API instances: a MISS on A, then a HIT on B', async () => {
      const customer = await registerCustomer(a);
      expect((await get(a, '/users/me', customer).expect(200)).headers['x-cache']).toBe('MISS');
      expect((await get(b, '/users/me', customer).expect(200)).headers['x-cache']).toBe('HIT');
    });

    it('does not cache 401s and serves nothing without a valid token', async () => {
      const res = await get(a, '/users/me').expect(401);
      expect(res.headers['x-cache']).toBeUndefined();
    });

    it('stores entries under REDIS_KEY_PREFIX with the PROFILE TTL (milliseconds)', async () => {
      const customer = await registerCustomer(a);
      await get(a, '/users/me', customer).expect(200);
      const redis = stack.redis();
      const keys = await redis.keys(`${stack.prefix}cache:PROFILE:*`);
      expect(keys.length).toBeGreaterThan(0);
      const ttl = await redis.pttl(keys[0]);
      expect(ttl).toBeGreaterThan(100_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
    });
  });

  describe('GET /admin/dashboard/* (DASHBOARD)', () => {
    it('MISS then HIT; a registration makes the next read fresh', async () => {
      await get(a, '/admin/dashboard/summary', admin).expect(200);
      const cached = await get(a, '/admin/dashboard/summary', admin).expect(200);
      expect(cached.headers['x-cache']).toBe('HIT');
      await registerCustomer(b);
      const fresh = await get(a, '/admin/dashboard/summary', admin).expect(200);
      expect(fresh.headers['x-cache']).toBe('MISS');
      expect(fresh.body.users).toBe(cached.body.users + 1);
    });

    it('gives a non-admin 403 even when an admin filled the cache', async () => {
      await get(a, '/admin/dashboard/summary', admin).expect(200);
      expect((await get(a, '/admin/dashboard/summary', admin)).headers['x-cache']).toBe('HIT');
      const customer = await registerCustomer(a);
      const company = await registerCompany(a);
      // The registrations bumped the dashboard: refill it as the admin first.
      await get(a, '/admin/dashboard/summary', admin).expect(200);
      for (const user of [customer, company]) {
        const res = await get(a, '/admin/dashboard/summary', user).expect(403);
        expect(res.headers['x-cache']).toBeUndefined();
        expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      }
      await get(a, '/admin/dashboard/summary').expect(401);
    });

    it('normalises the query: ?days=30 (the default) and no days share an entry', async () => {
      await registerCustomer(a); // a cold dashboard
      const plain = await get(a, '/admin/dashboard/stats', admin).expect(200);
      expect(plain.headers['x-cache']).toBe('MISS');
      const explicit = await get(b, '/admin/dashboard/stats?days=30', admin).expect(200);
      expect(explicit.headers['x-cache']).toBe('HIT');
      expect(explicit.body).toEqual(plain.body);
      const week = await get(a, '/admin/dashboard/stats?days=7', admin).expect(200);
      expect(week.headers['x-cache']).toBe('MISS');
      expect(week.body.days).toHaveLength(7);
      await get(a, '/admin/dashboard/stats?days=0', admin).expect(400);
      await get(a, '/admin/dashboard/stats?days=', admin).expect(400);
      await get(a, '/admin/dashboard/stats?days=30&extra=1', admin).expect(400);
    });

    it('50 concurrent requests for a cold key run the underlying queries once', async () => {
      await registerCustomer(a); // bumps the dashboard: the summary key is cold
      const service = a.app.get(AdminDashboardService);
      const summary = jest.spyOn(service, 'summary');
      try {
        const responses = await Promise.all(
          Array.from({ length: 50 }, () => get(a, '/admin/dashboard/summary', admin)),
        );
        expect(responses.every((r) => r.status === 200)).toBe(true);
        expect(summary).toHaveBeenCalledTimes(1);
        const caches = responses.map((r) => r.headers['x-cache']);
        expect(caches.filter((c) => c === 'MISS')).toHaveLength(1);
        expect(caches.filter((c) => c === 'HIT')).toHaveLength(49);
        expect(new Set(responses.map((r) => JSON.stringify(r.body))).size).toBe(1);
      } finally {
        summary.mockRestore();
      }
    });

    it('two instances filling one cold key at once run the queries once in all', async () => {
      await registerCustomer(a);
      const spies = [a, b].map((api) => jest.spyOn(api.app.get(AdminDashboardService), 'summary'));
      try {
        const responses = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            get(i % 2 ? b : a, '/admin/dashboard/summary', admin),
          ),
        );
        expect(responses.every((r) => r.status === 200)).toBe(true);
        const calls = spies.reduce((n, spy) => n + spy.mock.calls.length, 0);
        expect(calls).toBe(1);
      } finally {
        spies.forEach((spy) => spy.mockRestore());
      }
    });
  });

  describe('GET /companies/:idOrSlug (COMPANY)', () => {
    it('by id and by slug: MISS then HIT; a PATCH makes both fresh', async () => {
      const owner = await registerCompany(a);
      const { id, slug } = owner.company!;
      for (const ref of [id, slug]) {
        expect((await get(a, `/companies/${ref}`).expect(200)).headers['x-cache']).toBe('MISS');
        expect((await get(b, `/companies/${ref}`).expect(200)).headers['x-cache']).toBe('HIT');
      }
      await a
        .http()
        .patch(`/companies/${id}`)
        .set(...bearer(owner))
        .send({ name: 'Renamed Freight' })
        .expect(200);
      for (const ref of [id, slug]) {
        const res = await get(b, `/companies/${ref}`).expect(200);
        expect(res.headers['x-cache']).toBe('MISS');
        expect(res.body.name).toBe('Renamed Freight');
      }
    });

    it('a review makes the profile by slug fresh (its id is known from the response)', async () => {
      const owner = await registerCompany(a);
      const customer = await registerCustomer(a);
      const bookingId = await deliveredBooking(customer, owner.company!.id);
      await get(a, `/companies/${owner.company!.slug}`).expect(200);
      const before = await get(a, `/companies/${owner.company!.slug}`).expect(200);
      expect(before.headers['x-cache']).toBe('HIT');
      expect(before.body.stats.rating).toBeNull();
      await a
        .http()
        .post(`/companies/${owner.company!.id}/reviews`)
        .set(...bearer(customer))
        .send({ bookingId, rating: 4 })
        .expect(201);
      const after = await get(a, `/companies/${owner.company!.slug}`).expect(200);
      expect(after.headers['x-cache']).toBe('MISS');
      expect(after.body.stats.rating).toBe(4);
    });

    it('never caches a 404', async () => {
      const name = `Late Comers ${Date.now()}`;
      const slug = name.toLowerCase().replace(/ /g, '-');
      for (let i = 0; i < 2; i++) {
        const res = await get(a, `/companies/${slug}`).expect(404);
        expect(res.headers['x-cache']).toBeUndefined();
      }
      const owner = await registerCompany(a, { companyName: name });
      expect(owner.company!.slug).toBe(slug);
      const res = await get(a, `/companies/${slug}`).expect(200);
      expect(res.headers['x-cache']).toBe('MISS');
      expect(res.body.id).toBe(owner.company!.id);
    });
  });

  describe('GET /companies/:id/reviews/stats (REVIEW_STATS)', () => {
    it('MISS then HIT; a new review makes the next read fresh', async () => {
      const owner = await registerCompany(a);
      const customer = await registerCustomer(a);
      const bookingId = await deliveredBooking(customer, owner.company!.id);
      const path = `/companies/${owner.company!.id}/reviews/stats`;
      expect((await get(a, path).expect(200)).headers['x-cache']).toBe('MISS');
      const cached = await get(b, path).expect(200);
      expect(cached.headers['x-cache']).toBe('HIT');
      expect(cached.body.count).toBe(0);
      await b
        .http()
        .post(`/companies/${owner.company!.id}/reviews`)
        .set(...bearer(customer))
        .send({ bookingId, rating: 5 })
        .expect(201);
      const fresh = await get(a, path).expect(200);
      expect(fresh.headers['x-cache']).toBe('MISS');
      expect(fresh.body).toMatchObject({ count: 1, average: 5 });
    });
  });

  describe('GET /shipments/search (SEARCH) and the booking flow', () => {
    let owner: SignedIn;
    let customer: SignedIn;
    const origin = `Cachetown ${Date.now()}`;
    const search = `/shipments/search?origin=${encodeURIComponent(origin)}`;

    const publishShipment = async (api: ApiInstance): Promise<string> =>
      (await createShipment(api, owner, { origin, destination: 'Porto', pricePerKgCents: 150 })).id;

    beforeAll(async () => {
      owner = await registerCompany(a);
      customer = await registerCustomer(a);
    });

    it('MISS then HIT; page=1&limit=20 and the defaults share an entry', async () => {
      const first = await get(a, `${search}&page=1&limit=20`).expect(200);
      expect(first.headers['x-cache']).toBe('MISS');
      const defaults = await get(b, search).expect(200);
      expect(defaults.headers['x-cache']).toBe('HIT');
      expect(defaults.body).toEqual(first.body);
      const reordered = await get(
        a,
        `/shipments/search?limit=20&origin=${encodeURIComponent(origin)}`,
      );
      expect(reordered.headers['x-cache']).toBe('HIT');
      expect((await get(a, `${search}&limit=5`).expect(200)).headers['x-cache']).toBe('MISS');
      await get(a, `${search}&limit=1000`).expect(400);
      await get(a, `${search}&page=`).expect(400);
    });

    it('each write is visible in the very next read of every cached route it affects', async () => {
      const companyPath = `/companies/${owner.company!.slug}`;
      const read = async () => ({
        search: await get(a, search).expect(200),
        company: await get(b, companyPath).expect(200),
        dashboard: await get(a, '/admin/dashboard/summary', admin).expect(200),
        customerMe: await get(b, '/users/me', customer).expect(200),
        ownerMe: await get(a, '/users/me', owner).expect(200),
      });
      const warm = async () => {
        await read();
        const again = await read();
        for (const res of Object.values(again)) expect(res.headers['x-cache']).toBe('HIT');
        return again;
      };
      const expectAllMiss = (reads: Awaited<ReturnType<typeof read>>, which: string[]) => {
        for (const name of which)
          expect([name, reads[name as keyof typeof reads].headers['x-cache']]).toEqual([
            name,
            'MISS',
          ]);
      };

      // A shipment: search, dashboard, the company's profile and its users' profiles.
      let before = await warm();
      const shipmentId = await publishShipment(b);
      let after = await read();
      expectAllMiss(after, ['search', 'company', 'dashboard', 'ownerMe']);
      expect(after.search.body.total).toBe(before.search.body.total + 1);
      expect(after.company.body.stats.shipmentsCount).toBe(
        before.company.body.stats.shipmentsCount + 1,
      );
      expect(after.dashboard.body.shipments).toBe(before.dashboard.body.shipments + 1);
      expect(after.customerMe.headers['x-cache']).toBe('HIT');

      // A booking: capacity in search, counts everywhere, the customer's profile.
      before = await warm();
      const booking = await b
        .http()
        .post('/bookings')
        .set(...bearer(customer))
        .send({ shipmentId, weightKg: 10 })
        .expect(201);
      after = await read();
      expectAllMiss(after, ['search', 'company', 'dashboard', 'customerMe', 'ownerMe']);
      const listed = after.search.body.items.find((s: { id: string }) => s.id === shipmentId);
      expect(listed.availableKg).toBe(90);
      expect(after.customerMe.body.stats.bookingsCount).toBe(1);
      expect(after.ownerMe.body.stats.bookingsCount).toBe(1);
      expect(after.dashboard.body.bookings.byStatus.PENDING).toBe(
        before.dashboard.body.bookings.byStatus.PENDING + 1,
      );

      // Accepting it (a transition).
      before = await warm();
      await a
        .http()
        .post(`/bookings/${booking.body.id}/accept`)
        .set(...bearer(owner))
        .expect(200);
      after = await read();
      expectAllMiss(after, ['dashboard', 'customerMe', 'ownerMe']);
      expect(after.dashboard.body.bookings.byStatus.CONFIRMED).toBe(
        before.dashboard.body.bookings.byStatus.CONFIRMED + 1,
      );

      // A payment: revenue and spending.
      before = await warm();
      await b
        .http()
        .post(`/bookings/${booking.body.id}/pay`)
        .set(...bearer(customer))
        .set('Idempotency-Key', `pay-${booking.body.id}`)
        .expect(201);
      after = await read();
      expectAllMiss(after, ['dashboard', 'customerMe', 'ownerMe']);
      expect(after.dashboard.body.revenueCents).toBe(before.dashboard.body.revenueCents + 1500);
      expect(after.customerMe.body.stats.spentCents).toBe(1500);

      // Delivering it.
      await warm();
      await a
        .http()
        .post(`/bookings/${booking.body.id}/deliver`)
        .set(...bearer(owner))
        .expect(200);
      after = await read();
      expectAllMiss(after, ['dashboard', 'customerMe', 'ownerMe']);
      expect(after.customerMe.body.stats.deliveredCount).toBe(1);
    });
  });

  describe('metrics', () => {
    it('counts hits and misses by cache name', async () => {
      const customer = await registerCustomer(a);
      await get(a, '/users/me', customer).expect(200);
      await get(a, '/users/me', customer).expect(200);
      const text = (await a.http().get('/metrics').expect(200)).text;
      expect(text).toMatch(/parcsal_cache_requests_total\{cache="PROFILE",result="hit"\} [1-9]/);
      expect(text).toMatch(/parcsal_cache_requests_total\{cache="PROFILE",result="miss"\} [1-9]/);
    });
  });

  describe('cache Redis unreachable', () => {
    it('serves from the database within a bounded time (fail open), counted as errors', async () => {
      const down = await stack.startApi({ CACHE_REDIS_URL: 'redis://127.0.0.1:1' });
      const customer = await registerCustomer(down);
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const res = await get(down, '/users/me', customer).expect(200);
        expect(Date.now() - started).toBeLessThan(NEVER_HANGS_MS);
        expect(res.body.id).toBe(customer.user.id);
        expect(res.headers['x-cache']).toBe('MISS');
      }
      const summary = await get(down, '/admin/dashboard/summary', admin).expect(200);
      expect(summary.body.users).toBeGreaterThan(0);
      const text = (await down.http().get('/metrics').expect(200)).text;
      expect(text).toMatch(/parcsal_cache_requests_total\{cache="PROFILE",result="error"\} 3/);
      await stack.stop(down.app);
    });

    it('never serves an entry a write made while the cache Redis was down should have invalidated', async () => {
      const cacheRedis = await PrivateRedis.start({ persist: true });
      const api = await stack.startApi({ CACHE_REDIS_URL: cacheRedis.url });
      try {
        await get(api, '/admin/dashboard/summary', admin).expect(200);
        const cached = await get(api, '/admin/dashboard/summary', admin).expect(200);
        expect(cached.headers['x-cache']).toBe('HIT');
        await cacheRedis.stop();
        await registerCustomer(api); // its invalidation cannot reach the cache Redis now
        const started = Date.now();
        const during = await get(api, '/admin/dashboard/summary', admin).expect(200);
        expect(Date.now() - started).toBeLessThan(NEVER_HANGS_MS);
        expect(during.body.users).toBe(cached.body.users + 1);
        await cacheRedis.start(); // the stale entry is still on disk
        let hit = false;
        for (let i = 0; i < 40 && !hit; i++) {
          const res = await get(api, '/admin/dashboard/summary', admin).expect(200);
          expect(res.body.users).toBe(cached.body.users + 1);
          hit = res.headers['x-cache'] === 'HIT';
          if (!hit) await new Promise((r) => setTimeout(r, 100));
        }
        expect(hit).toBe(true); // and caching resumes once Redis is back
      } finally {
        await stack.stop(api.app);
        await cacheRedis.stop();
      }
    });
  });
});
