import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { DomainEvent } from '../src/events/domain-events';
import {
  ADMIN_ENV,
  bearer,
  createShipment,
  joinCompany,
  loginAdmin,
  registerCompany,
  registerCustomer,
  SignedIn,
} from './support/fixtures';
import { ApiInstance, TestStack } from './support/test-stack';

/** Registration hashes passwords (argon2): a few at a time keeps the machine responsive. */
async function registerCustomers(api: ApiInstance, count: number): Promise<SignedIn[]> {
  const customers: SignedIn[] = [];
  while (customers.length < count) {
    const batch = Math.min(10, count - customers.length);
    customers.push(
      ...(await Promise.all(Array.from({ length: batch }, () => registerCustomer(api)))),
    );
  }
  return customers;
}

describe('bookings', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let company: SignedIn;
  let otherCompany: SignedIn;
  let customer: SignedIn;
  let otherCustomer: SignedIn;

  beforeAll(async () => {
    stack = await TestStack.create(ADMIN_ENV);
    api = await stack.startApi();
    [company, otherCompany, customer, otherCustomer] = await Promise.all([
      registerCompany(api),
      registerCompany(api),
      registerCustomer(api, { name: 'Casey Customer' }),
      registerCustomer(api),
    ]);
  });
  afterAll(() => stack.close());

  const book = (who: SignedIn, body: Record<string, unknown>, on: ApiInstance = api) =>
    on
      .http()
      .post('/bookings')
      .set(...bearer(who))
      .send(body);
  const act = (who: SignedIn, id: string, action: string) =>
    api
      .http()
      .post(`/bookings/${id}/${action}`)
      .set(...bearer(who));
  const shipmentOf = async (id: string) =>
    (await api.http().get(`/shipments/${id}`).expect(200)).body as {
      bookedKg: number;
      availableKg: number;
    };

  describe('create', () => {
    it('reserves the weight, prices it, and tells the customer and the company', async () => {
      const shipment = await createShipment(api, company, { pricePerKgCents: 333 });
      const res = await book(customer, {
        shipmentId: shipment.id,
        weightKg: 12.345,
        description: 'Two boxes of books',
      }).expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        shipmentId: shipment.id,
        customerId: customer.user.id,
        companyId: company.company!.id,
        weightKg: 12.345,
        description: 'Two boxes of books',
        priceCents: Math.round(12.345 * 333),
        status: 'PENDING',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(await shipmentOf(shipment.id)).toMatchObject({
        bookedKg: 12.345,
        availableKg: 87.655,
      });

      const outbox = await stack.sql(
        `SELECT event, "to", payload FROM email_outbox WHERE payload->>'bookingId' = $1`,
        [res.body.id],
      );
      expect(outbox).toEqual([
        {
          event: 'booking.created',
          to: customer.user.email,
          payload: expect.objectContaining({
            bookingId: res.body.id,
            customerName: 'Casey Customer',
            companyName: company.company!.name,
            origin: 'Lyon',
            destination: 'Berlin',
            priceCents: res.body.priceCents,
          }),
        },
      ]);
      const notified = await stack.sql<{ user_id: string; type: string }>(
        `SELECT user_id, type FROM notifications WHERE data->>'bookingId' = $1 ORDER BY user_id`,
        [res.body.id],
      );
      expect(notified.map((n) => n.type)).toEqual(['booking.created', 'booking.created']);
      expect(notified.map((n) => n.user_id).sort()).toEqual(
        [customer.user.id, company.user.id].sort(),
      );

      const mine = await api
        .http()
        .get('/notifications')
        .set(...bearer(customer))
        .expect(200);
      expect(mine.body.items[0]).toMatchObject({ type: 'booking.created', readAt: null });
    });

    it('announces the booking and the shipment change after commit', async () => {
      const shipment = await createShipment(api, company);
      const seen: string[] = [];
      const events = api.app.get(EventEmitter2);
      const listener = (name: string) => () => seen.push(name);
      const onBooking = listener(DomainEvent.BookingChanged);
      const onShipment = listener(DomainEvent.ShipmentChanged);
      events.on(DomainEvent.BookingChanged, onBooking);
      events.on(DomainEvent.ShipmentChanged, onShipment);
      try {
        await book(customer, { shipmentId: shipment.id, weightKg: 1 }).expect(201);
      } finally {
        events.off(DomainEvent.BookingChanged, onBooking);
        events.off(DomainEvent.ShipmentChanged, onShipment);
      }
      expect(seen).toEqual([DomainEvent.BookingChanged, DomainEvent.ShipmentChanged]);
    });

    it('refuses more weight than is left: 409, nothing reserved', async () => {
      const shipment = await createShipment(api, company, { capacityKg: 10 });
      await book(customer, { shipmentId: shipment.id, weightKg: 6 }).expect(201);
      const res = await book(customer, { shipmentId: shipment.id, weightKg: 4.001 }).expect(409);
      expect(res.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: expect.stringMatching(/4 kg available/),
      });
      expect((await shipmentOf(shipment.id)).bookedKg).toBe(6);
      await book(customer, { shipmentId: shipment.id, weightKg: 4 }).expect(201);
      expect((await shipmentOf(shipment.id)).availableKg).toBe(0);
    });

    it('404 for an unknown shipment', async () => {
      const res = await book(customer, { shipmentId: randomUUID(), weightKg: 1 }).expect(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });

    it('is for customers only', async () => {
      const shipment = await createShipment(api, company);
      await book(company, { shipmentId: shipment.id, weightKg: 1 }).expect(403);
      await api.http().post('/bookings').send({ shipmentId: shipment.id, weightKg: 1 }).expect(401);
    });

    it.each([
      [{ shipmentId: undefined, weightKg: 1 }, /shipmentId must be a UUID/],
      [{ shipmentId: 'nope', weightKg: 1 }, /shipmentId must be a UUID/],
      [{ weightKg: 0 }, /weightKg must be greater than 0/],
      [{ weightKg: -3 }, /weightKg must be greater than 0/],
      [{ weightKg: 1.0001 }, /at most 3 decimals/],
      [{ weightKg: '5' }, /weightKg must be a number/],
      [{ weightKg: 1_000_001 }, /weightKg must be at most 1000000/],
      [{ weightKg: 1, description: 'long'.repeat(251) }, /description must be at most 1000/],
      [{ weightKg: 1, description: 'a\u0000b' }, /NUL/],
      [{ weightKg: 1, price: 1 }, /property price should not exist/],
    ])('400 for %p', async (body, message) => {
      const shipment = await createShipment(api, company);
      const res = await book(customer, { shipmentId: shipment.id, ...body }).expect(400);
      expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    });

    it('400, not 500, when the price would not fit', async () => {
      const shipment = await createShipment(api, company, {
        capacityKg: 1_000_000,
        pricePerKgCents: 10_000_000,
      });
      await book(customer, { shipmentId: shipment.id, weightKg: 1000 }).expect(400);
      expect((await shipmentOf(shipment.id)).bookedKg).toBe(0);
    });
  });

  describe('read', () => {
    let mine: string;
    let theirs: string;
    beforeAll(async () => {
      const shipment = await createShipment(api, company);
      const elsewhere = await createShipment(api, otherCompany);
      mine = (await book(customer, { shipmentId: shipment.id, weightKg: 1 }).expect(201)).body.id;
      theirs = (await book(otherCustomer, { shipmentId: elsewhere.id, weightKg: 2 }).expect(201))
        .body.id;
    });

    it('a customer lists their own bookings, newest first', async () => {
      const res = await api
        .http()
        .get('/bookings?limit=100')
        .set(...bearer(customer))
        .expect(200);
      expect(res.body).toMatchObject({ page: 1, limit: 100, total: res.body.items.length });
      expect(
        res.body.items.every(
          (b: { id: string; customerId: string; createdAt: string }) =>
            b.customerId === customer.user.id,
        ),
      ).toBe(true);
      expect(
        res.body.items.map((b: { id: string; customerId: string; createdAt: string }) => b.id),
      ).toContain(mine);
      expect(
        res.body.items.map((b: { id: string; customerId: string; createdAt: string }) => b.id),
      ).not.toContain(theirs);
      const created = res.body.items.map(
        (b: { id: string; customerId: string; createdAt: string }) => b.createdAt,
      );
      expect([...created].sort().reverse()).toEqual(created);
    });

    it('a company member lists the company bookings only', async () => {
      const res = await api
        .http()
        .get('/bookings?limit=100')
        .set(...bearer(otherCompany))
        .expect(200);
      expect(
        res.body.items.map((b: { id: string; customerId: string; createdAt: string }) => b.id),
      ).toEqual([theirs]);
    });

    it('an admin lists every booking', async () => {
      const admin = await loginAdmin(api);
      const res = await api
        .http()
        .get('/bookings?limit=100')
        .set(...bearer(admin))
        .expect(200);
      expect(
        res.body.items.map((b: { id: string; customerId: string; createdAt: string }) => b.id),
      ).toEqual(expect.arrayContaining([mine, theirs]));
      await api
        .http()
        .get(`/bookings/${theirs}`)
        .set(...bearer(admin))
        .expect(200);
    });

    it('filters by status and pages', async () => {
      const res = await api
        .http()
        .get('/bookings?status=CONFIRMED')
        .set(...bearer(otherCompany))
        .expect(200);
      expect(res.body).toEqual({ items: [], total: 0, page: 1, limit: 20 });
      const paged = await api
        .http()
        .get('/bookings?limit=1&page=2')
        .set(...bearer(customer))
        .expect(200);
      expect(paged.body.items).toHaveLength(1);
      expect(paged.body.total).toBeGreaterThan(1);
      for (const bad of ['status=PAID', 'limit=101', 'page=0', 'limit=abc']) {
        await api
          .http()
          .get(`/bookings?${bad}`)
          .set(...bearer(customer))
          .expect(400);
      }
    });

    it('someone else’s booking is 404, a non-UUID id 400', async () => {
      const own = await api
        .http()
        .get(`/bookings/${mine}`)
        .set(...bearer(customer))
        .expect(200);
      expect(own.body).toMatchObject({ id: mine, status: 'PENDING' });
      await api
        .http()
        .get(`/bookings/${mine}`)
        .set(...bearer(company))
        .expect(200);
      for (const who of [otherCustomer, otherCompany]) {
        const res = await api
          .http()
          .get(`/bookings/${mine}`)
          .set(...bearer(who))
          .expect(404);
        expect(res.body).toEqual({
          statusCode: 404,
          error: 'Not Found',
          message: 'Booking not found',
        });
      }
      await api
        .http()
        .get('/bookings/not-a-uuid')
        .set(...bearer(customer))
        .expect(400);
      await api.http().get(`/bookings/${mine}`).expect(401);
    });
  });

  describe('transitions', () => {
    let shipment: { id: string };
    beforeAll(async () => {
      shipment = await createShipment(api, company, { capacityKg: 1000 });
    });
    const newBooking = async (weightKg = 10) =>
      (await book(customer, { shipmentId: shipment.id, weightKg }).expect(201)).body.id as string;
    const typesFor = async (bookingId: string, userId: string) =>
      (
        await stack.sql<{ type: string }>(
          `SELECT type FROM notifications WHERE data->>'bookingId' = $1 AND user_id = $2 ORDER BY created_at`,
          [bookingId, userId],
        )
      ).map((n) => n.type);
    const emailsFor = async (bookingId: string) =>
      (
        await stack.sql<{ event: string; to: string }>(
          `SELECT event, "to" FROM email_outbox WHERE payload->>'bookingId' = $1 ORDER BY created_at`,
          [bookingId],
        )
      ).map((e) => `${e.event} → ${e.to}`);

    it('PENDING → CONFIRMED → DELIVERED, each emailed and notified to the customer', async () => {
      const id = await newBooking();
      const accepted = await act(company, id, 'accept').expect(200);
      expect(accepted.body).toMatchObject({ id, status: 'CONFIRMED' });
      const delivered = await act(company, id, 'deliver').expect(200);
      expect(delivered.body).toMatchObject({ id, status: 'DELIVERED' });
      expect(await typesFor(id, customer.user.id)).toEqual([
        'booking.created',
        'booking.confirmed',
        'booking.delivered',
      ]);
      // The company hears of the new booking only; accepting and delivering are its own doing.
      expect(await typesFor(id, company.user.id)).toEqual(['booking.created']);
      const to = customer.user.email;
      expect(await emailsFor(id)).toEqual([
        `booking.created → ${to}`,
        `booking.confirmed → ${to}`,
        `booking.delivered → ${to}`,
      ]);
    });

    it('refuses every other transition with 409', async () => {
      const pending = await newBooking();
      await act(company, pending, 'deliver').expect(409);

      const confirmed = await newBooking();
      await act(company, confirmed, 'accept').expect(200);
      for (const action of ['accept', 'reject']) await act(company, confirmed, action).expect(409);

      const delivered = await newBooking();
      await act(company, delivered, 'accept').expect(200);
      await act(company, delivered, 'deliver').expect(200);
      for (const action of ['accept', 'reject', 'deliver', 'cancel']) {
        const res = await act(company, delivered, action).expect(409);
        expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
        expect(res.body.message).toMatch(/DELIVERED booking cannot be/);
      }
      await act(customer, delivered, 'cancel').expect(409);

      const rejected = await newBooking();
      await act(company, rejected, 'reject').expect(200);
      for (const action of ['accept', 'reject', 'deliver', 'cancel']) {
        await act(company, rejected, action).expect(409);
      }

      const cancelled = await newBooking();
      await act(customer, cancelled, 'cancel').expect(200);
      for (const action of ['accept', 'reject', 'deliver', 'cancel']) {
        await act(company, cancelled, action).expect(409);
      }
      await act(customer, cancelled, 'cancel').expect(409);
    });

    it('REJECTED and CANCELLED give the capacity back', async () => {
      const before = (await shipmentOf(shipment.id)).bookedKg;
      const rejected = await newBooking(7.5);
      const cancelledPending = await newBooking(2.25);
      const cancelledConfirmed = await newBooking(3);
      expect((await shipmentOf(shipment.id)).bookedKg).toBe(before + 12.75);

      expect((await act(company, rejected, 'reject').expect(200)).body.status).toBe('REJECTED');
      expect((await act(customer, cancelledPending, 'cancel').expect(200)).body.status).toBe(
        'CANCELLED',
      );
      await act(company, cancelledConfirmed, 'accept').expect(200);
      await act(company, cancelledConfirmed, 'cancel').expect(200);
      expect((await shipmentOf(shipment.id)).bookedKg).toBe(before);
    });

    it('a customer’s cancellation is told to the company; the company’s own is not', async () => {
      const byCustomer = await newBooking();
      await act(customer, byCustomer, 'cancel').expect(200);
      expect(await typesFor(byCustomer, company.user.id)).toEqual([
        'booking.created',
        'booking.cancelled',
      ]);
      expect(await typesFor(byCustomer, customer.user.id)).toEqual([
        'booking.created',
        'booking.cancelled',
      ]);

      const byCompany = await newBooking();
      await act(company, byCompany, 'cancel').expect(200);
      expect(await typesFor(byCompany, company.user.id)).toEqual(['booking.created']);
      expect(await typesFor(byCompany, customer.user.id)).toEqual([
        'booking.created',
        'booking.cancelled',
      ]);
      expect(await emailsFor(byCompany)).toEqual([
        `booking.created → ${customer.user.email}`,
        `booking.cancelled → ${customer.user.email}`,
      ]);
    });

    it('keeps to roles: customers cannot accept, strangers get 404 and no data', async () => {
      const id = await newBooking();
      for (const action of ['accept', 'reject', 'deliver']) {
        const res = await act(customer, id, action).expect(403);
        expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      }
      for (const action of ['accept', 'reject', 'deliver', 'cancel']) {
        const res = await act(otherCompany, id, action).expect(404);
        expect(res.body).toEqual({
          statusCode: 404,
          error: 'Not Found',
          message: 'Booking not found',
        });
      }
      await act(otherCustomer, id, 'cancel').expect(404);
      await act(company, 'not-a-uuid', 'accept').expect(400);
      await act(company, randomUUID(), 'accept').expect(404);
      await api.http().post(`/bookings/${id}/accept`).expect(401);
      // Nothing above changed it.
      const res = await api
        .http()
        .get(`/bookings/${id}`)
        .set(...bearer(customer))
        .expect(200);
      expect(res.body.status).toBe('PENDING');
    });

    it('a company MEMBER acts like the owner', async () => {
      const member = await registerCustomer(api);
      await joinCompany(api, stack, company, member);
      const id = await newBooking();
      await act(member, id, 'accept').expect(200);
    });

    it('two racing transitions: exactly one wins', async () => {
      const id = await newBooking(5);
      const before = (await shipmentOf(shipment.id)).bookedKg;
      const results = await Promise.all([
        // Every one of these starts from PENDING only.
        act(company, id, 'accept'),
        act(company, id, 'reject'),
        act(company, id, 'accept'),
        act(company, id, 'reject'),
      ]);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(3);
      const winner = results.find((r) => r.status === 200)!.body.status;
      const after = (await shipmentOf(shipment.id)).bookedKg;
      expect(after).toBe(winner === 'CONFIRMED' ? before : before - 5);
    });
  });

  describe('concurrency', () => {
    it('30 concurrent bookings of 10 kg on 100 kg: exactly 10 succeed', async () => {
      const shipment = await createShipment(api, company, { capacityKg: 100 });
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 30 }, () => book(customer, { shipmentId: shipment.id, weightKg: 10 })),
      );
      const ms = Date.now() - started;
      const codes = results.map((r) => r.status);
      expect(codes.filter((c) => c === 201)).toHaveLength(10);
      expect(codes.filter((c) => c === 409)).toHaveLength(20);
      expect(await shipmentOf(shipment.id)).toMatchObject({ bookedKg: 100, availableKg: 0 });
      const [{ n }] = await stack.sql<{ n: string }>(
        `SELECT count(*) AS n FROM bookings WHERE shipment_id = $1`,
        [shipment.id],
      );
      expect(Number(n)).toBe(10);
      console.log(`30 concurrent bookings on one instance: 10 booked in ${ms} ms`);
    });

    it('100 customers, two API instances, 500 kg: exactly 50 succeed, no 500s', async () => {
      const second = await stack.startApi();
      const shipment = await createShipment(api, company, { capacityKg: 500 });
      const customers = await registerCustomers(api, 100);
      const started = Date.now();
      const results = await Promise.all(
        customers.map((c, i) =>
          book(c, { shipmentId: shipment.id, weightKg: 10 }, i % 2 ? second : api),
        ),
      );
      const ms = Date.now() - started;
      const codes = results.map((r) => r.status);
      expect(codes.filter((c) => c === 201)).toHaveLength(50);
      expect(codes.filter((c) => c === 409)).toHaveLength(50);
      expect(await shipmentOf(shipment.id)).toMatchObject({ bookedKg: 500, availableKg: 0 });
      const [{ n, kg }] = await stack.sql<{ n: string; kg: string }>(
        `SELECT count(*) AS n, sum(weight_kg) AS kg FROM bookings WHERE shipment_id = $1`,
        [shipment.id],
      );
      expect([Number(n), Number(kg)]).toEqual([50, 500]);
      console.log(`100 concurrent bookings over two instances: 50 booked in ${ms} ms`);
    }, 60_000);
  });
});
