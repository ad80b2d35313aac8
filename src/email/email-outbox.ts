import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config';
import { DbExecutor, schema } from '../database';
import { EmailEvent } from './email-event';
import { EmailSender } from './email-sender';
import { renderOutboxMessage } from './outbox-message';

export interface OutboxEmail {
  event: EmailEvent;
  to: string;
  /** Template data for the event (names, ids, amounts...). */
  payload: Record<string, unknown>;
}

/**
 * The producer side of email: callers record the email in the outbox inside the same database
 * transaction as the change that causes it. Nothing here touches SMTP or Redis, so no request
 * ever waits for them and no email is lost when they are down; the worker's relay queues the rows.
 */
@Injectable()
export class EmailOutbox {
  /** Only with the benchmark-only BENCH_SYNC_EMAIL switch (see AppConfig.benchSyncEmail). */
  private readonly benchInlineSender: EmailSender | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.benchInlineSender = config.benchSyncEmail ? new EmailSender(config) : null;
  }

  async record(executor: DbExecutor, emails: OutboxEmail | OutboxEmail[]): Promise<void> {
    const rows = Array.isArray(emails) ? emails : [emails];
    if (rows.length === 0) return;
    if (this.benchInlineSender) return this.benchSendInline(this.benchInlineSender, rows);
    await executor.insert(schema.emailOutbox).values(rows);
  }

  /**
   * Records an email its caller queues itself (a campaign recipient's job), so the relay leaves
   * it alone; the row still carries its state and message for the admin outbox view. Returns its id.
   */
  async recordQueued(executor: DbExecutor, email: OutboxEmail): Promise<string> {
    const [row] = await executor
      .insert(schema.emailOutbox)
      .values({ ...email, queuedAt: new Date() })
      .returning({ id: schema.emailOutbox.id });
    return row.id;
  }

  /**
   * BENCHMARK ONLY: the synchronous "before" of the email queue, for bench/ to compare with.
   * Sends each email over SMTP now, inside the caller's request and transaction, as the seed
   * code did; nothing is recorded, so the worker sends nothing.
   */
  private async benchSendInline(sender: EmailSender, rows: OutboxEmail[]): Promise<void> {
    for (const row of rows) {
      const message = renderOutboxMessage({ id: randomUUID(), ...row });
      if (message) await sender.send(message);
    }
  }
}
