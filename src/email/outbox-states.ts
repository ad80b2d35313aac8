import { Inject, Injectable } from '@nestjs/common';
import { and, eq, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { Database, DB, schema } from '../database';

/** The states an email ends in (docs/contract.md "Admin": PENDING until one of these). */
export type EmailOutcome = 'SENT' | 'LOGGED' | 'FAILED' | 'SUPPRESSED';

/**
 * Writes what happened to an email on its email_outbox row: attempts, last error and the final
 * state the admin outbox view shows. Every final write is conditional on the row still being
 * PENDING, so a job re-run after a stall cannot settle it twice; the methods say whether they did.
 */
@Injectable()
export class OutboxStates {
  constructor(@Inject(DB) private readonly db: Database) {}

  /** SMTP accepted it (SENT), or it was only logged because SMTP_URL is unset (LOGGED). */
  async delivered(outboxId: string, outcome: 'SENT' | 'LOGGED'): Promise<boolean> {
    return this.settle(outboxId, {
      state: outcome,
      sentAt: new Date(),
      attempts: sql`${schema.emailOutbox.attempts} + 1`,
    });
  }

  /** An attempt failed; `final` when it will not be tried again (5xx, or attempts exhausted). */
  async attemptFailed(outboxId: string, error: string, final: boolean): Promise<boolean> {
    const changes = { attempts: sql`${schema.emailOutbox.attempts} + 1`, lastError: error };
    if (final) return this.settle(outboxId, { ...changes, state: 'FAILED' });
    await this.db
      .update(schema.emailOutbox)
      .set(changes)
      .where(and(eq(schema.emailOutbox.id, outboxId), eq(schema.emailOutbox.state, 'PENDING')));
    return false;
  }

  /** Not attempted: the address is on the suppression list. */
  suppressed(outboxId: string): Promise<boolean> {
    return this.settle(outboxId, { state: 'SUPPRESSED', lastError: 'address is suppressed' });
  }

  private async settle(
    outboxId: string,
    changes: PgUpdateSetSource<typeof schema.emailOutbox>,
  ): Promise<boolean> {
    const changed = await this.db
      .update(schema.emailOutbox)
      .set(changes)
      .where(and(eq(schema.emailOutbox.id, outboxId), eq(schema.emailOutbox.state, 'PENDING')))
      .returning({ id: schema.emailOutbox.id });
    return changed.length > 0;
  }
}
