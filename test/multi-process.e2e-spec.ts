import { insertBooking } from './support/chat-fixtures';
import { bearer, createShipment, registerCompany, registerCustomer } from './support/fixtures';
import { ApiProcess, asApiInstance, startApiProcess, stopAllProcesses } from './support/processes';
import {
  sentMessage,
  emitWithAck,
  nextDisconnect,
  nextEvent,
  SocketClients,
} from './support/socket-client';
import { TestStack } from './support/test-stack';

/** The search limit under test; every other limit is out of the way. */
const SEARCH_LIMIT = 6;
const LIMITS = {
  THROTTLE_ENABLED: 'true',
  THROTTLE_SEARCH: `${SEARCH_LIMIT}/600`,
  THROTTLE_GLOBAL: '100000/60',
  THROTTLE_REGISTER: '100000/60',
  THROTTLE_LOGIN: '100000/60',
  THROTTLE_BOOKING: '100000/60',
};

/**
 * The cross-process guarantees, with two real API processes (the built `dist`, spawned as
 * children, started once for the file): what one Node process running two Nest apps could fake
 * through shared module state (an in-memory counter, a local revocation set, a local Socket.IO
 * room, a JavaScript mutex) must hold here through Redis and PostgreSQL alone.
 */
describe('two API processes', () => {
  let stack: TestStack;
  let a: ApiProcess;
  let b: ApiProcess;
  const clients = new SocketClients();

  beforeAll(async () => {
    stack = await TestStack.create();
    [a, b] = await Promise.all([
      startApiProcess(stack, LIMITS, 'api-a'),
      startApiProcess(stack, LIMITS, 'api-b'),
    ]);
  }, 120_000);
  afterEach(() => clients.closeAll());
  afterAll(async () => {
    await stopAllProcesses();
    await stack?.close();
  });

  it('share one rate limit: simultaneous searches split over both let exactly the limit through', async () => {
    const answers = await Promise.all(
      Array.from({ length: 4 * SEARCH_LIMIT }, (_, i) =>
        (i % 2 ? a : b).http().get('/shipments/search').query({ origin: 'Faro' }),
      ),
    );
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(SEARCH_LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3 * SEARCH_LIMIT);
    // Each process refused some: neither kept a private count.
    for (const parity of [0, 1]) {
      expect(answers.some((res, i) => i % 2 === parity && res.status === 429)).toBe(true);
    }
    const refused = answers.find((res) => res.status === 429)!;
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.any(String),
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('revoke everywhere: logout on A refuses the token on B at once and drops its socket on B', async () => {
    const customer = await registerCustomer(asApiInstance(a));
    await b
      .http()
      .get('/users/me')
      .set(...bearer(customer))
      .expect(200);
    const socket = await clients.connect(b.url, customer.accessToken);
    const dropped = nextDisconnect(socket);

    await a
      .http()
      .post('/auth/logout')
      .set(...bearer(customer))
      .expect(204);

    const refused = await b
      .http()
      .get('/users/me')
      .set(...bearer(customer))
      .expect(401);
    expect(refused.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    await dropped;
    expect(await clients.connectError(b.url, { token: customer.accessToken })).toBe('unauthorized');
    await b
      .http()
      .post('/auth/refresh-token')
      .send({ refreshToken: customer.refreshToken })
      .expect(401);
  });

  it('deliver chat across processes: a socket on A and a socket on B hear each other', async () => {
    const [customer, company] = await Promise.all([
      registerCustomer(asApiInstance(a)),
      registerCompany(asApiInstance(b)),
    ]);
    const bookingId = await insertBooking(
      stack,
      company.company!.id,
      customer.user.id,
      'CONFIRMED',
    );
    const onA = await clients.connect(a.url, customer.accessToken);
    const onB = await clients.connect(b.url, company.accessToken);
    for (const socket of [onA, onB]) {
      expect(await emitWithAck(socket, 'chat:join', { bookingId })).toEqual({ ok: true });
    }

    const toB = nextEvent(onB, 'chat:message');
    const sentOnA = await emitWithAck(onA, 'chat:send', { bookingId, text: 'Pickup at 9?' });
    expect(await toB).toEqual(sentMessage(sentOnA));
    expect(sentMessage(sentOnA)).toMatchObject({
      senderId: customer.user.id,
      text: 'Pickup at 9?',
    });

    const toA = nextEvent(onA, 'chat:message');
    const sentOnB = await emitWithAck(onB, 'chat:send', { bookingId, text: 'Yes, 9 sharp.' });
    expect(await toA).toEqual(sentMessage(sentOnB));
  });

  it('never oversell: simultaneous bookings split over both processes fill the capacity exactly', async () => {
    const CAPACITY_KG = 20;
    const carrier = await registerCompany(asApiInstance(a));
    const customers = await Promise.all(
      [a, b, a, b].map((api) => registerCustomer(asApiInstance(api))),
    );
    const { id: shipmentId } = await createShipment(asApiInstance(b), carrier, {
      capacityKg: CAPACITY_KG,
      pricePerKgCents: 100,
    });

    const answers = await Promise.all(
      Array.from({ length: 2 * CAPACITY_KG }, (_, i) =>
        (i % 2 ? a : b)
          .http()
          .post('/bookings')
          .set(...bearer(customers[i % customers.length]))
          .send({ shipmentId, weightKg: 1 }),
      ),
    );
    const created = answers.filter((res) => res.status === 201);
    const refused = answers.filter((res) => res.status === 409);
    expect(created).toHaveLength(CAPACITY_KG);
    expect(refused).toHaveLength(CAPACITY_KG);
    for (const res of refused) {
      expect(res.body.message).toMatch(/^Not enough capacity left on this shipment/);
    }
    // Both processes booked some: the capacity was shared, not served by one of them.
    for (const parity of [0, 1]) {
      expect(answers.some((res, i) => i % 2 === parity && res.status === 201)).toBe(true);
    }

    const shipment = await a.http().get(`/shipments/${shipmentId}`).expect(200);
    expect(shipment.body).toMatchObject({ bookedKg: CAPACITY_KG, availableKg: 0 });
    const [{ live }] = await stack.sql<{ live: string }>(
      `SELECT coalesce(sum(weight_kg), 0) AS live FROM bookings
        WHERE shipment_id = $1 AND status IN ('PENDING','CONFIRMED','DELIVERED')`,
      [shipmentId],
    );
    expect(Number(live)).toBe(CAPACITY_KG);
  });
});
