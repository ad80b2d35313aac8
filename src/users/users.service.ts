import { ConflictException, Inject, Injectable } from '@nestjs/common';
import { and, count, eq, sql, sum } from 'drizzle-orm';
import { DB, Database, DbExecutor, schema } from '../database';
import type { CompanyRole, UserRole } from '../auth/auth-user';
import type { UserRow } from '../auth/user-records';
import { PublicUser, UserStats } from './user.view';

export type { UserRow };
export { PublicUser };

/** The fields a public user is made of: a full row, or the signed-in AuthUser. */
type UserFacts = Pick<
  UserRow,
  'id' | 'email' | 'name' | 'role' | 'companyId' | 'companyRole' | 'createdAt'
>;

export function toPublicUser(user: UserFacts): PublicUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    companyId: user.role === 'COMPANY' ? user.companyId : null,
    companyRole: user.role === 'COMPANY' ? user.companyRole : null,
    createdAt: user.createdAt.toISOString(),
  };
}

export interface NewUser {
  email: string;
  passwordHash: string;
  name: string;
  role: UserRole;
  companyId?: string | null;
  companyRole?: CompanyRole | null;
}

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class UsersService {
  constructor(@Inject(DB) private readonly db: Database) {}

  /** 409 when the email is already registered. */
  async create(executor: DbExecutor, input: NewUser): Promise<UserRow> {
    try {
      const [user] = await executor
        .insert(schema.users)
        .values({ ...input, email: input.email.toLowerCase() })
        .returning();
      return user;
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException('This email is already registered');
      throw error;
    }
  }

  async emailPreferences(userId: string): Promise<{ marketing: boolean }> {
    const [row] = await this.db
      .select({ marketing: schema.users.marketingEmails })
      .from(schema.users)
      .where(eq(schema.users.id, userId));
    return { marketing: row?.marketing ?? false };
  }

  /** Idempotent; a user that no longer exists is nothing to change. */
  async setMarketingEmails(userId: string, marketing: boolean): Promise<{ marketing: boolean }> {
    await this.db
      .update(schema.users)
      .set({ marketingEmails: marketing })
      .where(eq(schema.users.id, userId));
    return { marketing };
  }

  /** Booking figures of the user, or of their company for company users; aggregate SQL only. */
  async stats(user: Pick<UserRow, 'id' | 'role' | 'companyId'>): Promise<UserStats> {
    const { bookings, payments, shipments } = schema;
    if (user.role === 'COMPANY' && user.companyId) {
      const [[b], [p], [s]] = await Promise.all([
        this.bookingCounts(eq(bookings.companyId, user.companyId)),
        this.db
          .select({ cents: sum(payments.amountCents).mapWith(Number) })
          .from(payments)
          .innerJoin(bookings, eq(bookings.id, payments.bookingId))
          .where(and(eq(bookings.companyId, user.companyId), eq(payments.status, 'SUCCEEDED'))),
        this.db
          .select({ n: count() })
          .from(shipments)
          .where(eq(shipments.companyId, user.companyId)),
      ]);
      return {
        bookingsCount: b.total,
        deliveredCount: b.delivered,
        revenueCents: p.cents ?? 0,
        shipmentsCount: s.n,
      };
    }
    const [[b], [p]] = await Promise.all([
      this.bookingCounts(eq(bookings.customerId, user.id)),
      this.db
        .select({ cents: sum(payments.amountCents).mapWith(Number) })
        .from(payments)
        .innerJoin(bookings, eq(bookings.id, payments.bookingId))
        .where(and(eq(bookings.customerId, user.id), eq(payments.status, 'SUCCEEDED'))),
    ]);
    return { bookingsCount: b.total, deliveredCount: b.delivered, spentCents: p.cents ?? 0 };
  }

  private bookingCounts(where: ReturnType<typeof eq>) {
    const { bookings } = schema;
    return this.db
      .select({
        total: count(),
        delivered: sql<number>`count(*) filter (where ${bookings.status} = 'DELIVERED')`.mapWith(
          Number,
        ),
      })
      .from(bookings)
      .where(where);
  }
}

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; cause?: { code?: string } };
  return e?.code === UNIQUE_VIOLATION || e?.cause?.code === UNIQUE_VIOLATION;
}
