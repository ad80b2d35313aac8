import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { DB, Database, schema } from '../database';
import {
  BookingStatus,
  DashboardDay,
  DashboardStats,
  DashboardSummary,
} from './admin-dashboard.dto';

interface SummaryRow extends Record<string, unknown> {
  users: number;
  companies: number;
  shipments: number;
  byStatus: Partial<Record<BookingStatus, number>> | null;
  revenueCents: string | number;
}

interface DayRow extends Record<string, unknown> {
  date: string;
  bookings: number;
  revenueCents: string | number;
  newUsers: number;
}

/** Platform figures for admins. Aggregates run in PostgreSQL; no rows are loaded into memory. */
@Injectable()
export class AdminDashboardService {
  constructor(@Inject(DB) private readonly db: Database) {}

  async summary(): Promise<DashboardSummary> {
    const { rows } = await this.db.execute<SummaryRow>(sql`
      SELECT (SELECT count(*)::int FROM users) AS users,
             (SELECT count(*)::int FROM companies) AS companies,
             (SELECT count(*)::int FROM shipments) AS shipments,
             (SELECT json_object_agg(status, n)
                FROM (SELECT status, count(*)::int AS n FROM bookings GROUP BY status) s)
               AS "byStatus",
             (SELECT coalesce(sum(amount_cents), 0)::bigint FROM payments
               WHERE status = 'SUCCEEDED') AS "revenueCents"
    `);
    const row = rows[0];
    const counted = row.byStatus ?? {};
    // Every status is present, 0 when no booking has it.
    const byStatus = Object.fromEntries(
      schema.bookingStatus.enumValues.map((status) => [status, Number(counted[status] ?? 0)]),
    ) as Record<BookingStatus, number>;
    return {
      users: Number(row.users),
      companies: Number(row.companies),
      shipments: Number(row.shipments),
      bookings: { byStatus },
      revenueCents: Number(row.revenueCents),
    };
  }

  /**
   * One row per UTC day, the `days` last days with today last: bookings created, revenue of the
   * payments that succeeded and users who registered that day. Each table is grouped by day
   * over the range (using its created_at index) and joined onto a generate_series of days.
   */
  async stats(days: number): Promise<DashboardStats> {
    const { rows } = await this.db.execute<DayRow>(sql`
      WITH range AS (
        SELECT (now() AT TIME ZONE 'UTC')::date - (${days}::int - 1) AS first_day,
               (now() AT TIME ZONE 'UTC')::date AS last_day
      ),
      since AS (SELECT first_day::timestamp AT TIME ZONE 'UTC' AS at FROM range),
      series AS (
        SELECT generate_series(first_day::timestamp, last_day::timestamp, interval '1 day')::date
               AS day
        FROM range
      ),
      booked AS (
        SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*)::int AS n
        FROM bookings WHERE created_at >= (SELECT at FROM since) GROUP BY 1
      ),
      paid AS (
        SELECT (created_at AT TIME ZONE 'UTC')::date AS day, sum(amount_cents)::bigint AS cents
        FROM payments
        WHERE status = 'SUCCEEDED' AND created_at >= (SELECT at FROM since)
        GROUP BY 1
      ),
      joined AS (
        SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*)::int AS n
        FROM users WHERE created_at >= (SELECT at FROM since) GROUP BY 1
      )
      SELECT to_char(series.day, 'YYYY-MM-DD') AS date,
             coalesce(booked.n, 0) AS bookings,
             coalesce(paid.cents, 0) AS "revenueCents",
             coalesce(joined.n, 0) AS "newUsers"
      FROM series
      LEFT JOIN booked USING (day)
      LEFT JOIN paid USING (day)
      LEFT JOIN joined USING (day)
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
