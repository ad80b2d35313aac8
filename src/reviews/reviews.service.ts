import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { count, desc, eq, sql } from 'drizzle-orm';
import type { AuthUser } from '../auth/auth-user';
import { Page, PaginationQueryDto, offsetOf } from '../common/pagination.dto';
import { DomainEvent, DomainEvents, ReviewCreatedEvent } from '../events/domain-events';
import { CompaniesService } from '../companies/companies.service';
import { DB, Database, schema } from '../database';
import { isUniqueViolation } from '../users/users.service';
import { CreateReviewDto, ReviewStats, ReviewView } from './reviews.dto';

interface StatsRow extends Record<string, unknown> {
  count: number;
  average: number;
  r1: number;
  r2: number;
  r3: number;
  r4: number;
  r5: number;
}

@Injectable()
export class ReviewsService {
  constructor(
    @Inject(DB) private readonly db: Database,
    private readonly companies: CompaniesService,
    private readonly events: DomainEvents,
  ) {}

  /** Newest first. */
  async list(companyId: string, query: PaginationQueryDto): Promise<Page<ReviewView>> {
    await this.companies.requireById(companyId);
    const { reviews, users } = schema;
    const [rows, [{ total }]] = await Promise.all([
      this.db
        .select({ review: reviews, customerName: users.name })
        .from(reviews)
        .innerJoin(users, eq(users.id, reviews.customerId))
        .where(eq(reviews.companyId, companyId))
        .orderBy(desc(reviews.createdAt), desc(reviews.id))
        .limit(query.limit)
        .offset(offsetOf(query)),
      this.db.select({ total: count() }).from(reviews).where(eq(reviews.companyId, companyId)),
    ]);
    return {
      items: rows.map((row) => toView(row.review, row.customerName)),
      total,
      page: query.page,
      limit: query.limit,
    };
  }

  /**
   * A customer reviews one of their DELIVERED bookings with this company, once. Someone else's
   * booking is indistinguishable from a missing one (404); the unique index on booking_id makes
   * "once" hold under concurrency too.
   */
  async create(customer: AuthUser, companyId: string, dto: CreateReviewDto): Promise<ReviewView> {
    const { bookings, reviews } = schema;
    const [booking] = await this.db
      .select({
        customerId: bookings.customerId,
        companyId: bookings.companyId,
        status: bookings.status,
      })
      .from(bookings)
      .where(eq(bookings.id, dto.bookingId))
      .limit(1);
    if (!booking || booking.customerId !== customer.id || booking.companyId !== companyId) {
      throw new NotFoundException('Booking not found');
    }
    // DELIVERED is final, so the check cannot go stale before the insert.
    if (booking.status !== 'DELIVERED') throw new ConflictException('booking is not delivered');
    let review: typeof reviews.$inferSelect;
    try {
      [review] = await this.db
        .insert(reviews)
        .values({
          bookingId: dto.bookingId,
          companyId,
          customerId: customer.id,
          rating: dto.rating,
          comment: dto.comment ?? null,
        })
        .returning();
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictException('This booking has already been reviewed');
      throw error;
    }
    const event: ReviewCreatedEvent = { reviewId: review.id, companyId, customerId: customer.id };
    await this.events.emit(DomainEvent.ReviewCreated, event);
    return toView(review, customer.name);
  }

  /** One aggregate query; a company without reviews averages 0. 404 for an unknown company. */
  async stats(companyId: string): Promise<ReviewStats> {
    const { rows } = await this.db.execute<StatsRow>(sql`
      SELECT count(r.id)::int AS count,
             coalesce(round(avg(r.rating), 2), 0)::float8 AS average,
             count(*) FILTER (WHERE r.rating = 1)::int AS r1,
             count(*) FILTER (WHERE r.rating = 2)::int AS r2,
             count(*) FILTER (WHERE r.rating = 3)::int AS r3,
             count(*) FILTER (WHERE r.rating = 4)::int AS r4,
             count(*) FILTER (WHERE r.rating = 5)::int AS r5
      FROM companies c
      LEFT JOIN reviews r ON r.company_id = c.id
      WHERE c.id = ${companyId}
      GROUP BY c.id
    `);
    const row = rows[0];
    if (!row) throw new NotFoundException('Company not found');
    return {
      count: Number(row.count),
      average: Number(row.average),
      distribution: {
        '1': Number(row.r1),
        '2': Number(row.r2),
        '3': Number(row.r3),
        '4': Number(row.r4),
        '5': Number(row.r5),
      },
    };
  }
}

function toView(review: typeof schema.reviews.$inferSelect, customerName: string): ReviewView {
  return {
    id: review.id,
    bookingId: review.bookingId,
    companyId: review.companyId,
    rating: review.rating,
    comment: review.comment,
    createdAt: review.createdAt.toISOString(),
    customer: { id: review.customerId, name: customerName },
  };
}
