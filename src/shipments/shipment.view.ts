import type { schema } from '../database';

export type ShipmentRow = typeof schema.shipments.$inferSelect;

/** A shipment as the API shows it. */
export interface ShipmentView {
  id: string;
  companyId: string;
  origin: string;
  destination: string;
  departureAt: string;
  arrivalAt: string | null;
  capacityKg: number;
  bookedKg: number;
  availableKg: number;
  pricePerKgCents: number;
  mode: string;
  createdAt: string;
  updatedAt: string;
}

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
