import { bearer, registerCompany, registerCustomer, SignedIn } from '../support/fixtures';
import {
  ApiProcess,
  asApiInstance,
  formatFigures,
  startApiProcess,
  stopAllProcesses,
} from '../support/processes';
import { TestStack } from '../support/test-stack';

/** Bookings that fit: capacity is sized for N of them (weights 1-3 kg, 2 kg on average). */
const N = 20;
const CAPACITY_KG = 2 * N;
const weightOf = (i: number) => 1 + (i % 3);
const REQUEST_TIMEOUT_MS = 30_000;

interface Outcome {
  api: 'killed' | 'survivor';
  weightKg: number;
  /** 0: no HTTP answer (connection reset by the kill, or timeout). */
  status: number;
  /** A 409 because the shipment is full (not because its lock was busy). */
  full: boolean;
  bookingId?: string;
  ms: number;
}

/**
 * Two API processes on one stack take 2N concurrent bookings for a shipment with room for N;
 * one of them is SIGKILLed while most requests are still in flight (queued on the shipment lock
 * or inside their transaction). Whatever the killed process was doing, the database keeps the
 * capacity invariant (its open transactions roll back, a reservation and its booking row commit
 * together), the lock it held expires, and the other process keeps answering.
 */
describe('resilience: API process killed mid-request during concurrent bookings', () => {
  let stack: TestStack;
  let killed: ApiProcess;
  let survivor: ApiProcess;
  let carrier: SignedIn;
  let customers: SignedIn[];

  beforeAll(async () => {
    stack = await TestStack.create();
    [killed, survivor] = await Promise.all([
      startApiProcess(stack, {}, 'api-killed'),
      startApiProcess(stack, {}, 'api-survivor'),
    ]);
    const api = asApiInstance(survivor);
    carrier = await registerCompany(api);
    customers = await Promise.all([1, 2, 3, 4].map(() => registerCustomer(api)));
  }, 90_000);
  afterAll(async () => {
    await stopAllProcesses();
    await stack?.close();
  });

  async function createShipment(capacityKg: number): Promise<string> {
    const res = await survivor
      .http()
      .post('/shipments')
      .set(...bearer(carrier))
      .send({
        origin: 'Lisbon',
        destination: 'Berlin',
        departureAt: new Date(Date.now() + 3 * 86400_000).toISOString(),
        capacityKg,
        pricePerKgCents: 150,
        mode: 'ROAD',
      })
      .expect(201);
    return res.body.id;
  }

  async function book(
    api: ApiProcess,
    customer: SignedIn,
    shipmentId: string,
    weightKg: number,
  ): Promise<{ status: number; id?: string; message?: string }> {
    try {
      const res = await fetch(`${api.url}/bookings`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${customer.accessToken}`,
        },
        body: JSON.stringify({ shipmentId, weightKg }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = (await res.json()) as { id?: string; message?: string };
      return { status: res.status, id: body.id, message: body.message };
    } catch {
      return { status: 0 };
    }
  }

  it('keeps booked capacity equal to the live bookings, within capacity, and the survivor serving', async () => {
    const shipmentId = await createShipment(CAPACITY_KG);
    let killedServes: () => void = () => undefined;
    const killedAnswered = new Promise<void>((resolve) => (killedServes = resolve));

    const started = Date.now();
    const requests = Array.from({ length: 2 * N }, async (_, i): Promise<Outcome> => {
      const target = i % 2 === 0 ? killed : survivor;
      const t0 = Date.now();
      const result = await book(target, customers[i % customers.length], shipmentId, weightOf(i));
      if (target === killed && result.status !== 0) killedServes();
      return {
        api: target === killed ? 'killed' : 'survivor',
        weightKg: weightOf(i),
        status: result.status,
        full:
          result.status === 409 && !/being changed by another request/.test(result.message ?? ''),
        bookingId: result.id,
        ms: Date.now() - t0,
      };
    });
    // Its first answer shows the doomed process serving bookings; its other requests are queued
    // on the shipment lock or inside their transaction when it dies.
    // (Bounded: if it never answers, it dies anyway with its requests in flight.)
    await Promise.race([killedAnswered, new Promise((r) => setTimeout(r, 15_000))]);
    const exit = await killed.process.kill('SIGKILL');
    const killedAt = Date.now();

    // Meanwhile the survivor keeps answering, reads and writes: time from the kill to a booking
    // on another shipment (the dead process may still hold this shipment's lock until it expires).
    const probe = (async () => {
      const health = await survivor.http().get('/health');
      const other = await createShipment(10);
      const booked = await book(survivor, customers[0], other, 1);
      return { health: health.status, booked: booked.status, ms: Date.now() - killedAt };
    })();
    const outcomes = await Promise.all(requests);
    const after = await probe;

    const [shipment] = await stack.sql<{ booked: string; capacity: string; live: string }>(
      `SELECT s.booked_kg AS booked, s.capacity_kg AS capacity,
              (SELECT coalesce(sum(weight_kg), 0) FROM bookings b
                WHERE b.shipment_id = s.id AND b.status IN ('PENDING','CONFIRMED','DELIVERED')) AS live
         FROM shipments s WHERE s.id = $1`,
      [shipmentId],
    );
    const rows = await stack.sql<{ id: string; weight: string; status: string }>(
      `SELECT id, weight_kg AS weight, status FROM bookings WHERE shipment_id = $1`,
      [shipmentId],
    );

    const count = (api: Outcome['api'], status: number) =>
      outcomes.filter((o) => o.api === api && o.status === status).length;
    const created = outcomes.filter((o) => o.status === 201);
    const others = (api: Outcome['api']) =>
      outcomes.filter((o) => o.api === api && ![0, 201, 409].includes(o.status)).length;
    console.log(
      formatFigures('API SIGKILL mid-request, concurrent bookings', [
        ['requests (2N, half to each API)', outcomes.length],
        ['API start-up, ms', `${killed.startupMs} / ${survivor.startupMs}`],
        ['kill after, ms', killedAt - started],
        [
          'killed API: 201 / 409 / no answer / other',
          `${count('killed', 201)} / ${count('killed', 409)} / ${count('killed', 0)} / ${others('killed')}`,
        ],
        [
          'survivor: 201 / 409 / no answer / other',
          `${count('survivor', 201)} / ${count('survivor', 409)} / ${count('survivor', 0)} / ${others('survivor')}`,
        ],
        [
          'slowest survivor answer, ms',
          Math.max(...outcomes.filter((o) => o.api === 'survivor').map((o) => o.ms)),
        ],
        [
          '409 shipment full / 409 lock busy',
          `${outcomes.filter((o) => o.full).length} / ${outcomes.filter((o) => o.status === 409 && !o.full).length}`,
        ],
        ['booking rows / 201 answers', `${rows.length} / ${created.length}`],
        ['committed without an answer (killed mid-response)', rows.length - created.length],
        [
          'booked_kg / live bookings kg / capacity',
          `${Number(shipment.booked)} / ${Number(shipment.live)} / ${Number(shipment.capacity)}`,
        ],
        ['kill to a new booking on the survivor, ms', after.ms],
      ]),
    );

    expect(exit.signal).toBe('SIGKILL');
    // The kill landed mid-request: some requests to the killed API got no answer.
    expect(count('killed', 0)).toBeGreaterThan(0);
    // The survivor answered every request, with a booking or a conflict, never an error.
    expect(
      outcomes.filter((o) => o.api === 'survivor').every((o) => [201, 409].includes(o.status)),
    ).toBe(true);
    // Capacity invariant: booked = live bookings, within capacity; every 201 is a stored booking.
    expect(Number(shipment.booked)).toBe(Number(shipment.live));
    expect(Number(shipment.booked)).toBeLessThanOrEqual(CAPACITY_KG);
    const stored = new Map(rows.map((r) => [r.id, r]));
    for (const o of created) {
      expect(Number(stored.get(o.bookingId!)?.weight)).toBe(o.weightKg);
    }
    expect(rows.length).toBeGreaterThanOrEqual(created.length);
    expect(rows.every((r) => r.status === 'PENDING')).toBe(true);
    // A request refused because the shipment was full proves it was filled to within one
    // booking (3 kg at most); lock-busy 409s (the dead process's lock until it expires) do not.
    if (outcomes.some((o) => o.full))
      expect(Number(shipment.booked)).toBeGreaterThan(CAPACITY_KG - 3);

    expect(after.health).toBe(200);
    expect(after.booked).toBe(201);
    expect(survivor.process.running).toBe(true);
    // And the survivor stops cleanly on SIGTERM (exit code 0, as the contract says).
    expect(await survivor.process.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 90_000);
});
