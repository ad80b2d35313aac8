import Redis from 'ioredis';
import type { AuthUser } from '../../src/auth/auth-user';
import { BookingsService } from '../../src/bookings/bookings.service';
import { bearer, registerCompany, registerCustomer, SignedIn } from '../support/fixtures';
import { countBy, Sample, steadyLoad } from '../support/load';
import { PrivateRedis } from '../support/redis-server';
import { SmtpSink } from '../support/smtp-sink';
import { ApiInstance, TestStack } from '../support/test-stack';

const RATE = Number(process.env.RESILIENCE_RATE ?? 45); // requests per second, all routes together
const SECONDS = Number(process.env.RESILIENCE_SECONDS ?? 12);
const DOWN_AT_MS = 3000;
const DOWN_FOR_MS = Number(process.env.RESILIENCE_DOWN_MS ?? 5000);
/**
 * "Never hangs" bound: no answer may take longer than this, outage or not (each Redis command
 * gives up after 1 s; generous because CI machines are loaded). Not a latency measurement.
 */
const NEVER_HANGS_MS = 10_000;

/**
 * Redis restarted mid-traffic (a private redis-server with an append-only file, killed and
 * started again): routes that do not need Redis keep answering, routes that do answer 503 in the
 * error shape within a bounded time, everything recovers without restarting any process, no
 * email is lost and no booking is oversold.
 */
describe('resilience: Redis restarted mid-traffic', () => {
  let redis: PrivateRedis;
  let smtp: SmtpSink;
  let stack: TestStack;
  let api: ApiInstance;
  let customer: SignedIn;
  let carrier: SignedIn;
  let shipmentIds: string[];
  let nextShipment = 0;
  /** Bookings rotate over a few shipments: the outage is under test, not per-shipment lock contention. */
  const shipmentId = () => shipmentIds[nextShipment++ % shipmentIds.length];

  beforeAll(async () => {
    redis = await PrivateRedis.start({ persist: true });
    smtp = await SmtpSink.start();
    stack = await TestStack.create({
      REDIS_URL: redis.url,
      SMTP_URL: smtp.url,
      THROTTLE_ENABLED: 'true',
      THROTTLE_GLOBAL: '100000/60',
      THROTTLE_SEARCH: '100000/60',
      THROTTLE_BOOKING: '100000/60',
    });
    api = await stack.startApi();
    await stack.startWorker();
    [customer, carrier] = await Promise.all([registerCustomer(api), registerCompany(api)]);
    shipmentIds = [];
    for (let i = 0; i < 4; i++) {
      const shipment = await api
        .http()
        .post('/shipments')
        .set(...bearer(carrier))
        .send({
          origin: 'Porto',
          destination: 'Madrid',
          departureAt: new Date(Date.now() + (i + 1) * 86400_000).toISOString(),
          capacityKg: 60,
          pricePerKgCents: 100,
          mode: 'RAIL',
        })
        .expect(201);
      shipmentIds.push(shipment.body.id);
    }
  });
  afterAll(async () => {
    await stack.close();
    await redis.stop();
    await smtp.close();
  });

  it('keeps serving what does not need Redis, answers 503 quickly for what does, and recovers', async () => {
    const routes = {
      search: () =>
        api.http().get('/shipments/search').query({ origin: 'porto', destination: 'MADRID' }),
      profile: () =>
        api
          .http()
          .get('/users/me')
          .set(...bearer(customer)),
      booking: () =>
        api
          .http()
          .post('/bookings')
          .set(...bearer(customer))
          .send({ shipmentId: shipmentId(), weightKg: 1 }),
    };
    const names = Object.keys(routes) as (keyof typeof routes)[];
    const byRoute: Record<string, Sample[]> = { search: [], profile: [], booking: [] };
    const shapes: unknown[] = [];
    let n = 0;

    // The customer as the JwtGuard hands them to the service (sid/jti/exp are not used by it).
    const signedIn: AuthUser = {
      ...customer.user,
      name: 'Casey Customer',
      role: 'CUSTOMER',
      companyRole: null,
      createdAt: new Date(),
      sid: 'outage',
      jti: 'outage',
      exp: 0,
    };
    const outage = (async () => {
      await new Promise((r) => setTimeout(r, DOWN_AT_MS));
      await redis.stop();
      // A booking request arriving now cannot have its token checked: 503, nothing booked.
      const refused = await api
        .http()
        .post('/bookings')
        .set(...bearer(customer))
        .send({ shipmentId: shipmentId(), weightKg: 1 });
      // A booking whose request passed the guard just before Redis went down commits now (the
      // shipment lock is unavailable: the database guard alone): its email is recorded in the
      // outbox while the queue is unreachable, and must be delivered once Redis is back.
      const committed = await api.app
        .get(BookingsService)
        .create(signedIn, { shipmentId: shipmentId(), weightKg: 1 });
      await new Promise((r) => setTimeout(r, DOWN_FOR_MS));
      await redis.start();
      return { refused, committed };
    })();

    const samples = await steadyLoad(RATE, SECONDS, async () => {
      const name = names[n++ % names.length];
      const started = Date.now();
      const res = await routes[name]();
      byRoute[name].push({ at: started, status: res.status, ms: Date.now() - started });
      if (res.status >= 500) shapes.push(res.body);
      return res.status;
    });
    const duringOutage = await outage;

    const report = Object.fromEntries(
      names.map((name) => [name, countBy(byRoute[name], (s) => s.status)]),
    );
    const slow = names.flatMap((name) =>
      byRoute[name].filter((x) => x.ms > 1500).map((x) => `${name}:${x.status}:${x.ms}ms`),
    );
    console.log(
      'Redis outage, statuses by route:',
      JSON.stringify(report),
      'answers over 1.5 s:',
      slow.join(' ') || 'none',
    );

    expect(samples.every((s) => s.status !== 0 && s.status !== 500)).toBe(true);
    expect(Math.max(...samples.map((s) => s.ms))).toBeLessThan(NEVER_HANGS_MS);
    expect(byRoute.search.every((s) => s.status === 200)).toBe(true);
    expect(byRoute.profile.some((s) => s.status === 503)).toBe(true);
    expect(duringOutage.refused.status).toBe(503);
    expect(duringOutage.refused.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.any(String),
    });
    expect(duringOutage.committed).toMatchObject({ status: 'PENDING', weightKg: 1 });
    for (const body of shapes)
      expect(body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: expect.any(String),
      });

    // Recovery without restarting anything: the same token works again, bookings go through.
    const recovery = Date.now();
    let status = 0;
    while (status !== 200 && Date.now() - recovery < 10_000) {
      status = (await routes.profile()).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    console.log('recovered within', Date.now() - recovery, 'ms of the end of traffic');
    await routes.booking().expect(201);

    // No booking oversold: booked capacity is exactly what the live bookings hold.
    const shipments = await stack.sql<{ booked: string; capacity: string; live: string }>(
      `SELECT s.booked_kg AS booked, s.capacity_kg AS capacity,
              (SELECT coalesce(sum(weight_kg), 0) FROM bookings b WHERE b.shipment_id = s.id AND b.status IN ('PENDING','CONFIRMED','DELIVERED')) AS live
         FROM shipments s WHERE s.id = ANY($1)`,
      [shipmentIds],
    );
    for (const shipment of shipments) {
      expect(Number(shipment.booked)).toBe(Number(shipment.live));
      expect(Number(shipment.booked)).toBeLessThanOrEqual(Number(shipment.capacity));
    }

    // No email lost: every booking.created email recorded, including during the outage, arrives once.
    const created = await stack.sql<{ n: string }>(
      `SELECT count(*) AS n FROM email_outbox WHERE event = 'booking.created'`,
    );
    const expected = Number(created[0].n);
    const [outageEmail] = await stack.sql<{ to: string }>(
      `SELECT "to" FROM email_outbox WHERE event = 'booking.created' AND payload->>'bookingId' = $1`,
      [duringOutage.committed.id],
    );
    expect(outageEmail).toEqual({ to: customer.user.email });
    await smtp.waitFor(
      (messages) =>
        messages.filter((m) => m.headers['x-parcsal-event'] === 'booking.created').length >=
        expected,
      30_000,
    );
    expect(smtp.find('booking.created')).toHaveLength(expected);
    // Including the one recorded while Redis was down: SMTP accepted it (sent_at is set then).
    const [outageRow] = await stack.sql<{ sent: boolean }>(
      `SELECT sent_at IS NOT NULL AS sent FROM email_outbox
        WHERE payload->>'bookingId' = $1 AND event = 'booking.created'`,
      [duringOutage.committed.id],
    );
    expect(outageRow.sent).toBe(true);
  }, 120_000);

  it('writes every Redis key under REDIS_KEY_PREFIX, queues included', async () => {
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('*');
      expect(keys.some((k) => k.includes('{bull}'))).toBe(true);
      expect(keys.filter((k) => !k.startsWith(stack.prefix))).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
