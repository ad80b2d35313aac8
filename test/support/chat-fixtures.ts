import { joinCompany, registerCompany, registerCustomer, SignedIn } from './fixtures';
import type { ApiInstance, TestStack } from './test-stack';

/**
 * Bookings for chat and realtime tests, inserted directly (the bookings routes belong to another
 * module): a company with a shipment, and a customer's booking on it.
 */
export async function insertBooking(
  stack: TestStack,
  companyId: string,
  customerId: string,
  status = 'PENDING',
): Promise<string> {
  const [shipment] = await stack.sql<{ id: string }>(
    `INSERT INTO shipments (company_id, origin, destination, departure_at, capacity_kg, booked_kg, price_per_kg_cents, mode)
     VALUES ($1, 'Lisbon', 'Berlin', now() + interval '3 days', 100, 10, 250, 'ROAD') RETURNING id`,
    [companyId],
  );
  const [booking] = await stack.sql<{ id: string }>(
    `INSERT INTO bookings (shipment_id, customer_id, company_id, weight_kg, price_cents, status)
     VALUES ($1, $2, $3, 10, 2500, $4) RETURNING id`,
    [shipment.id, customerId, companyId, status],
  );
  return booking.id;
}

export interface ChatCast {
  owner: SignedIn;
  member: SignedIn;
  customer: SignedIn;
  /** A user of another company: not a participant. */
  outsider: SignedIn;
  /** Another customer: not a participant. */
  otherCustomer: SignedIn;
  companyId: string;
  bookingId: string;
}

/** A booking with every kind of participant and non-participant. */
export async function chatCast(stack: TestStack, api: ApiInstance): Promise<ChatCast> {
  const [owner, member, customer, outsider, otherCustomer] = await Promise.all([
    registerCompany(api, { name: 'Olive Owner' }),
    registerCustomer(api, { name: 'Mo Member' }),
    registerCustomer(api, { name: 'Casey Customer' }),
    registerCompany(api, { name: 'Otto Outsider' }),
    registerCustomer(api, { name: 'Nora Nosy' }),
  ]);
  const companyId = owner.company!.id;
  await joinCompany(api, stack, owner, member);
  const bookingId = await insertBooking(stack, companyId, customer.user.id);
  return { owner, member, customer, outsider, otherCustomer, companyId, bookingId };
}
