import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { and, count, desc, eq, inArray, SQL, sql } from 'drizzle-orm';
import type { AuthUser } from '../auth/auth-user';
import {
  BookingChangedEvent,
  DomainEvent,
  DomainEvents,
  ShipmentChangedEvent,
} from '../events/domain-events';
import { offsetOf, Page } from '../common/pagination.dto';
import { DB, Database, Tx, schema } from '../database';
import { EmailEvent } from '../email/email-event';
import { EmailOutbox } from '../email/email-outbox';
import { LockService, LockUnavailableError } from '../locks';
import type { NotificationRow } from '../notifications/notification.types';
import { NotificationsService } from '../notifications/notifications.service';
import { roundKg } from '../shipments/shipment.view';
import {
  BookingEvent,
  BookingFacts,
  bookingEmailPayload,
  bookingNotifications,
} from './booking-messages';
import { BookingRow, BookingView, toBookingView } from './booking.view';
import { BookingStatus, CreateBookingDto, ListBookingsQueryDto } from './dto/booking.dto';

const { bookings, companies, shipments, users } = schema;

/** The largest price the `price_cents` integer column holds. */
const MAX_PRICE_CENTS = 2_147_483_647;
/** A booking transaction takes milliseconds; the TTL only matters if its holder dies. */
const BOOKING_LOCK_TTL_MS = 10_000;
/**
 * Bookings of one shipment queue on its lock; each holds it for a few milliseconds, so even a
 * burst of a hundred clears well within this budget. Past it the client gets a 409 to retry.
 */
const BOOKING_LOCK_WAIT_MS = 10_000;

export type BookingAction = 'accept' | 'reject' | 'deliver' | 'cancel';

interface TransitionRule {
  from: BookingStatus[];
  to: BookingStatus;
  event: BookingEvent;
  /** The `transition` of BookingChangedEvent. */
  transition: string;
  /** REJECTED and CANCELLED give the booked weight back to the shipment. */
  releasesCapacity: boolean;
}

const RULES: Record<BookingAction, TransitionRule> = {
  accept: {
    from: ['PENDING'],
    to: 'CONFIRMED',
    event: EmailEvent.BookingConfirmed,
    transition: 'confirmed',
    releasesCapacity: false,
  },
  reject: {
    from: ['PENDING'],
    to: 'REJECTED',
    event: EmailEvent.BookingRejected,
    transition: 'rejected',
    releasesCapacity: true,
  },
  deliver: {
    from: ['CONFIRMED'],
    to: 'DELIVERED',
    event: EmailEvent.BookingDelivered,
    transition: 'delivered',
    releasesCapacity: false,
  },
  cancel: {
    from: ['PENDING', 'CONFIRMED'],
    to: 'CANCELLED',
    event: EmailEvent.BookingCancelled,
    transition: 'cancelled',
    releasesCapacity: true,
  },
};

/** What a committed change still has to announce. */
interface Committed {
  booking: BookingRow;
  notifications: NotificationRow[];
  transition: string;
  capacityMoved: boolean;
}

@Injectable()
export class BookingsService {
  private readonly logger = new Logger(BookingsService.name);

  constructor(
    @Inject(DB) private readonly db: Database,
    private readonly locks: LockService,
    private readonly outbox: EmailOutbox,
    private readonly notifications: NotificationsService,
    private readonly events: DomainEvents,
  ) {}

  /**
   * Reserves the weight on the shipment and records the booking, its email and notifications in
   * one transaction.
   *
   * The lock per shipment queues concurrent bookings in Redis instead of piling them up on the
   * shipment's row lock (each waiting on a pooled connection). It is not what prevents
   * overselling: a lock can be lost to a GC pause or an expiry while its holder carries on, so
   * the single conditional UPDATE below (and the CHECK constraint behind it) keeps the capacity
   * invariant on its own, with or without the lock.
   *
   * Redis down for the lock: bookings go on, on the database guard only. Failing closed would
   * turn a Redis outage into a booking outage while buying no correctness, since the database
   * already guarantees it; only the queueing is lost. (Payments decide the other way.)
   */
  async create(user: AuthUser, dto: CreateBookingDto): Promise<BookingView> {
    // Unknown or already full: answered without queueing on the lock. A plain read is a fair
    // answer (the state at that instant); the reservation below re-checks atomically anyway.
    this.refuseIfCannotFit(
      dto,
      await this.db
        .select({ capacityKg: shipments.capacityKg, bookedKg: shipments.bookedKg })
        .from(shipments)
        .where(eq(shipments.id, dto.shipmentId)),
    );
    const book = () => this.reserveAndRecord(user, dto);
    let committed: Committed;
    try {
      committed = await this.locks.withLock(
        [`booking:shipment:${dto.shipmentId}`],
        BOOKING_LOCK_TTL_MS,
        book,
        { waitMs: BOOKING_LOCK_WAIT_MS },
      );
    } catch (error) {
      if (!(error instanceof LockUnavailableError)) throw error;
      this.logger.warn(`Booking without the shipment lock (database guard only): ${error.message}`);
      committed = await book();
    }
    await this.announce(committed);
    return toBookingView(committed.booking);
  }

  async list(user: AuthUser, query: ListBookingsQueryDto): Promise<Page<BookingView>> {
    const where = and(
      visibleTo(user),
      query.status ? eq(bookings.status, query.status) : undefined,
    );
    const [rows, [{ total }]] = await Promise.all([
      this.db
        .select()
        .from(bookings)
        .where(where)
        .orderBy(desc(bookings.createdAt), desc(bookings.id))
        .limit(query.limit)
        .offset(offsetOf(query)),
      this.db.select({ total: count() }).from(bookings).where(where),
    ]);
    return { items: rows.map(toBookingView), total, page: query.page, limit: query.limit };
  }

  /** Someone else's booking is as unknown as a missing one. */
  async findOne(user: AuthUser, id: string): Promise<BookingView> {
    const [row] = await this.db
      .select()
      .from(bookings)
      .where(and(eq(bookings.id, id), visibleTo(user)))
      .limit(1);
    if (!row) throw new NotFoundException('Booking not found');
    return toBookingView(row);
  }

  /**
   * One conditional UPDATE decides the transition (`WHERE status IN (allowed)`), so two
   * concurrent transitions cannot both win; a miss is then explained as 404 or 409.
   */
  async transition(user: AuthUser, id: string, action: BookingAction): Promise<BookingView> {
    const rule = RULES[action];
    const access = actorScope(user, action);
    const committed = await this.db.transaction(async (tx): Promise<Committed> => {
      const [booking] = await tx
        .update(bookings)
        .set({ status: rule.to, updatedAt: new Date() })
        .where(and(eq(bookings.id, id), access, inArray(bookings.status, rule.from)))
        .returning();
      if (!booking) {
        const [existing] = await tx
          .select({ status: bookings.status })
          .from(bookings)
          .where(and(eq(bookings.id, id), access));
        if (!existing) throw new NotFoundException('Booking not found');
        throw new ConflictException(
          `A ${existing.status} booking cannot be ${rule.transition === 'confirmed' ? 'accepted' : rule.transition}`,
        );
      }
      const [shipment] = rule.releasesCapacity
        ? await tx
            .update(shipments)
            .set({ bookedKg: sql`${shipments.bookedKg} - ${booking.weightKg.toFixed(3)}::numeric` })
            .where(eq(shipments.id, booking.shipmentId))
            .returning()
        : await tx.select().from(shipments).where(eq(shipments.id, booking.shipmentId));
      const byCustomer = booking.customerId === user.id;
      const notifications = await this.record(
        tx,
        rule.event,
        booking,
        shipment,
        // The company hears of a cancellation only when the customer made it.
        action === 'cancel' && byCustomer,
      );
      return {
        booking,
        notifications,
        transition: rule.transition,
        capacityMoved: rule.releasesCapacity,
      };
    });
    await this.announce(committed);
    return toBookingView(committed.booking);
  }

  private async reserveAndRecord(user: AuthUser, dto: CreateBookingDto): Promise<Committed> {
    return this.db.transaction(async (tx) => {
      const weight = dto.weightKg.toFixed(3);
      // The reservation: one statement, atomic against every other booking of this shipment.
      const [shipment] = await tx
        .update(shipments)
        .set({ bookedKg: sql`${shipments.bookedKg} + ${weight}::numeric` })
        .where(
          and(
            eq(shipments.id, dto.shipmentId),
            sql`${shipments.bookedKg} + ${weight}::numeric <= ${shipments.capacityKg}`,
          ),
        )
        .returning();
      if (!shipment) {
        this.refuseIfCannotFit(
          dto,
          await tx
            .select({ capacityKg: shipments.capacityKg, bookedKg: shipments.bookedKg })
            .from(shipments)
            .where(eq(shipments.id, dto.shipmentId)),
        );
        // It fits now: a cancellation freed capacity in between. The client may simply retry.
        throw new ConflictException('The shipment changed during the booking, try again');
      }
      const priceCents = Math.round(dto.weightKg * shipment.pricePerKgCents);
      if (priceCents > MAX_PRICE_CENTS) {
        throw new BadRequestException([
          `weightKg × pricePerKgCents must not exceed ${MAX_PRICE_CENTS} cents`,
        ]);
      }
      const [booking] = await tx
        .insert(bookings)
        .values({
          shipmentId: shipment.id,
          customerId: user.id,
          companyId: shipment.companyId,
          weightKg: dto.weightKg,
          description: dto.description ?? null,
          priceCents,
        })
        .returning();
      const notifications = await this.record(
        tx,
        EmailEvent.BookingCreated,
        booking,
        shipment,
        true,
      );
      return { booking, notifications, transition: 'created', capacityMoved: true };
    });
  }

  /** 404 for an unknown shipment, 409 when the weight does not fit in what is left. */
  private refuseIfCannotFit(
    dto: CreateBookingDto,
    [shipment]: { capacityKg: number; bookedKg: number }[],
  ): void {
    if (!shipment) throw new NotFoundException('Shipment not found');
    const availableKg = roundKg(shipment.capacityKg - shipment.bookedKg);
    if (dto.weightKg > availableKg) {
      throw new ConflictException(
        `Not enough capacity left on this shipment: ${availableKg} kg available, ${dto.weightKg} kg requested`,
      );
    }
  }

  /** The customer's email and everyone's notifications, in the transaction of the change. */
  private async record(
    tx: Tx,
    event: BookingEvent,
    booking: BookingRow,
    shipment: { origin: string; destination: string },
    notifyCompany: boolean,
  ): Promise<NotificationRow[]> {
    // One after the other: a transaction is one connection, which runs one query at a time.
    const [customer] = await tx
      .select({ id: users.id, email: users.email, name: users.name })
      .from(users)
      .where(eq(users.id, booking.customerId));
    const [company] = await tx
      .select({ id: companies.id, name: companies.name })
      .from(companies)
      .where(eq(companies.id, booking.companyId));
    const members = notifyCompany
      ? await tx.select({ id: users.id }).from(users).where(eq(users.companyId, booking.companyId))
      : [];
    const facts: BookingFacts = {
      booking,
      origin: shipment.origin,
      destination: shipment.destination,
      customer,
      company,
    };
    await this.outbox.record(tx, {
      event,
      to: customer.email,
      payload: bookingEmailPayload(facts),
    });
    return this.notifications.record(
      tx,
      bookingNotifications(
        event,
        facts,
        members.map((m) => m.id),
      ),
    );
  }

  /** After commit: sockets, caches and other listeners hear of it before the response leaves. */
  private async announce(committed: Committed): Promise<void> {
    const { booking } = committed;
    await this.notifications.publish(committed.notifications);
    const changed: BookingChangedEvent = {
      bookingId: booking.id,
      shipmentId: booking.shipmentId,
      companyId: booking.companyId,
      customerId: booking.customerId,
      transition: committed.transition,
    };
    await this.events.emit(DomainEvent.BookingChanged, changed);
    if (committed.capacityMoved) {
      const shipment: ShipmentChangedEvent = {
        shipmentId: booking.shipmentId,
        companyId: booking.companyId,
      };
      await this.events.emit(DomainEvent.ShipmentChanged, shipment);
    }
  }
}

/** The bookings a user may see: a customer's own, a company's, or all for admins. */
function visibleTo(user: AuthUser): SQL | undefined {
  if (user.role === 'ADMIN') return undefined;
  if (user.role === 'CUSTOMER') return eq(bookings.customerId, user.id);
  return user.companyId ? eq(bookings.companyId, user.companyId) : sql`false`;
}

/** The bookings a user may move: the company's for its members, and their own for customers (cancel). */
function actorScope(user: AuthUser, action: BookingAction): SQL {
  if (action === 'cancel' && user.role === 'CUSTOMER') return eq(bookings.customerId, user.id);
  return user.role === 'COMPANY' && user.companyId
    ? eq(bookings.companyId, user.companyId)
    : sql`false`;
}
