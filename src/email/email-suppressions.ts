import { Inject, Injectable } from '@nestjs/common';
import { count, desc, eq } from 'drizzle-orm';
import { Page } from '../common/pagination.dto';
import { Database, DB, schema } from '../database';

export interface SuppressionView {
  email: string;
  reason: string;
  createdAt: string;
}

/**
 * The suppression list: addresses that answered a permanent SMTP failure (5xx). The email
 * processor checks it before every send (a suppressed email is recorded SUPPRESSED, never
 * attempted) and adds to it; admins list it and remove an address once it is fixed.
 */
@Injectable()
export class EmailSuppressions {
  constructor(@Inject(DB) private readonly db: Database) {}

  async isSuppressed(email: string): Promise<boolean> {
    const [row] = await this.db
      .select({ email: schema.emailSuppressions.email })
      .from(schema.emailSuppressions)
      .where(eq(schema.emailSuppressions.email, email.toLowerCase()));
    return row !== undefined;
  }

  /** Keeps the first reason when the address is already listed. */
  async add(email: string, reason: string): Promise<void> {
    await this.db
      .insert(schema.emailSuppressions)
      .values({ email: email.toLowerCase(), reason: reason.slice(0, 1000) })
      .onConflictDoNothing();
  }

  /** false when the address was not on the list. */
  async remove(email: string): Promise<boolean> {
    const removed = await this.db
      .delete(schema.emailSuppressions)
      .where(eq(schema.emailSuppressions.email, email.toLowerCase()))
      .returning({ email: schema.emailSuppressions.email });
    return removed.length > 0;
  }

  async list(page: number, limit: number): Promise<Page<SuppressionView>> {
    const [rows, [{ total }]] = await Promise.all([
      this.db
        .select()
        .from(schema.emailSuppressions)
        .orderBy(desc(schema.emailSuppressions.createdAt))
        .limit(limit)
        .offset((page - 1) * limit),
      this.db.select({ total: count() }).from(schema.emailSuppressions),
    ]);
    return {
      items: rows.map((row) => ({
        email: row.email,
        reason: row.reason,
        createdAt: row.createdAt.toISOString(),
      })),
      total,
      page,
      limit,
    };
  }
}
