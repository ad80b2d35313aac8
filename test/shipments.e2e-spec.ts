import { randomBytes, randomUUID } from 'node:crypto';
import {
  bearer,
  joinCompany,
  registerCompany,
  registerCustomer,
  SignedIn,
} from './support/fixtures';
import { captureQueries } from './support/query-capture';
import { ApiInstance, TestStack } from './support/test-stack';

const VALID = {
  origin: 'Lyon',
  destination: 'Berlin',
  departureAt: '2031-03-01T08:00:00.000Z',
  capacityKg: 100,
  pricePerKgCents: 250,
  mode: 'ROAD',
};

/** A city name no other test uses, so searches see only their own shipments. */
const city = (name: string) => `${name} ${randomBytes(3).toString('hex')}`;

describe('shipments', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let company: SignedIn;
  let otherCompany: SignedIn;
  let customer: SignedIn;

  beforeAll(async () => {
    stack = await TestStack.create();
    api = await stack.startApi();
    [company, otherCompany, customer] = await Promise.all([
      registerCompany(api),
      registerCompany(api),
      registerCustomer(api),
    ]);
  });
  afterAll(() => stack.close());

  const create = (who: SignedIn, body: Record<string, unknown>) =>
    api
      .http()
      .post('/shipments')
      .set(...bearer(who))
      .send(body);
  const patch = (who: SignedIn, id: string, body: Record<string, unknown>) =>
    api
      .http()
      .patch(`/shipments/${id}`)
      .set(...bearer(who))
      .send(body);
  const search = (query: string) => api.http().get(`/shipments/search?${query}`);

  describe('create', () => {
    it('201 with the shipment, names trimmed, capacity all available', async () => {
      const res = await create(company, {
        ...VALID,
        origin: '  Lyon ',
        arrivalAt: '2031-03-02T10:30:00Z',
        capacityKg: 250.125,
      }).expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        companyId: company.company!.id,
        origin: 'Lyon',
        destination: 'Berlin',
        departureAt: '2031-03-01T08:00:00.000Z',
        arrivalAt: '2031-03-02T10:30:00.000Z',
        capacityKg: 250.125,
        bookedKg: 0,
        availableKg: 250.125,
        pricePerKgCents: 250,
        mode: 'ROAD',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const read = await api.http().get(`/shipments/${res.body.id}`).expect(200);
      expect(read.body).toEqual(res.body);
    });

    it('arrivalAt is optional; every mode is accepted', async () => {
      for (const mode of ['ROAD', 'AIR', 'SEA', 'RAIL']) {
        const res = await create(company, { ...VALID, mode }).expect(201);
        expect(res.body).toMatchObject({ mode, arrivalAt: null });
      }
    });

    it('is for company users only', async () => {
      const res = await create(customer, VALID).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      await api.http().post('/shipments').send(VALID).expect(401);
    });

    it.each([
      ['empty origin', { origin: '   ' }, /origin must be 1 to 100 characters/],
      ['long destination', { destination: 'x'.repeat(101) }, /destination must be 1 to 100/],
      ['control characters', { origin: 'Ly\u0007on' }, /origin must not contain control/],
      ['NUL', { origin: 'Ly\u0000on' }, /origin must not contain NUL/],
      ['a lone surrogate', { destination: 'Ber\ud800lin' }, /destination must not contain NUL/],
      ['numeric origin', { origin: 42 }, /origin must be a string/],
      ['bad departure', { departureAt: 'tomorrow' }, /departureAt must be an ISO-8601/],
      ['impossible date', { departureAt: '2031-02-30T08:00:00Z' }, /departureAt must be an ISO/],
      ['week date', { departureAt: '2031-W10' }, /departureAt must be an ISO/],
      ['basic format', { arrivalAt: '20310305' }, /arrivalAt must be an ISO/],
      ['arrival first', { arrivalAt: '2031-02-28T08:00:00Z' }, /arrivalAt must not be before/],
      ['year 0000', { departureAt: '0000-12-31T23:59:59.999Z' }, /departureAt must be an ISO/],
      ['year 10000 once offset', { departureAt: '9999-12-31T23:59:59-14:00' }, /departureAt/],
      ['year 10000', { arrivalAt: '+010000-01-01T00:00:00Z' }, /arrivalAt must be an ISO/],
      ['a number as a date', { departureAt: 8.64e15 }, /departureAt must be an ISO/],
      ['a boolean as a date', { departureAt: true }, /departureAt must be an ISO/],
      ['a digit as a date', { departureAt: '1' }, /departureAt must be an ISO/],
      ['zero capacity', { capacityKg: 0 }, /capacityKg must be greater than 0/],
      ['negative capacity', { capacityKg: -5 }, /capacityKg must be greater than 0/],
      ['huge capacity', { capacityKg: 1_000_000.001 }, /capacityKg must be at most 1000000/],
      ['grams and less', { capacityKg: 1.0005 }, /at most 3 decimals/],
      ['exponent form below a gram', { capacityKg: 1e-7 }, /at most 3 decimals/],
      ['1e300', { capacityKg: 1e300 }, /capacityKg must be at most 1000000/],
      ['negative zero', { capacityKg: -0 }, /capacityKg must be greater than 0/],
      ['cents beyond safe integers', { pricePerKgCents: 2 ** 53 }, /pricePerKgCents must be at/],
      ['capacity as text', { capacityKg: '100' }, /capacityKg must be a number/],
      ['fractional cents', { pricePerKgCents: 2.5 }, /pricePerKgCents must be an integer/],
      ['negative price', { pricePerKgCents: -1 }, /pricePerKgCents must not be negative/],
      ['huge price', { pricePerKgCents: 10_000_001 }, /pricePerKgCents must be at most/],
      ['unknown mode', { mode: 'BOAT' }, /mode must be one of ROAD, AIR, SEA, RAIL/],
      ['unknown field', { bookedKg: 50 }, /property bookedKg should not exist/],
      ['missing mode', { mode: undefined }, /mode must be one of/],
    ])('400 for %s', async (_name, change, message) => {
      const res = await create(company, { ...VALID, ...change }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    });

    it('accepts the bounds', async () => {
      await create(company, {
        ...VALID,
        capacityKg: 1_000_000,
        pricePerKgCents: 10_000_000,
        origin: 'o'.repeat(100),
        arrivalAt: VALID.departureAt,
      }).expect(201);
      await create(company, { ...VALID, capacityKg: 0.001, pricePerKgCents: 0 }).expect(201);
    });

    it('stores the first and last instant of the accepted range exactly', async () => {
      // 0001-01-01 came back as 2001-01-01 (drizzle read the year in a non-ISO form).
      const edges = {
        departureAt: '0001-01-01T00:00:00.000Z',
        arrivalAt: '9999-12-31T23:59:59.999Z',
      };
      const res = await create(company, { ...VALID, ...edges }).expect(201);
      expect(res.body).toMatchObject(edges);
      const read = await api.http().get(`/shipments/${res.body.id}`).expect(200);
      expect(read.body).toMatchObject(edges);
      const offset = await create(company, {
        ...VALID,
        departureAt: '0001-01-01T13:59:00+13:59',
      }).expect(201);
      expect(offset.body.departureAt).toBe('0001-01-01T00:00:00.000Z');
    });
  });

  describe('read and update', () => {
    it('GET: unknown 404, non-UUID 400, no token needed', async () => {
      const res = await api.http().get(`/shipments/${randomUUID()}`).expect(404);
      expect(res.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'Shipment not found',
      });
      await api.http().get('/shipments/not-a-uuid').expect(400);
    });

    it('PATCH changes any subset of the fields', async () => {
      const { body: shipment } = await create(company, VALID).expect(201);
      const res = await patch(company, shipment.id, {
        destination: ' Hamburg ',
        capacityKg: 150.5,
        arrivalAt: '2031-03-03T00:00:00Z',
      }).expect(200);
      expect(res.body).toMatchObject({
        ...VALID,
        id: shipment.id,
        destination: 'Hamburg',
        capacityKg: 150.5,
        availableKg: 150.5,
        arrivalAt: '2031-03-03T00:00:00.000Z',
      });
      expect(res.body.updatedAt > shipment.updatedAt).toBe(true);
      const cleared = await patch(company, shipment.id, { arrivalAt: null, mode: 'AIR' }).expect(
        200,
      );
      expect(cleared.body).toMatchObject({ arrivalAt: null, mode: 'AIR' });
      const same = await patch(company, shipment.id, {}).expect(200);
      expect(same.body).toEqual(cleared.body);
    });

    it('PATCH checks the merged dates and refuses nulls', async () => {
      const { body: shipment } = await create(company, {
        ...VALID,
        arrivalAt: '2031-03-02T00:00:00Z',
      }).expect(201);
      const late = await patch(company, shipment.id, { departureAt: '2031-03-05T00:00:00Z' });
      expect(late.status).toBe(400);
      expect(late.body.message).toEqual(['arrivalAt must not be before departureAt']);
      for (const field of ['origin', 'capacityKg', 'pricePerKgCents', 'mode', 'departureAt']) {
        await patch(company, shipment.id, { [field]: null }).expect(400);
      }
      await patch(company, shipment.id, { capacityKg: 0 }).expect(400);
      await patch(company, 'not-a-uuid', { capacityKg: 5 }).expect(400);
    });

    it('PATCH below the booked weight is 409', async () => {
      const { body: shipment } = await create(company, VALID).expect(201);
      await api
        .http()
        .post('/bookings')
        .set(...bearer(customer))
        .send({ shipmentId: shipment.id, weightKg: 40 })
        .expect(201);
      const res = await patch(company, shipment.id, { capacityKg: 39.999 }).expect(409);
      expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      expect(res.body.message).toMatch(/40 kg already booked/);
      const ok = await patch(company, shipment.id, { capacityKg: 40 }).expect(200);
      expect(ok.body).toMatchObject({ capacityKg: 40, bookedKg: 40, availableKg: 0 });
    });

    it('only the shipment’s company may PATCH it: others get 404 and no data', async () => {
      const { body: shipment } = await create(company, VALID).expect(201);
      const res = await patch(otherCompany, shipment.id, { capacityKg: 1 }).expect(404);
      expect(res.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'Shipment not found',
      });
      await patch(customer, shipment.id, { capacityKg: 1 }).expect(403);
      await api.http().patch(`/shipments/${shipment.id}`).send({ capacityKg: 1 }).expect(401);
      const read = await api.http().get(`/shipments/${shipment.id}`).expect(200);
      expect(read.body.capacityKg).toBe(100);
    });

    it('any member of the company may create and PATCH', async () => {
      const member = await registerCustomer(api);
      await joinCompany(api, stack, company, member);
      const { body: shipment } = await create(member, VALID).expect(201);
      expect(shipment.companyId).toBe(company.company!.id);
      await patch(company, shipment.id, { pricePerKgCents: 300 }).expect(200);
      await patch(member, shipment.id, { pricePerKgCents: 310 }).expect(200);
    });
  });

  describe('search', () => {
    const origin = city('Lyon');
    const destination = city('Berlin');
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      const make = async (name: string, change: Record<string, unknown>) => {
        const res = await create(company, { ...VALID, origin, destination, ...change }).expect(201);
        ids[name] = res.body.id;
      };
      await make('march2', { departureAt: '2031-03-02T00:00:00Z', mode: 'AIR' });
      await make('march1', { departureAt: '2031-03-01T00:00:00Z' });
      await make('march3', { departureAt: '2031-03-03T00:00:00Z', capacityKg: 20 });
      await make('march1b', { departureAt: '2031-03-01T00:00:00Z' });
      await make('otherRoute', { destination: city('Paris') });
    });

    const found = async (query: string) => {
      const res = await search(query).expect(200);
      return res.body.items.map((s: { id: string }) => s.id) as string[];
    };
    const route = `origin=${encodeURIComponent(origin)}&destination=${encodeURIComponent(destination)}`;

    it('soonest departure first, ties by id, whole case-insensitive names', async () => {
      const [a, b] = [ids.march1, ids.march1b].sort();
      expect(await found(route)).toEqual([a, b, ids.march2, ids.march3]);
      const shouted = `origin=${encodeURIComponent(origin.toUpperCase())}&destination=${encodeURIComponent(destination.toLowerCase())}`;
      expect(await found(shouted)).toEqual([a, b, ids.march2, ids.march3]);
      expect(await found(`origin=${encodeURIComponent(origin.slice(0, -1))}`)).toEqual([]);
      expect(await found(`origin=${encodeURIComponent(origin)}`)).toHaveLength(5);
    });

    it('from and to are inclusive bounds on the departure', async () => {
      expect(await found(`${route}&from=2031-03-02T00:00:00Z&to=2031-03-03T00:00:00Z`)).toEqual([
        ids.march2,
        ids.march3,
      ]);
      expect(await found(`${route}&to=2031-03-01T00:00:00Z`)).toHaveLength(2);
    });

    it('filters by mode and by capacity still available', async () => {
      expect(await found(`${route}&mode=AIR`)).toEqual([ids.march2]);
      await api
        .http()
        .post('/bookings')
        .set(...bearer(customer))
        .send({ shipmentId: ids.march2, weightKg: 85 })
        .expect(201);
      expect(await found(`${route}&minAvailableKg=20`)).toEqual(
        [ids.march1, ids.march1b].sort().concat(ids.march3),
      );
      expect(await found(`${route}&minAvailableKg=20.001`)).toHaveLength(2);
    });

    it('pages with the total', async () => {
      const res = await search(`${route}&limit=3&page=2`).expect(200);
      expect(res.body).toMatchObject({ total: 4, page: 2, limit: 3 });
      expect(res.body.items).toHaveLength(1);
      expect(res.body.items[0]).toMatchObject({ id: ids.march3, availableKg: 20, bookedKg: 0 });
      const first = await search(route).expect(200);
      expect(first.body).toMatchObject({ total: 4, page: 1, limit: 20 });
    });

    it.each([
      ['limit=101', /limit must not be greater than 100/],
      ['limit=0', /limit/],
      ['page=-1', /page/],
      ['from=yesterday', /from must be an ISO-8601/],
      ['to=2031-13-01', /to must be an ISO-8601/],
      ['from=2031-W01', /from must be an ISO-8601/],
      ['page=1e20', /page/],
      ['from=2031-03-02T00:00:00Z&to=2031-03-01T00:00:00Z', /to must not be before from/],
      ['mode=BOAT', /mode must be one of/],
      ['minAvailableKg=lots', /minAvailableKg must be a number/],
      ['minAvailableKg=-1', /minAvailableKg must not be negative/],
      ['origin=a&origin=b', /origin must be a string/],
      [`origin=${'x'.repeat(101)}`, /origin must be 1 to 100/],
      ['destination=Ly%07on', /destination must not contain control/],
      ['destination=Ly%00on', /destination must not contain NUL/],
      ['unknown=1', /property unknown should not exist/],
      ['__proto__=1', /property __proto__ should not exist/],
      ['constructor=1', /property constructor should not exist/],
      ['to=9999-12-31T23:59:59-14:00', /to must be an ISO-8601/],
      ['from=0000-01-01T00:00:00Z', /from must be an ISO-8601/],
      ['minAvailableKg=1e-7', /minAvailableKg must have at most 3 decimals/],
    ])('400 for %s', async (query, message) => {
      const res = await search(query).expect(400);
      expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    });

    it('without from, shipments that already departed are hidden; an explicit from shows them', async () => {
      const pastRoute = { origin: city('Lyon'), destination: city('Berlin') };
      const past = await create(company, {
        ...VALID,
        ...pastRoute,
        departureAt: '2001-01-01T00:00:00Z',
      }).expect(201);
      const justGone = await create(company, {
        ...VALID,
        ...pastRoute,
        departureAt: new Date(Date.now() - 1000).toISOString(),
      }).expect(201);
      const future = await create(company, { ...VALID, ...pastRoute }).expect(201);
      const query = `origin=${encodeURIComponent(pastRoute.origin)}&destination=${encodeURIComponent(pastRoute.destination)}`;
      const fresh = await search(query).expect(200);
      expect(fresh.body).toMatchObject({ total: 1, items: [{ id: future.body.id }] });
      expect(await found(`${query}&from=2000-01-01T00:00:00Z`)).toEqual([
        past.body.id,
        justGone.body.id,
        future.body.id,
      ]);
      expect(await found(`${query}&to=2030-01-01T00:00:00Z`)).toEqual([]);
      // Still the company's own: readable by id.
      await api.http().get(`/shipments/${past.body.id}`).expect(200);
    });

    it('an empty origin means no filter', async () => {
      const res = await search(`origin=&destination=${encodeURIComponent(destination)}`).expect(
        200,
      );
      expect(res.body.total).toBe(4);
    });
  });

  describe('search at scale', () => {
    const SIZE = 100_000;
    beforeAll(async () => {
      // 100k shipments over 200 routes and a year of departures, in one statement.
      await stack.sql(
        `INSERT INTO shipments (company_id, origin, destination, departure_at, capacity_kg, booked_kg, price_per_kg_cents, mode)
         SELECT $1, 'City' || (i % 20), 'Town' || (i % 10),
                timestamptz '2032-01-01' + (i * interval '5 minutes'),
                1000, (i % 11) * 100, 100 + i % 50, (ARRAY['ROAD','AIR','SEA','RAIL'])[1 + i % 4]::shipment_mode
         FROM generate_series(1, $2::int) AS i`,
        [otherCompany.company!.id, SIZE],
      );
      await stack.sql('ANALYZE shipments');
    }, 60_000);

    /**
     * The statements GET /shipments/search really sends (captured at the pg driver as the
     * service runs them; each test searches with its own parameters, so the response cache
     * cannot answer instead), each EXPLAINed with the parameters it was sent with.
     */
    const plansOf = async (query: string) => {
      const { queries } = await captureQueries(
        () => search(query).expect(200),
        (text) => /from "shipments"/i.test(text),
      );
      const plan = async (text: string, values: unknown[]) =>
        (await stack.sql<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values))
          .map((row) => row['QUERY PLAN'])
          .join('\n');
      const page = queries.filter((q) => /order by/i.test(q.text));
      const total = queries.filter((q) => /count\(/i.test(q.text));
      // One page query and one count per search: nothing else touches the table.
      expect([page.length, total.length, queries.length]).toEqual([1, 1, 2]);
      return {
        page: await plan(page[0].text, page[0].values),
        total: await plan(total[0].text, total[0].values),
      };
    };

    it('a route search uses the route index, not a scan of the table, for the page and its total', async () => {
      const plans = await plansOf('origin=city3&destination=TOWN3&from=2032-03-01T00:00:00Z');
      for (const plan of [plans.page, plans.total]) {
        expect(plan).toContain('shipments_route_departure_idx');
        expect(plan).not.toContain('Seq Scan');
      }
    });

    it('an origin-only search is served by an index (the planner picks which)', async () => {
      const { page } = await plansOf('origin=City7');
      expect(page).toMatch(/Index Scan|Index Only Scan|Bitmap Index Scan/);
      expect(page).not.toContain('Seq Scan');
    });

    it('a date-window search uses the departure index', async () => {
      const { page } = await plansOf('from=2032-02-01T00:00:00Z&to=2032-02-02T00:00:00Z');
      expect(page).toContain('shipments_departure_idx');
      expect(page).not.toContain('Seq Scan');
    });

    it('answers over HTTP with the right totals, soonest departure first', async () => {
      const res = await search(
        'origin=city3&destination=town3&from=2032-03-01T00:00:00Z&minAvailableKg=500',
      ).expect(200);
      const [{ n }] = await stack.sql<{ n: string }>(
        `SELECT count(*) AS n FROM shipments WHERE lower(origin) = 'city3' AND lower(destination) = 'town3'
           AND departure_at >= '2032-03-01T00:00:00Z' AND capacity_kg - booked_kg >= 500`,
      );
      expect(res.body.total).toBe(Number(n));
      expect(res.body.items).toHaveLength(20);
      const departures = res.body.items.map((s: { departureAt: string }) => s.departureAt);
      expect([...departures].sort()).toEqual(departures);
    });
  });
});
