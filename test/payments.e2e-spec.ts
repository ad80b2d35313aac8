import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { DomainEvent, PaymentSucceededEvent } from '../src/events/domain-events';
import { PAYMENT_PROVIDER } from '../src/payments/payment-provider';
import { SimulatedPaymentProvider } from '../src/payments/simulated-payment.provider';
import {
  bearer,
  createShipment,
  registerCompany,
  registerCustomer,
  SignedIn,
} from './support/fixtures';
import { ApiInstance, TestStack } from './support/test-stack';

describe('payments', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let second: ApiInstance;
  let company: SignedIn;
  let customer: SignedIn;
  let otherCustomer: SignedIn;
  let shipmentId: string;

  const providerOf = (instance: ApiInstance) =>
    instance.app.get<SimulatedPaymentProvider>(PAYMENT_PROVIDER);
  /** Real charges made, summed over both API instances. */
  const charges = () => providerOf(api).charges.length + providerOf(second).charges.length;

  beforeAll(async () => {
    stack = await TestStack.create();
    [api, second] = [await stack.startApi(), await stack.startApi()];
    [company, customer, otherCustomer] = await Promise.all([
      registerCompany(api),
      registerCustomer(api),
      registerCustomer(api),
    ]);
    shipmentId = (await createShipment(api, company, { capacityKg: 10_000, pricePerKgCents: 199 }))
      .id;
  });
  beforeEach(() => {
    providerOf(api).reset();
    providerOf(second).reset();
  });
  afterAll(() => stack.close());

  /** A booking of `weightKg`, accepted by the company unless told otherwise. */
  async function booking(weightKg = 10, confirm = true, who = customer): Promise<string> {
    const res = await api
      .http()
      .post('/bookings')
      .set(...bearer(who))
      .send({ shipmentId, weightKg })
      .expect(201);
    if (confirm) {
      await api
        .http()
        .post(`/bookings/${res.body.id}/accept`)
        .set(...bearer(company))
        .expect(200);
    }
    return res.body.id;
  }

  const pay = (id: string, key: string | null, who: SignedIn = customer, on = api) => {
    const req = on
      .http()
      .post(`/bookings/${id}/pay`)
      .set(...bearer(who));
    return key === null ? req : req.set('Idempotency-Key', key);
  };

  it('charges a confirmed booking once and replays the same payment for the same key', async () => {
    const id = await booking(12.5);
    const key = randomUUID();
    const first = await pay(id, key).expect(201);
    expect(first.body).toEqual({
      paymentId: expect.any(String),
      status: 'SUCCEEDED',
      amountCents: Math.round(12.5 * 199),
    });
    const again = await pay(id, key).expect(201);
    expect(again.body).toEqual(first.body);
    expect(charges()).toBe(1);
    expect(providerOf(api).charges[0]).toMatchObject({
      idempotencyKey: expect.any(String),
      amountCents: first.body.amountCents,
      reference: id,
    });

    const other = await pay(id, randomUUID()).expect(409);
    expect(other.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'This booking is already paid',
    });
    expect(charges()).toBe(1);
    const rows = await stack.sql(
      `SELECT status, amount_cents, idempotency_key FROM payments WHERE booking_id = $1`,
      [id],
    );
    expect(rows).toEqual([
      { status: 'SUCCEEDED', amount_cents: first.body.amountCents, idempotency_key: key },
    ]);
  });

  it('announces a succeeded payment after commit', async () => {
    const id = await booking();
    const seen: PaymentSucceededEvent[] = [];
    const events = api.app.get(EventEmitter2);
    const listener = (event: PaymentSucceededEvent) => seen.push(event);
    events.on(DomainEvent.PaymentSucceeded, listener);
    try {
      const res = await pay(id, randomUUID()).expect(201);
      await pay(id, randomUUID()).expect(409);
      expect(seen).toEqual([
        {
          paymentId: res.body.paymentId,
          bookingId: id,
          companyId: company.company!.id,
          customerId: customer.user.id,
        },
      ]);
    } finally {
      events.off(DomainEvent.PaymentSucceeded, listener);
    }
  });

  it('needs a valid Idempotency-Key header', async () => {
    const id = await booking();
    for (const key of [null, '', 'k'.repeat(256), 'naïve-key']) {
      const res = await pay(id, key).expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: ['Idempotency-Key header is required: 1 to 255 printable ASCII characters'],
      });
    }
    await pay(id, 'k'.repeat(255)).expect(201);
    expect(charges()).toBe(1);
  });

  it('only a CONFIRMED booking can be paid', async () => {
    const pending = await booking(1, false);
    const res = await pay(pending, randomUUID()).expect(409);
    expect(res.body.message).toBe('Only a CONFIRMED booking can be paid; this one is PENDING');
    await api
      .http()
      .post(`/bookings/${pending}/cancel`)
      .set(...bearer(customer))
      .expect(200);
    await pay(pending, randomUUID()).expect(409);
    expect(charges()).toBe(0);
  });

  it('someone else’s booking is 404; a key of another booking is 409', async () => {
    const id = await booking();
    for (const who of [otherCustomer, company]) {
      const res = await pay(id, randomUUID(), who).expect(404);
      expect(res.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'Booking not found',
      });
    }
    await pay(randomUUID(), randomUUID()).expect(404);
    await pay('not-a-uuid', randomUUID()).expect(400);
    await api.http().post(`/bookings/${id}/pay`).set('Idempotency-Key', 'k').expect(401);

    const key = randomUUID();
    await pay(id, key).expect(201);
    const another = await booking();
    const reused = await pay(another, key).expect(409);
    expect(reused.body.message).toMatch(/Idempotency-Key was already used/);
    expect(charges()).toBe(1);
  });

  it('keys are scoped to the customer: another customer using my key pays as if it were new', async () => {
    const mine = await booking(2);
    const key = randomUUID();
    const paid = await pay(mine, key).expect(201);

    // The other customer, same key, their own booking: a payment of their own, on either instance.
    const theirs = await booking(3, true, otherCustomer);
    const res = await pay(theirs, key, otherCustomer, second).expect(201);
    expect(res.body).toEqual({
      paymentId: expect.any(String),
      status: 'SUCCEEDED',
      amountCents: 3 * 199,
    });
    expect(res.body.paymentId).not.toBe(paid.body.paymentId);
    const replayed = await pay(theirs, key, otherCustomer).expect(201);
    expect(replayed.body).toEqual(res.body);
    // Two real charges, under keys the provider cannot confuse.
    expect(charges()).toBe(2);
    const [first, last] = [...providerOf(api).charges, ...providerOf(second).charges];
    expect(first.idempotencyKey).not.toBe(last.idempotencyKey);

    // Mine is untouched: the same key still replays my payment, and mine only.
    expect((await pay(mine, key).expect(201)).body).toEqual(paid.body);
    // Their booking is still not mine, whatever the key.
    await pay(theirs, key).expect(404);
    expect(charges()).toBe(2);
  });

  it('a declined charge is a 402 that its key replays; a new key may retry', async () => {
    const id = await booking(3);
    providerOf(api).failNextCharges(1, 'insufficient_funds');
    const key = randomUUID();
    const declined = await pay(id, key).expect(402);
    expect(declined.body).toEqual({
      statusCode: 402,
      error: 'Payment Required',
      message: 'Payment declined: insufficient_funds',
      paymentId: expect.any(String),
      status: 'FAILED',
      amountCents: 3 * 199,
    });
    const replay = await pay(id, key).expect(402);
    expect(replay.body).toEqual(declined.body);
    expect(charges()).toBe(0);
    expect(providerOf(api).declines).toHaveLength(1);

    const retried = await pay(id, randomUUID()).expect(201);
    expect(retried.body.status).toBe('SUCCEEDED');
    expect(retried.body.paymentId).not.toBe(declined.body.paymentId);
    expect(charges()).toBe(1);
  });

  it('10 concurrent calls with one key: one charge, one payment in every body', async () => {
    const id = await booking();
    providerOf(api).setLatency(150);
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 10 }, () => pay(id, key)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(results.map((r) => r.body.paymentId)).size).toBe(1);
    expect(charges()).toBe(1);
  });

  it('20 concurrent calls over two instances, with and without one key: exactly one charge', async () => {
    const id = await booking();
    providerOf(api).setLatency(100);
    providerOf(second).setLatency(100);
    const shared = randomUUID();
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        pay(id, i % 2 ? shared : randomUUID(), customer, i % 4 < 2 ? api : second),
      ),
    );
    const ms = Date.now() - started;
    expect(charges()).toBe(1);
    const codes = results.map((r) => r.status);
    expect(codes.every((c) => c === 201 || c === 409)).toBe(true);
    const paymentIds = new Set(
      results.filter((r) => r.status === 201).map((r) => r.body.paymentId),
    );
    expect(paymentIds.size).toBe(1);
    const [{ n }] = await stack.sql<{ n: string }>(
      `SELECT count(*) AS n FROM payments WHERE booking_id = $1 AND status = 'SUCCEEDED'`,
      [id],
    );
    expect(Number(n)).toBe(1);
    // Whoever won, every later call with the shared key gets that same payment back.
    const replay = await pay(id, shared, customer, second);
    if (replay.status === 201) expect(paymentIds).toContain(replay.body.paymentId);
    else expect(replay.status).toBe(409);
    console.log(`20 concurrent pay calls over two instances: 1 charge, ${ms} ms`);
  });
});
