import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { DB, Database, schema } from '../database';
import {
  BookingStatus,
  DashboardDay,
  DashboardStats,
  DashboardSummary,
} from './admin-dashboard.dto';

interface DayRow extends Record<string, unknown> {
  date: string;
  bookings: string | number;
  revenueCents: string | number;
  newUsers: string | number;
}

const { dashboardTotals: totals, dashboardDays: perDay } = schema;

/** The sum over every slot of a counter column, as a number (0 when no row exists yet). */
const total = (column: AnyPgColumn) => sql<number>`coalesce(sum(${column}), 0)`.mapWith(Number);

/**
 * Platform figures for admins, read from the counters that triggers keep in the transaction of
 * every write (schema.ts `dashboardTotals`, `dashboardDays`): a few rows, however much data.
 */
@Injectable()
export class AdminDashboardService {
  constructor(@Inject(DB) private readonly db: Database) {}

  async summary(): Promise<DashboardSummary> {
    const [row] = await this.db
      .select({
        users: total(totals.users),
        companies: total(totals.companies),
        shipments: total(totals.shipments),
        PENDING: total(totals.bookingsPending),
        CONFIRMED: total(totals.bookingsConfirmed),
        REJECTED: total(totals.bookingsRejected),
        CANCELLED: total(totals.bookingsCancelled),
        DELIVERED: total(totals.bookingsDelivered),
        revenueCents: total(totals.revenueCents),
      })
      .from(totals);
    const byStatus: Record<BookingStatus, number> = {
      PENDING: row.PENDING,
      CONFIRMED: row.CONFIRMED,
      REJECTED: row.REJECTED,
      CANCELLED: row.CANCELLED,
      DELIVERED: row.DELIVERED,
    };
    return {
      users: row.users,
      companies: row.companies,
      shipments: row.shipments,
      bookings: { byStatus },
      revenueCents: row.revenueCents,
    };
  }

  /**
   * One row per UTC day, the `days` last days with today last: bookings created, revenue of the
   * payments that succeeded and users who registered that day, from the per-day counters
   * (at most 16 slot rows a day) joined onto a generate_series of days.
   */
  async stats(days: number): Promise<DashboardStats> {
    const { rows } = await this.db.execute<DayRow>(sql`
      WITH range AS (
        SELECT (now() AT TIME ZONE 'UTC')::date - (${days}::int - 1) AS first_day,
               (now() AT TIME ZONE 'UTC')::date AS last_day
      ),
      series AS (
        SELECT generate_series(first_day::timestamp, last_day::timestamp, interval '1 day')::date
               AS day
        FROM range
      ),
      counted AS (
        SELECT ${perDay.day} AS day, sum(${perDay.bookings})::bigint AS bookings,
               sum(${perDay.revenueCents})::bigint AS cents, sum(${perDay.newUsers})::bigint AS users
        FROM ${perDay}
        WHERE ${perDay.day} BETWEEN (SELECT first_day FROM range) AND (SELECT last_day FROM range)
        GROUP BY 1
      )
      SELECT to_char(series.day, 'YYYY-MM-DD') AS date,
             coalesce(counted.bookings, 0) AS bookings,
             coalesce(counted.cents, 0) AS "revenueCents",
             coalesce(counted.users, 0) AS "newUsers"
      FROM series
      LEFT JOIN counted USING (day)
      ORDER BY series.day
    `);
    return {
      days: rows.map((row): DashboardDay => ({
        date: row.date,
        bookings: Number(row.bookings),
        revenueCents: Number(row.revenueCents),
        newUsers: Number(row.newUsers),
      })),
    };
  }
}
