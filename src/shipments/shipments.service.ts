import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { and, asc, count, eq, gte, lte, SQL, sql } from 'drizzle-orm';
import type { AuthUser } from '../auth/auth-user';
import { DomainEvent, DomainEvents, ShipmentChangedEvent } from '../events/domain-events';
import { offsetOf, Page } from '../common/pagination.dto';
import { DB, Database, schema } from '../database';
import {
  CreateShipmentDto,
  MAX_CAPACITY_KG,
  SearchShipmentsQueryDto,
  UpdateShipmentDto,
} from './dto/shipment.dto';
import { ShipmentRow, ShipmentView, toShipmentView } from './shipment.view';

const { shipments, shipmentSearchCounts } = schema;

/**
 * Whether the search's filters are those the roll-up shipment_search_counts covers: a departure
 * lower bound (`from`, or now) and available kg up to its last bound (MAX_CAPACITY_KG, which
 * validation already enforces). Any other filter counts its matches directly.
 */
function rolledUp(query: SearchShipmentsQueryDto): boolean {
  return (
    !query.origin &&
    !query.destination &&
    !query.to &&
    !query.mode &&
    (query.minAvailableKg ?? 0) <= MAX_CAPACITY_KG
  );
}

@Injectable()
export class ShipmentsService {
  constructor(
    @Inject(DB) private readonly db: Database,
    private readonly events: DomainEvents,
  ) {}

  async create(user: AuthUser, dto: CreateShipmentDto): Promise<ShipmentView> {
    const companyId = requireCompany(user);
    const [row] = await this.db
      .insert(shipments)
      .values({
        companyId,
        origin: dto.origin,
        destination: dto.destination,
        departureAt: new Date(dto.departureAt),
        arrivalAt: dto.arrivalAt ? new Date(dto.arrivalAt) : null,
        capacityKg: dto.capacityKg,
        pricePerKgCents: dto.pricePerKgCents,
        mode: dto.mode,
      })
      .returning();
    await this.changed(row);
    return toShipmentView(row);
  }

  async findById(id: string): Promise<ShipmentView> {
    const [row] = await this.db.select().from(shipments).where(eq(shipments.id, id)).limit(1);
    if (!row) throw new NotFoundException('Shipment not found');
    return toShipmentView(row);
  }

  /**
   * Soonest departure first, from `from` (default now) on. Origin and destination compare as whole values, lower-cased, so
   * the route index `shipments_route_departure_idx` (lower(origin), lower(destination),
   * departure_at) serves both the filter and the order.
   */
  async search(query: SearchShipmentsQueryDto): Promise<Page<ShipmentView>> {
    const conditions: SQL[] = [];
    if (query.origin) conditions.push(sql`lower(${shipments.origin}) = lower(${query.origin})`);
    if (query.destination) {
      conditions.push(sql`lower(${shipments.destination}) = lower(${query.destination})`);
    }
    // Without `from`, only shipments still to depart: a search is for capacity one can book.
    // An explicit `from` in the past shows departed ones (the caller asked for them).
    const from = query.from ? new Date(query.from) : new Date();
    conditions.push(gte(shipments.departureAt, from));
    if (query.to) conditions.push(lte(shipments.departureAt, new Date(query.to)));
    if (query.mode) conditions.push(eq(shipments.mode, query.mode));
    if (query.minAvailableKg !== undefined && query.minAvailableKg > 0) {
      conditions.push(
        sql`${shipments.capacityKg} - ${shipments.bookedKg} >= ${query.minAvailableKg}`,
      );
    }
    const where = conditions.length ? and(...conditions) : undefined;
    const [rows, total] = await Promise.all([
      this.db
        .select()
        .from(shipments)
        .where(where)
        .orderBy(asc(shipments.departureAt), asc(shipments.id))
        .limit(query.limit)
        .offset(offsetOf(query)),
      rolledUp(query)
        ? this.rolledUpTotal(from, query.minAvailableKg ?? 0)
        : this.db
            .select({ total: count() })
            .from(shipments)
            .where(where)
            .then(([row]) => row.total),
    ]);
    return { items: rows.map(toShipmentView), total, page: query.page, limit: query.limit };
  }

  /**
   * The exact number of shipments departing at or after `from` with at least `minKg` available,
   * without counting every one of them (their number grows with the data): the roll-up
   * shipment_search_counts (kept in the transaction of every write) gives whole UTC days after
   * `from`'s day for the kg bound at or above `minKg`; only the rest is counted row by row, each
   * part from an index alone: the departures left on `from`'s day, and the later ones whose
   * available kg lies between `minKg` and that bound (none when `minKg` is a bound: 2000, 2500).
   * One statement, so one snapshot: the parts and the roll-up agree.
   */
  private async rolledUpTotal(from: Date, minKg: number): Promise<number> {
    const available = sql`${shipments.capacityKg} - ${shipments.bookedKg}`;
    const at = sql`${from.toISOString()}::timestamptz`;
    const kg = sql`${minKg.toFixed(3)}::numeric`;
    const day = sql`(${at} AT TIME ZONE 'UTC')::date`;
    const nextDay = sql`((${day} + 1)::timestamp AT TIME ZONE 'UTC')`;
    const { rows } = await this.db.execute<{ total: string }>(sql`
      SELECT (SELECT coalesce(sum(${shipmentSearchCounts.shipments}), 0)
                FROM ${shipmentSearchCounts}
                WHERE ${shipmentSearchCounts.minAvailableKg} = shipment_search_kg_ceil(${kg})
                  AND ${shipmentSearchCounts.day} > ${day})
           + (SELECT count(*) FROM ${shipments}
                WHERE ${shipments.departureAt} >= ${at} AND ${shipments.departureAt} < ${nextDay}
                  AND ${available} >= ${kg})
           + (SELECT count(*) FROM ${shipments}
                WHERE ${shipments.departureAt} >= ${nextDay}
                  AND ${available} >= ${kg}
                  AND ${available} < shipment_search_kg_ceil(${kg})) AS total`);
    return Number(rows[0].total);
  }

  /**
   * Members of the shipment's company only; anyone else gets the 404 an unknown id gets. The row
   * is locked while the merged values are checked, so a booking cannot slip in between the
   * capacity check and the update (the CHECK constraint would refuse it anyway).
   */
  async update(user: AuthUser, id: string, dto: UpdateShipmentDto): Promise<ShipmentView> {
    const companyId = requireCompany(user);
    const row = await this.db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(shipments)
        .where(and(eq(shipments.id, id), eq(shipments.companyId, companyId)))
        .for('update');
      if (!current) throw new NotFoundException('Shipment not found');

      const departureAt = dto.departureAt ? new Date(dto.departureAt) : current.departureAt;
      const arrivalAt =
        dto.arrivalAt === undefined
          ? current.arrivalAt
          : dto.arrivalAt === null
            ? null
            : new Date(dto.arrivalAt);
      if (arrivalAt && arrivalAt < departureAt) {
        throw new BadRequestException(['arrivalAt must not be before departureAt']);
      }
      if (dto.capacityKg !== undefined && dto.capacityKg < current.bookedKg) {
        throw new ConflictException(
          `capacityKg cannot be lower than the ${current.bookedKg} kg already booked`,
        );
      }
      const changes = {
        ...(dto.origin !== undefined && { origin: dto.origin }),
        ...(dto.destination !== undefined && { destination: dto.destination }),
        ...(dto.departureAt !== undefined && { departureAt }),
        ...(dto.arrivalAt !== undefined && { arrivalAt }),
        ...(dto.capacityKg !== undefined && { capacityKg: dto.capacityKg }),
        ...(dto.pricePerKgCents !== undefined && { pricePerKgCents: dto.pricePerKgCents }),
        ...(dto.mode !== undefined && { mode: dto.mode }),
      };
      if (Object.keys(changes).length === 0) return null;
      const [updated] = await tx
        .update(shipments)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(shipments.id, id))
        .returning();
      return updated;
    });
    if (!row) return this.findById(id);
    await this.changed(row);
    return toShipmentView(row);
  }

  /** After commit: caches and other processes hear about it before the response leaves. */
  private async changed(row: ShipmentRow): Promise<void> {
    const event: ShipmentChangedEvent = { shipmentId: row.id, companyId: row.companyId };
    await this.events.emit(DomainEvent.ShipmentChanged, event);
  }
}

function requireCompany(user: AuthUser): string {
  if (!user.companyId) throw new ForbiddenException('Your account is not a member of a company');
  return user.companyId;
}
