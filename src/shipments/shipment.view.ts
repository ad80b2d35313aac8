import { ApiProperty } from '@nestjs/swagger';
import { CountProperty, DateTimeProperty, IdProperty } from '../common/openapi/api-property';
import { PageOf } from '../common/pagination.dto';
import type { schema } from '../database';
import { MAX_CAPACITY_KG, MAX_PRICE_PER_KG_CENTS, SHIPMENT_MODES } from './dto/shipment.dto';

export type ShipmentRow = typeof schema.shipments.$inferSelect;

/** A shipment as the API shows it. Kilograms have up to 3 decimals (grams). */
export class ShipmentView {
  @IdProperty()
  id: string;

  @IdProperty()
  companyId: string;

  @ApiProperty({ example: 'Lyon' })
  origin: string;

  @ApiProperty({ example: 'Berlin' })
  destination: string;

  @DateTimeProperty()
  departureAt: string;

  @DateTimeProperty({ nullable: true })
  arrivalAt: string | null;

  @ApiProperty({ minimum: 0.001, maximum: MAX_CAPACITY_KG })
  capacityKg: number;

  @ApiProperty({ minimum: 0, maximum: MAX_CAPACITY_KG })
  bookedKg: number;

  @ApiProperty({ minimum: 0, maximum: MAX_CAPACITY_KG, description: 'capacityKg − bookedKg' })
  availableKg: number;

  @CountProperty({ maximum: MAX_PRICE_PER_KG_CENTS })
  pricePerKgCents: number;

  @ApiProperty({ enum: SHIPMENT_MODES })
  mode: string;

  @DateTimeProperty()
  createdAt: string;

  @DateTimeProperty()
  updatedAt: string;
}

export class ShipmentPage extends PageOf(ShipmentView) {}

/** Kilograms have gram precision: rounding keeps `100 - 33.333` at 66.667. */
export function roundKg(kg: number): number {
  return Math.round(kg * 1000) / 1000;
}

export function toShipmentView(row: ShipmentRow): ShipmentView {
  return {
    id: row.id,
    companyId: row.companyId,
    origin: row.origin,
    destination: row.destination,
    departureAt: row.departureAt.toISOString(),
    arrivalAt: row.arrivalAt ? row.arrivalAt.toISOString() : null,
    capacityKg: row.capacityKg,
    bookedKg: row.bookedKg,
    availableKg: roundKg(row.capacityKg - row.bookedKg),
    pricePerKgCents: row.pricePerKgCents,
    mode: row.mode,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
