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

/** Why a 409 was answered, from its message; anything else a 409 says is unexpected. */
const CONFLICTS = {
  full: /^Not enough capacity left on this shipment/,
  busy: /being changed by another request, try again shortly$/,
  changed: /^The shipment changed during the booking, try again$/,
};
type Conflict = keyof typeof CONFLICTS;

interface Answer {
  /** 0: no HTTP answer at all (connection refused or reset by the kill, or timeout). */
  status: number;
  /** The body did not arrive whole (the process died after sending the status line). */
  cutOff?: boolean;
  id?: string;
  message?: string;
}

interface Outcome extends Answer {
  api: 'killed' | 'survivor';
  weightKg: number;
  /** For a 409: which conflict it reports (undefined: a message nobody expects). */
  conflict?: Conflict;
  ms: number;
}

const conflictOf = (message = ''): Conflict | undefined =>
  (Object.keys(CONFLICTS) as Conflict[]).find((name) => CONFLICTS[name].test(message));

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
  ): Promise<Answer> {
    let res: Response;
    try {
      res = await fetch(`${api.url}/bookings`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${customer.accessToken}`,
        },
        body: JSON.stringify({ shipmentId, weightKg }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      return { status: 0 };
    }
    // A status line without a whole JSON body is kept as such, not folded into "no answer":
    // only the killed process may answer like that (the assertions below check it).
    const text = await res.text().catch(() => null);
    try {
      const body = JSON.parse(text ?? '') as { id?: string; message?: string };
      return { status: res.status, id: body.id, message: body.message };
    } catch {
      return { status: res.status, cutOff: true };
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
        ...result,
        api: target === killed ? 'killed' : 'survivor',
        weightKg: weightOf(i),
        conflict: result.status === 409 ? conflictOf(result.message) : undefined,
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
      outcomes.filter((o) => o.api === api && o.status === status && !o.cutOff).length;
    const created = outcomes.filter((o) => o.status === 201 && !o.cutOff);
    const conflicts = (conflict: Conflict) => outcomes.filter((o) => o.conflict === conflict);
    /** Every answer that is neither a booking, a known conflict, nor (killed API) no answer. */
    const unexpected = outcomes.filter(
      (o) =>
        !(o.status === 201 && !o.cutOff && o.id) &&
        !(o.status === 409 && o.conflict) &&
        !(o.api === 'killed' && (o.status === 0 || o.cutOff)),
    );
    const cutOff = (api: Outcome['api']) =>
      outcomes.filter((o) => o.api === api && o.cutOff).length;
    console.log(
      formatFigures('API SIGKILL mid-request, concurrent bookings', [
        ['requests (2N, half to each API)', outcomes.length],
        ['API start-up, ms', `${killed.startupMs} / ${survivor.startupMs}`],
        ['kill after, ms', killedAt - started],
        [
          'killed API: 201 / 409 / no answer / body cut off',
          `${count('killed', 201)} / ${count('killed', 409)} / ${count('killed', 0)} / ${cutOff('killed')}`,
        ],
        [
          'survivor: 201 / 409 / no answer / body cut off',
          `${count('survivor', 201)} / ${count('survivor', 409)} / ${count('survivor', 0)} / ${cutOff('survivor')}`,
        ],
        [
          'slowest survivor answer, ms',
          Math.max(...outcomes.filter((o) => o.api === 'survivor').map((o) => o.ms)),
        ],
        [
          '409 shipment full / lock busy / shipment changed',
          `${conflicts('full').length} / ${conflicts('busy').length} / ${conflicts('changed').length}`,
        ],
        [
          'unexpected answers',
          unexpected.map((o) => `${o.api}:${o.status}:${o.message ?? ''}`).join(' | ') || 'none',
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
    // The kill landed mid-request: some requests to the killed API got no (whole) answer.
    expect(count('killed', 0) + cutOff('killed')).toBeGreaterThan(0);
    // Every answer is a booking or a conflict the API explains; the survivor answered every
    // request whole; only the killed API may leave a request unanswered. Listed when not.
    expect(unexpected).toEqual([]);
    // Capacity invariant: booked = live bookings, within capacity; every 201 is a stored booking.
    expect(Number(shipment.booked)).toBe(Number(shipment.live));
    expect(Number(shipment.booked)).toBeLessThanOrEqual(CAPACITY_KG);
    const stored = new Map(rows.map((r) => [r.id, r]));
    for (const o of created) {
      expect(Number(stored.get(o.id!)?.weight)).toBe(o.weightKg);
    }
    expect(rows.length).toBeGreaterThanOrEqual(created.length);
    expect(rows.every((r) => r.status === 'PENDING')).toBe(true);
    // A request refused because the shipment was full proves it was filled to within one
    // booking (3 kg at most); lock-busy 409s (the dead process's lock until it expires) do not.
    if (conflicts('full').length > 0)
      expect(Number(shipment.booked)).toBeGreaterThan(CAPACITY_KG - 3);

    expect(after.health).toBe(200);
    expect(after.booked).toBe(201);
    expect(survivor.process.running).toBe(true);
    // And the survivor stops cleanly on SIGTERM (exit code 0, as the contract says).
    expect(await survivor.process.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 90_000);
});
