import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';

/**
 * In-process domain events, emitted by services through DomainEvents once their transaction has
 * committed. Cross-cutting modules subscribe with `@OnEvent(DomainEvent.X)`: the response cache
 * invalidates what a change affects, the realtime module pushes to sockets. Emails and
 * notifications are NOT sent through these: they are written in the same transaction as the
 * change (outbox); only the push of a committed notification to live sockets is an event.
 */
export const DomainEvent = {
  UserRegistered: 'user.registered',
  UserChanged: 'user.changed',
  CompanyChanged: 'company.changed',
  ShipmentChanged: 'shipment.changed',
  BookingChanged: 'booking.changed',
  PaymentSucceeded: 'payment.succeeded',
  ReviewCreated: 'review.created',
  /** Sessions were revoked: their live sockets are disconnected on every API process. */
  SessionsRevoked: 'auth.sessions.revoked',
  /** A notification was committed: it goes to the user's live sockets on every API process. */
  NotificationCreated: 'notification.created',
} as const;

export interface UserRegisteredEvent {
  userId: string;
  companyId: string | null;
}
/** A user's role or company membership changed (e.g. an invitation was accepted). */
export interface UserChangedEvent {
  userId: string;
  companyId: string | null;
}
export interface CompanyChangedEvent {
  companyId: string;
  slug: string;
}
export interface ShipmentChangedEvent {
  shipmentId: string;
  companyId: string;
}
export interface BookingChangedEvent {
  bookingId: string;
  shipmentId: string;
  companyId: string;
  customerId: string;
  /** created | confirmed | rejected | cancelled | delivered */
  transition: string;
}
export interface PaymentSucceededEvent {
  paymentId: string;
  bookingId: string;
  companyId: string;
  customerId: string;
}
export interface ReviewCreatedEvent {
  reviewId: string;
  companyId: string;
  customerId: string;
}

/** `sessionIds: 'all'` = every session of the user. */
export interface SessionsRevokedEvent {
  userId: string;
  sessionIds: string[] | 'all';
}

/**
 * The payload of each event. NotificationCreated's entry is added by notification.types.ts
 * (interface merging) because its payload is the notifications folder's view class, and common
 * importing notifications would close a folder cycle.
 */
export interface DomainEventMap {
  [DomainEvent.UserRegistered]: UserRegisteredEvent;
  [DomainEvent.UserChanged]: UserChangedEvent;
  [DomainEvent.CompanyChanged]: CompanyChangedEvent;
  [DomainEvent.ShipmentChanged]: ShipmentChangedEvent;
  [DomainEvent.BookingChanged]: BookingChangedEvent;
  [DomainEvent.PaymentSucceeded]: PaymentSucceededEvent;
  [DomainEvent.ReviewCreated]: ReviewCreatedEvent;
  [DomainEvent.SessionsRevoked]: SessionsRevokedEvent;
}

/**
 * The one way to emit a domain event. Awaited: the listeners (cache tag bumps, socket pushes) are
 * done before the writing request responds, so the very next read is fresh.
 *
 * Failure policy: a listener's error is logged and never fails the emitting call. Every event is
 * emitted after its change has committed, so failing the request would report an error for a write
 * that did happen (and a retry could repeat it); the cache bounds staleness with TTLs and retries
 * bumps itself. This is what the bookings, shipments and payments services already did; the other
 * emitters' listeners never threw, so their responses are unchanged.
 */
@Injectable()
export class DomainEvents {
  private readonly logger = new Logger(DomainEvents.name);

  constructor(private readonly emitter: EventEmitter2) {}

  async emit<K extends keyof DomainEventMap>(name: K, payload: DomainEventMap[K]): Promise<void> {
    try {
      await this.emitter.emitAsync(name, payload);
    } catch (error) {
      this.logger.warn(`${name} listeners failed: ${(error as Error).message}`);
    }
  }
}
