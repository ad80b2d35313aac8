import { must } from './http';
import type { BenchContext } from './scenario';

/** A fresh shipment of seeded company 1 (owner1), far in the future, with plenty of capacity. */
export async function createShipment(
  ctx: BenchContext,
  url: string,
  capacityKg = 1_000_000,
  ownerNumber = 1,
): Promise<string> {
  const owner = await ctx.token(ctx.seed.ownerEmail(ownerNumber));
  const departure = new Date(Date.now() + 30 * 24 * 3600 * 1000);
  const body = await must<{ id: string }>(url, 'POST', '/shipments', {
    token: owner,
    body: {
      origin: 'Benchtown',
      destination: 'Loopback City',
      departureAt: departure.toISOString(),
      arrivalAt: new Date(departure.getTime() + 2 * 24 * 3600 * 1000).toISOString(),
      capacityKg,
      pricePerKgCents: 150,
      mode: 'ROAD',
    },
  });
  return body.id;
}

/** `count` PENDING bookings of `customerToken` on `shipmentId`, created with some concurrency. */
export async function createBookings(
  url: string,
  customerToken: string,
  shipmentId: string,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  let left = count;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (left-- > 0) {
        const booking = await must<{ id: string }>(url, 'POST', '/bookings', {
          token: customerToken,
          body: { shipmentId, weightKg: 1, description: 'bench parcel' },
        });
        ids.push(booking.id);
      }
    }),
  );
  return ids;
}
