import { Injectable } from '@nestjs/common';
import { DbExecutor, schema } from '../database';
import { EmailEvent } from './email-event';

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
  async record(executor: DbExecutor, emails: OutboxEmail | OutboxEmail[]): Promise<void> {
    const rows = Array.isArray(emails) ? emails : [emails];
    if (rows.length === 0) return;
    await executor.insert(schema.emailOutbox).values(rows);
  }
}
