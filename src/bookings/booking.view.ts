import type { schema } from '../database';

export type BookingRow = typeof schema.bookings.$inferSelect;

/** A booking as the API shows it. */
export interface BookingView {
  id: string;
  shipmentId: string;
  customerId: string;
  companyId: string;
  weightKg: number;
  description: string | null;
  priceCents: number;
  status: BookingRow['status'];
  createdAt: string;
  updatedAt: string;
}

export function toBookingView(row: BookingRow): BookingView {
  return {
    id: row.id,
    shipmentId: row.shipmentId,
    customerId: row.customerId,
    companyId: row.companyId,
    weightKg: row.weightKg,
    description: row.description,
    priceCents: row.priceCents,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
