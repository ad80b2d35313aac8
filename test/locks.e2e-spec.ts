import { randomUUID } from 'node:crypto';
import { LockService } from '../src/locks';
import {
  bearer,
  createShipment,
  registerCompany,
  registerCustomer,
  SignedIn,
} from './support/fixtures';
import { counterValue, deferred, waiterQueued } from './support/ordering';
import { ApiInstance, TestStack } from './support/test-stack';
import { TEST_REDIS_CLUSTER_NODES } from './support/test-env';

const RETRIES = 'parcsal_lock_contention_retries_total';

/** A port nothing listens on: the lock's Redis is down (the main Redis is fine). */
const DEAD_LOCK_REDIS = { LOCK_REDIS_URLS: 'redis://127.0.0.1:1' };

describe('locks', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let second: ApiInstance;
  let company: SignedIn;
  let customer: SignedIn;

  beforeAll(async () => {
    stack = await TestStack.create();
    [api, second] = [await stack.startApi(), await stack.startApi()];
    [company, customer] = await Promise.all([registerCompany(api), registerCustomer(api)]);
  });
  afterAll(() => stack.close());

  const shipment = async (capacityKg: number, on = api) =>
    (await createShipment(on, company, { capacityKg, pricePerKgCents: 100 })).id;
  const book = (on: ApiInstance, shipmentId: string, weightKg: number) =>
    on
      .http()
      .post('/bookings')
      .set(...bearer(customer))
      .send({ shipmentId, weightKg });

  it('excludes holders on two API instances, with the keys of the one key builder', async () => {
    const key = `test:${randomUUID()}`;
    // On a Cluster every lock key carries the `{lock}` hash tag (one slot for multi-key locks).
    const stored = `${stack.prefix}${TEST_REDIS_CLUSTER_NODES ? '{lock}' : 'lock'}:${key}`;
    const [a, b] = [api.app.get(LockService), second.app.get(LockService)];
    const log: string[] = [];
    const acquired = deferred();
    const retriesBefore = await counterValue(second.app, RETRIES);
    const holder = a.withLock([key], 1000, async () => {
      log.push('a in');
      acquired.fire();
      expect(await stack.redis().get(stored)).toEqual(expect.any(String));
      // Held until b has been refused at least once: b really waited for a.
      await waiterQueued(second.app, retriesBefore);
      log.push('a out');
    });
    await acquired.promise;
    await b.withLock([key], 1000, async () => log.push('b in'));
    await holder;
    expect(log).toEqual(['a in', 'a out', 'b in']);
    expect(await stack.redis().exists(stored)).toBe(0);
  });

  it('a booking queued behind a held shipment lock waits, then goes through', async () => {
    const id = await shipment(100);
    const locks = api.app.get(LockService);
    const acquired = deferred();
    const letGo = deferred();
    const retriesBefore = await counterValue(second.app, RETRIES, { lock: 'booking:shipment' });
    const holder = locks.withLock([`booking:shipment:${id}`], 1000, async () => {
      acquired.fire();
      await letGo.promise;
    });
    await acquired.promise;
    let answeredWhileHeld = false;
    const request = book(second, id, 5).then((res) => {
      answeredWhileHeld = !letGo.fired;
      return res;
    });
    // The booking is queued behind the lock (its instance retried it), nothing reserved yet.
    await waiterQueued(second.app, retriesBefore, 'booking:shipment');
    const during = await api.http().get(`/shipments/${id}`).expect(200);
    expect(during.body.bookedKg).toBe(0);
    letGo.fire();
    await holder;
    const res = await request;
    expect(res.status).toBe(201);
    expect(answeredWhileHeld).toBe(false);
    const after = await api.http().get(`/shipments/${id}`).expect(200);
    expect(after.body.bookedKg).toBe(5);
  });

  it('LockBusyError: a lock held past the wait budget is a 409 with a clear message', async () => {
    const id = await shipment(100);
    const locks = api.app.get(LockService);
    const acquired = deferred();
    const letGo = deferred();
    const retriesBefore = await counterValue(second.app, RETRIES, { lock: 'booking:shipment' });
    // Held (and extended) until the refused request has answered: the 409 comes from the wait
    // budget running out, not from the holder letting go.
    const holder = locks.withLock([`booking:shipment:${id}`], 2000, async () => {
      acquired.fire();
      await letGo.promise;
    });
    await acquired.promise;
    const res = await book(second, id, 5).expect(409);
    letGo.fire();
    expect(res.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'This shipment is being changed by another request, try again shortly',
    });
    // It waited (retried) before giving up rather than refusing at the first attempt.
    expect(await counterValue(second.app, RETRIES, { lock: 'booking:shipment' })).toBeGreaterThan(
      retriesBefore + 1,
    );
    await holder;
    // Nothing was reserved by the refused request.
    const after = await api.http().get(`/shipments/${id}`).expect(200);
    expect(after.body.bookedKg).toBe(0);
    const metrics = await second.http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /parcsal_lock_failures_total\{lock="booking:shipment",reason="busy"\} 1/,
    );
  }, 30_000);

  it('reports acquisitions, contention and hold time in /metrics', async () => {
    const id = await shipment(1000);
    await Promise.all(Array.from({ length: 5 }, () => book(api, id, 1).expect(201)));
    const { text } = await api.http().get('/metrics').expect(200);
    expect(text).toMatch(/parcsal_lock_acquisitions_total\{lock="booking:shipment"\} \d+/);
    expect(text).toMatch(/parcsal_lock_hold_seconds_count\{lock="booking:shipment"\} \d+/);
    expect(text).toContain('parcsal_lock_contention_retries_total');
  });

  describe('lock Redis down', () => {
    let degraded: ApiInstance;
    beforeAll(async () => {
      degraded = await stack.startApi(DEAD_LOCK_REDIS);
    });

    it('bookings fall back to the database guard: still never oversold', async () => {
      const id = await shipment(100, degraded);
      const results = await Promise.all(Array.from({ length: 30 }, () => book(degraded, id, 10)));
      const codes = results.map((r) => r.status);
      expect(codes.filter((c) => c === 201)).toHaveLength(10);
      expect(codes.filter((c) => c === 409)).toHaveLength(20);
      const after = await degraded.http().get(`/shipments/${id}`).expect(200);
      expect(after.body).toMatchObject({ bookedKg: 100, availableKg: 0 });
      const { text } = await degraded.http().get('/metrics').expect(200);
      expect(text).toMatch(
        /parcsal_lock_failures_total\{lock="booking:shipment",reason="unavailable"\} \d+/,
      );
      expect(text).not.toMatch(/reason="busy"/);
    });

    it('payments fail closed: 503, nothing charged', async () => {
      const id = await shipment(100);
      const booking = await book(api, id, 1).expect(201);
      await api
        .http()
        .post(`/bookings/${booking.body.id}/accept`)
        .set(...bearer(company))
        .expect(200);
      const res = await degraded
        .http()
        .post(`/bookings/${booking.body.id}/pay`)
        .set(...bearer(customer))
        .set('Idempotency-Key', randomUUID())
        .expect(503);
      expect(res.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
      const [{ n }] = await stack.sql<{ n: string }>(
        'SELECT count(*) AS n FROM payments WHERE booking_id = $1',
        [booking.body.id],
      );
      expect(Number(n)).toBe(0);
    });
  });
});
