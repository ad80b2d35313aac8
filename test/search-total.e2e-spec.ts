import {
  bearer,
  createShipment,
  registerCompany,
  registerCustomer,
  SignedIn,
} from './support/fixtures';
import { captureQueries } from './support/query-capture';
import { ApiInstance, TestStack } from './support/test-stack';

/*
 * A search filtered only by departure (`from`, or now) and `minAvailableKg` takes its total from
 * the roll-up shipment_search_counts (whole days, per kg bound) plus exact counts of the rest (the
 * first day's departures, the kilograms between `minAvailableKg` and the bound above it). The
 * total must stay exactly the number of matches, whatever writes move a shipment between days
 * and bounds: bookings, rejections, cancellations, edits, and SQL written by hand. This file has
 * its own database, so every shipment in it is one these tests made.
 */

const FROM = '2031-03-01T12:00:00.000Z';
/** `from` values: now (absent), mid-day, a midnight, and far in the past. */
const FROMS = [undefined, FROM, '2031-03-02T00:00:00.000Z', '2000-01-01T00:00:00.000Z'];
/** `minAvailableKg` values: absent, bounds of the roll-up and values just around them. */
const KGS = [
  undefined,
  0,
  0.001,
  99.999,
  100,
  1999.999,
  2000,
  2000.001,
  2049.999,
  2050,
  2099.999,
  2100,
  4950,
  5000,
  5000.001,
  19_999.5,
  20_000,
  99_999,
  1_000_000,
];

/** Departures around FROM's day and the bounds' capacities (kg) around 2,000 and 5,000. */
const SHIPMENTS: [string, number][] = [
  ['2031-03-01T08:00:00.000Z', 2000], // FROM's day, before FROM
  ['2031-03-01T12:00:00.000Z', 2100], // at FROM exactly
  ['2031-03-01T23:59:59.999Z', 2050], // FROM's day, last instant
  ['2031-03-02T00:00:00.000Z', 2000], // the next midnight
  ['2031-03-02T00:00:00.000Z', 2099.999],
  ['2031-03-02T07:30:00.000Z', 5000],
  ['2031-03-05T10:00:00.000Z', 5000.001],
  ['2031-03-05T10:00:00.000Z', 100],
  ['2031-04-20T10:00:00.000Z', 99.999],
  ['2031-04-20T10:00:00.000Z', 20_000],
  ['2032-01-01T00:00:00.000Z', 1_000_000],
  ['2031-02-28T23:59:59.999Z', 2000], // the day before FROM's
];

describe('search total: exact across writes (roll-up of whole days and kg bounds)', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let company: SignedIn;
  let customer: SignedIn;
  const ids: string[] = [];

  beforeAll(async () => {
    stack = await TestStack.create();
    // Uncached (cache Redis unreachable: fail open): every search runs its count, even after
    // the SQL written by hand below, which announces nothing to the response cache.
    api = await stack.startApi({ CACHE_REDIS_URL: 'redis://127.0.0.1:1' });
    [company, customer] = await Promise.all([registerCompany(api), registerCustomer(api)]);
    for (const [departureAt, capacityKg] of SHIPMENTS)
      ids.push(await create(departureAt, capacityKg));
    // Around now: one just departed, one leaving within the hour (today or tomorrow in UTC).
    ids.push(await create(new Date(Date.now() - 60_000).toISOString(), 2050));
    ids.push(await create(new Date(Date.now() + 3_600_000).toISOString(), 2050));
  });
  afterAll(() => stack.close());

  async function create(departureAt: string, capacityKg: number): Promise<string> {
    const shipment = await createShipment(api, company, {
      departureAt,
      capacityKg,
      pricePerKgCents: 100,
    });
    return shipment.id;
  }

  const book = async (shipment: number, weightKg: number): Promise<string> =>
    (
      await api
        .http()
        .post('/bookings')
        .set(...bearer(customer))
        .send({ shipmentId: ids[shipment], weightKg })
        .expect(201)
    ).body.id;
  const act = (who: SignedIn, booking: string, action: string) =>
    api
      .http()
      .post(`/bookings/${booking}/${action}`)
      .set(...bearer(who))
      .expect(200);

  const query = (from: string | undefined, kg: number | undefined) =>
    new URLSearchParams({
      ...(from && { from }),
      ...(kg !== undefined && { minAvailableKg: String(kg) }),
    }).toString();

  /** Every `from` × `minAvailableKg`: the API's total next to a count of the table. */
  async function expectExactTotals(): Promise<void> {
    const got: Record<string, number> = {};
    const want: Record<string, number> = {};
    for (const from of FROMS) {
      for (const kg of KGS) {
        const q = query(from, kg);
        const res = await api.http().get(`/shipments/search?${q}`).expect(200);
        got[q] = res.body.total;
        const [{ n }] = await stack.sql<{ n: string }>(
          `SELECT count(*) AS n FROM shipments
             WHERE departure_at >= coalesce($1::timestamptz, now())
               AND capacity_kg - booked_kg >= $2::numeric`,
          [from ?? null, kg ?? 0],
        );
        want[q] = Number(n);
      }
    }
    expect(got).toEqual(want);
  }

  it('matches a count of the table after the shipments are published', async () => {
    await expectExactTotals();
    // A few by hand, so the oracle itself is checked.
    const total = async (q: string) =>
      (await api.http().get(`/shipments/search?${q}`).expect(200)).body.total;
    expect(await total(query(FROM, 2000))).toBe(8);
    expect(await total(query(FROM, 2050))).toBe(7);
    expect(await total(query(FROM, 2099.999))).toBe(6);
    expect(await total(query('2031-03-02T00:00:00.000Z', 5000))).toBe(4);
  });

  it('stays exact as bookings move available kg across bounds, and as their status changes', async () => {
    // 2100 → 2050: leaves the 2100 bound, FROM's day (counted row by row).
    const a = await book(1, 50);
    // 2000 → 1999.999 on the next day (rolled up): leaves the 2000 bound.
    const b = await book(3, 0.001);
    // 5000.001 → 4999.501, a later day.
    const c = await book(6, 0.5);
    // 20,000 → 15,000.
    const d = await book(9, 5000);
    await expectExactTotals();

    await act(company, b, 'reject'); // capacity freed: back to 2000
    await act(company, a, 'accept'); // CONFIRMED: kg unchanged
    await act(customer, c, 'cancel'); // PENDING cancelled: back to 5000.001
    await expectExactTotals();

    await act(company, a, 'deliver'); // DELIVERED: kg unchanged
    await act(company, d, 'accept');
    await act(company, d, 'cancel'); // CONFIRMED cancelled: back to 20,000
    await book(2, 2050); // the last instant of FROM's day: fully booked
    await expectExactTotals();
  });

  it('stays exact as edits move a shipment across days and bounds', async () => {
    const patch = (shipment: number, body: Record<string, unknown>) =>
      api
        .http()
        .patch(`/shipments/${ids[shipment]}`)
        .set(...bearer(company))
        .send(body)
        .expect(200);
    await patch(4, { departureAt: '2031-03-01T18:00:00.000Z' }); // next day → FROM's day
    await patch(0, { departureAt: '2031-03-03T00:00:00.000Z', capacityKg: 2100 }); // both at once
    await patch(5, { capacityKg: 4999.999 }); // below the 5000 bound, same day
    await patch(7, { pricePerKgCents: 120 }); // nothing the counts depend on
    await expectExactTotals();
  });

  it('stays exact under SQL written by hand: several rows per statement, deletes, inserts', async () => {
    await stack.sql(
      `UPDATE shipments SET departure_at = departure_at + interval '1 day',
                            booked_kg = least(capacity_kg, booked_kg + 1)
         WHERE departure_at < '2031-03-06'`,
    );
    await stack.sql(`DELETE FROM shipments WHERE id = $1`, [ids[8]]);
    await stack.sql(
      `INSERT INTO shipments (company_id, origin, destination, departure_at, capacity_kg, booked_kg,
                              price_per_kg_cents, mode)
         SELECT $1, 'Lyon', 'Berlin', timestamptz '2031-03-01' + i * interval '97 minutes',
                1900 + i * 7.5, 0, 100, 'ROAD'
         FROM generate_series(0, 199) AS i`,
      [company.company!.id],
    );
    await expectExactTotals();
  });

  it('stays exact with bookings committed concurrently (each writer in its own slot)', async () => {
    await Promise.all(ids.slice(9, 12).flatMap((_, i) => [book(9 + i, 1), book(9 + i, 99.5)]));
    await Promise.all([1, 3, 5, 6].map((i) => book(i, 0.25)));
    await expectExactTotals();
  });

  it('counts the roll-up, not every match: a large future stays a bounded read', async () => {
    // 40,000 shipments over 200 days from FROM's day on, available kg spread over 0..4,000.
    await stack.sql(
      `INSERT INTO shipments (company_id, origin, destination, departure_at, capacity_kg, booked_kg,
                              price_per_kg_cents, mode)
         SELECT $1, 'Lyon', 'Berlin', timestamptz '2031-03-01' + i * interval '432 seconds',
                4000, (i % 4001) * 0.999, 100, 'ROAD'
         FROM generate_series(1, 40000) AS i`,
      [company.company!.id],
    );
    await stack.sql('VACUUM ANALYZE shipments');
    const q = query(FROM, 2050.5);
    const { result, queries } = await captureQueries(
      () => api.http().get(`/shipments/search?${q}`).expect(200),
      (text) => /count\(/i.test(text),
    );
    expect(queries).toHaveLength(1);
    expect(queries[0].text).toContain('shipment_search_counts');
    const plan = (
      await stack.sql<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${queries[0].text}`,
        queries[0].values,
      )
    )[0]['QUERY PLAN'] as unknown as { Plan: PlanNode }[];
    // Every node reads a few hundred rows at most, while the matches are ~20,000.
    expect(result.body.total).toBeGreaterThan(15_000);
    expect(Math.max(...nodes(plan[0].Plan).map((n) => n['Actual Rows']))).toBeLessThan(1_000);
    await expectExactTotals();
  }, 60_000);

  it('stays exact after a TRUNCATE (recounted, then kept by the triggers again)', async () => {
    await stack.sql('TRUNCATE shipments CASCADE');
    await expectExactTotals();
    ids.length = 0;
    ids.push(await create('2031-03-01T13:00:00.000Z', 2100));
    await book(0, 100);
    await expectExactTotals();
  });
});

interface PlanNode {
  'Actual Rows': number;
  Plans?: PlanNode[];
}

function nodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodes)];
}
