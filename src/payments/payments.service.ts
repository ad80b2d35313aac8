import {
  ConflictException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { and, eq } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import type { AuthUser } from '../auth/auth-user';
import { DomainEvent, DomainEvents, PaymentSucceededEvent } from '../events/domain-events';
import { ServiceUnavailableError } from '../common/infrastructure-errors';
import { DB, Database, schema } from '../database';
import { LockService } from '../locks';
import { isUniqueViolation } from '../users/users.service';
import { ChargeResult, PAYMENT_PROVIDER, PaymentProvider } from './payment-provider';
import { PaymentView } from './payment.view';

const { bookings, payments } = schema;

type PaymentRow = typeof schema.payments.$inferSelect;

export { PaymentView };

/** Long enough for a slow provider; extended automatically while the charge runs. */
const PAYMENT_LOCK_TTL_MS = 10_000;
/** Concurrent retries of one payment wait for the first to finish, then replay its outcome. */
const PAYMENT_LOCK_WAIT_MS = 15_000;

@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);

  constructor(
    @Inject(DB) private readonly db: Database,
    private readonly locks: LockService,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly events: DomainEvents,
  ) {}

  /**
   * Charges a CONFIRMED booking at most once. The same Idempotency-Key always gives back the
   * same outcome (the payment, or its decline); another key once the booking is paid is a 409.
   *
   * Keys are the customer's own: another customer's use of the same key is another payment, and
   * tells this one nothing (stored per customer; sent to the provider scoped to the customer).
   *
   * The lock per booking makes "check, charge, record" one step across API processes, so two
   * requests never both reach the provider. The database still holds the guarantee on its own
   * (key unique per customer; one SUCCEEDED payment per booking), because a lock can be lost to
   * a GC pause or an expiry while its holder carries on.
   *
   * Redis down for the lock: payments fail closed (503). Unlike bookings, the database guard
   * alone is not enough here: it can refuse a second payment row, but only after a second
   * charge has already been made at the provider.
   */
  async pay(user: AuthUser, bookingId: string, idempotencyKey: string): Promise<PaymentView> {
    await this.ownBooking(user, bookingId);
    const key: CustomerKey = { customerId: user.id, idempotencyKey };
    const known = await this.findByKey(key, bookingId);
    if (known) return outcome(known);

    const { payment, charged } = await this.locks.withLock(
      [`payment:booking:${bookingId}`],
      PAYMENT_LOCK_TTL_MS,
      () => this.chargeOnce(bookingId, key),
      { waitMs: PAYMENT_LOCK_WAIT_MS },
    );
    if (charged && payment.status === 'SUCCEEDED') {
      const booking = await this.ownBooking(user, bookingId);
      const event: PaymentSucceededEvent = {
        paymentId: payment.id,
        bookingId,
        companyId: booking.companyId,
        customerId: booking.customerId,
      };
      await this.events.emit(DomainEvent.PaymentSucceeded, event);
    }
    return outcome(payment);
  }

  /** Under the booking's payment lock. */
  private async chargeOnce(
    bookingId: string,
    key: CustomerKey,
  ): Promise<{ payment: PaymentRow; charged: boolean }> {
    // A concurrent request with this key may have finished while this one waited for the lock.
    const known = await this.findByKey(key, bookingId);
    if (known) return { payment: known, charged: false };

    const [booking] = await this.db.select().from(bookings).where(eq(bookings.id, bookingId));
    if (booking.status !== 'CONFIRMED') {
      throw new ConflictException(
        `Only a CONFIRMED booking can be paid; this one is ${booking.status}`,
      );
    }
    const [paid] = await this.db
      .select({ id: payments.id })
      .from(payments)
      .where(and(eq(payments.bookingId, bookingId), eq(payments.status, 'SUCCEEDED')))
      .limit(1);
    if (paid) throw new ConflictException('This booking is already paid');

    let result: ChargeResult;
    try {
      result = await this.provider.charge({
        idempotencyKey: providerKey(key),
        amountCents: booking.priceCents,
        reference: booking.id,
      });
    } catch (error) {
      // Nothing recorded: a retry with the same key asks the provider again (it dedupes keys).
      throw new ServiceUnavailableError('Payment provider', error);
    }

    try {
      const [payment] = await this.db
        .insert(payments)
        .values({
          bookingId,
          customerId: key.customerId,
          idempotencyKey: key.idempotencyKey,
          amountCents: booking.priceCents,
          status: result.status,
          providerRef: result.providerRef,
          failureReason: result.status === 'FAILED' ? result.failureReason : null,
        })
        .returning();
      return { payment, charged: true };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Only reachable when the lock was lost mid-charge and another holder recorded first.
      const recorded = await this.findByKey(key, bookingId);
      if (recorded) return { payment: recorded, charged: false };
      this.logger.error(
        `Booking ${bookingId} charged again (${result.providerRef}) after it was paid: refund it`,
      );
      throw new ConflictException('This booking is already paid');
    }
  }

  /** The payment this customer recorded under this key; their key of another booking is a 409. */
  private async findByKey(key: CustomerKey, bookingId: string): Promise<PaymentRow | null> {
    const [payment] = await this.db
      .select()
      .from(payments)
      .where(
        and(
          eq(payments.customerId, key.customerId),
          eq(payments.idempotencyKey, key.idempotencyKey),
        ),
      )
      .limit(1);
    if (!payment) return null;
    if (payment.bookingId !== bookingId) {
      throw new ConflictException('This Idempotency-Key was already used for another payment');
    }
    return payment;
  }

  /** Only the booking's customer may pay it; for anyone else it does not exist. */
  private async ownBooking(user: AuthUser, bookingId: string) {
    const [booking] = await this.db
      .select({ companyId: bookings.companyId, customerId: bookings.customerId })
      .from(bookings)
      .where(and(eq(bookings.id, bookingId), eq(bookings.customerId, user.id)))
      .limit(1);
    if (!booking) throw new NotFoundException('Booking not found');
    return booking;
  }
}

/** An Idempotency-Key as its customer sent it: keys of different customers never meet. */
interface CustomerKey {
  customerId: string;
  idempotencyKey: string;
}

/**
 * The key the provider sees: it dedupes keys across the whole platform, so two customers' equal
 * keys must not reach it equal (one would get the other's charge). A hash keeps it short.
 */
function providerKey({ customerId, idempotencyKey }: CustomerKey): string {
  return createHash('sha256').update(`${customerId}:${idempotencyKey}`).digest('hex');
}

/** A succeeded payment is the response; a declined one is a 402 naming the payment. */
function outcome(payment: PaymentRow): PaymentView {
  if (payment.status === 'FAILED') {
    throw new HttpException(
      {
        message: `Payment declined: ${payment.failureReason ?? 'unknown reason'}`,
        paymentId: payment.id,
        status: payment.status,
        amountCents: payment.amountCents,
      },
      HttpStatus.PAYMENT_REQUIRED,
    );
  }
  return { paymentId: payment.id, status: payment.status, amountCents: payment.amountCents };
}
