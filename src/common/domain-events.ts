/**
 * In-process domain events, emitted by services (EventEmitter2) once their transaction has
 * committed. Cross-cutting modules subscribe with @OnEvent: the response cache invalidates what
 * a change affects, the realtime module pushes to sockets. Emails and notifications are NOT
 * sent through these: they are written in the same transaction as the change (outbox).
 */
export const DomainEvent = {
  UserRegistered: 'user.registered',
  UserChanged: 'user.changed',
  CompanyChanged: 'company.changed',
  ShipmentChanged: 'shipment.changed',
  BookingChanged: 'booking.changed',
  PaymentSucceeded: 'payment.succeeded',
  ReviewCreated: 'review.created',
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
