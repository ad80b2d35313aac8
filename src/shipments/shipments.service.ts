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
import { CreateShipmentDto, SearchShipmentsQueryDto, UpdateShipmentDto } from './dto/shipment.dto';
import { ShipmentRow, ShipmentView, toShipmentView } from './shipment.view';

const { shipments } = schema;

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
    conditions.push(gte(shipments.departureAt, query.from ? new Date(query.from) : new Date()));
    if (query.to) conditions.push(lte(shipments.departureAt, new Date(query.to)));
    if (query.mode) conditions.push(eq(shipments.mode, query.mode));
    if (query.minAvailableKg !== undefined && query.minAvailableKg > 0) {
      conditions.push(
        sql`${shipments.capacityKg} - ${shipments.bookedKg} >= ${query.minAvailableKg}`,
      );
    }
    const where = conditions.length ? and(...conditions) : undefined;
    const [rows, [{ total }]] = await Promise.all([
      this.db
        .select()
        .from(shipments)
        .where(where)
        .orderBy(asc(shipments.departureAt), asc(shipments.id))
        .limit(query.limit)
        .offset(offsetOf(query)),
      this.db.select({ total: count() }).from(shipments).where(where),
    ]);
    return { items: rows.map(toShipmentView), total, page: query.page, limit: query.limit };
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
