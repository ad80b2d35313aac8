import { EmailEvent } from '../email/email-event';
import type { NewNotification } from '../notifications/notification.types';
import type { BookingRow } from './booking.view';

/** Booking events that email the customer and notify the people involved. */
export type BookingEvent =
  | EmailEvent.BookingCreated
  | EmailEvent.BookingConfirmed
  | EmailEvent.BookingRejected
  | EmailEvent.BookingCancelled
  | EmailEvent.BookingDelivered;

/** What a booking's messages talk about. */
export interface BookingFacts {
  booking: BookingRow;
  origin: string;
  destination: string;
  customer: { id: string; email: string; name: string };
  company: { id: string; name: string };
}

const CUSTOMER_COPY: Record<BookingEvent, { title: string; body: (f: BookingFacts) => string }> = {
  [EmailEvent.BookingCreated]: {
    title: 'Booking received',
    body: (f) => `Your booking of ${route(f)} awaits confirmation by ${f.company.name}.`,
  },
  [EmailEvent.BookingConfirmed]: {
    title: 'Booking confirmed',
    body: (f) => `${f.company.name} confirmed your booking of ${route(f)}.`,
  },
  [EmailEvent.BookingRejected]: {
    title: 'Booking rejected',
    body: (f) => `${f.company.name} rejected your booking of ${route(f)}.`,
  },
  [EmailEvent.BookingCancelled]: {
    title: 'Booking cancelled',
    body: (f) => `Your booking of ${route(f)} with ${f.company.name} was cancelled.`,
  },
  [EmailEvent.BookingDelivered]: {
    title: 'Parcel delivered',
    body: (f) => `Your parcel of ${route(f)} was delivered by ${f.company.name}.`,
  },
};

const COMPANY_COPY: Partial<
  Record<BookingEvent, { title: string; body: (f: BookingFacts) => string }>
> = {
  [EmailEvent.BookingCreated]: {
    title: 'New booking',
    body: (f) => `${f.customer.name} booked ${route(f)}.`,
  },
  [EmailEvent.BookingCancelled]: {
    title: 'Booking cancelled by the customer',
    body: (f) => `${f.customer.name} cancelled their booking of ${route(f)}.`,
  },
};

function route(f: BookingFacts): string {
  return `${f.booking.weightKg} kg from ${f.origin} to ${f.destination}`;
}

/** The email's template data: the booking's facts and the names the template greets with. */
export function bookingEmailPayload(f: BookingFacts): Record<string, unknown> {
  const { booking } = f;
  return {
    bookingId: booking.id,
    shipmentId: booking.shipmentId,
    customerId: booking.customerId,
    companyId: booking.companyId,
    weightKg: booking.weightKg,
    description: booking.description,
    priceCents: booking.priceCents,
    status: booking.status,
    customerName: f.customer.name,
    companyName: f.company.name,
    origin: f.origin,
    destination: f.destination,
  };
}

/**
 * The customer hears of every transition; the company's members of a new booking and of a
 * cancellation by the customer (they act on those; the other transitions are their own doing).
 */
export function bookingNotifications(
  event: BookingEvent,
  facts: BookingFacts,
  companyMemberIds: string[],
): NewNotification[] {
  const data = {
    bookingId: facts.booking.id,
    shipmentId: facts.booking.shipmentId,
    status: facts.booking.status,
  };
  const forCustomer = CUSTOMER_COPY[event];
  const notifications: NewNotification[] = [
    {
      userId: facts.customer.id,
      type: event,
      title: forCustomer.title,
      body: forCustomer.body(facts),
      data,
    },
  ];
  const forCompany = COMPANY_COPY[event];
  if (forCompany) {
    for (const userId of companyMemberIds) {
      notifications.push({
        userId,
        type: event,
        title: forCompany.title,
        body: forCompany.body(facts),
        data,
      });
    }
  }
  return notifications;
}
