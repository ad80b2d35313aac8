import { ApiProperty } from '@nestjs/swagger';
import { CountProperty, DateTimeProperty, IdProperty } from '../common/openapi/api-property';
import { PageOf } from '../common/pagination.dto';
import type { schema } from '../database';
import { MAX_CAPACITY_KG } from '../shipments/dto/shipment.dto';
import { BOOKING_STATUSES } from './dto/booking.dto';

export type BookingRow = typeof schema.bookings.$inferSelect;

/** A booking as the API shows it. */
export class BookingView {
  @IdProperty()
  id: string;

  @IdProperty()
  shipmentId: string;

  @IdProperty()
  customerId: string;

  @IdProperty()
  companyId: string;

  @ApiProperty({ minimum: 0.001, maximum: MAX_CAPACITY_KG, description: 'up to 3 decimals' })
  weightKg: number;

  @ApiProperty({ type: String, nullable: true })
  description: string | null;

  @CountProperty({ description: "weightKg × the shipment's pricePerKgCents, rounded" })
  priceCents: number;

  @ApiProperty({ enum: BOOKING_STATUSES })
  status: BookingRow['status'];

  @DateTimeProperty()
  createdAt: string;

  @DateTimeProperty()
  updatedAt: string;
}

export class BookingPage extends PageOf(BookingView) {}

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
