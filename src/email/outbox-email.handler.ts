import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { and, eq, isNull } from 'drizzle-orm';
import { Database, DB, schema } from '../database';
import { EmailJobHandler, PreparedEmail } from './email-job-handler';
import { OutboxEmailJob } from './email-queue.constants';
import { renderEmail } from './email-templates';

/** Transactional emails: one email_outbox row per job; `sent_at` makes a re-run a no-op. */
@Injectable()
export class OutboxEmailHandler implements EmailJobHandler<OutboxEmailJob> {
  private readonly logger = new Logger(OutboxEmailHandler.name);

  constructor(@Inject(DB) private readonly db: Database) {}

  async prepare({ outboxId }: OutboxEmailJob): Promise<PreparedEmail | null> {
    const [row] = await this.db
      .select()
      .from(schema.emailOutbox)
      .where(eq(schema.emailOutbox.id, outboxId));
    if (!row) throw new UnrecoverableError(`outbox row ${outboxId} does not exist`);
    if (row.sentAt) return null;
    const rendered = renderEmail(row.event, row.payload);
    if (!rendered) throw new UnrecoverableError(`no email template for event "${row.event}"`);
    return {
      event: row.event,
      message: {
        to: row.to,
        ...rendered,
        // Stable per outbox row: a receiving server can also spot a duplicate.
        messageId: `<${row.id}@parcsal.outbox>`,
        headers: { 'X-Parcsal-Event': row.event },
      },
    };
  }

  async markSent({ outboxId }: OutboxEmailJob): Promise<void> {
    await this.db
      .update(schema.emailOutbox)
      .set({ sentAt: new Date() })
      .where(and(eq(schema.emailOutbox.id, outboxId), isNull(schema.emailOutbox.sentAt)));
  }

  async markFailed({ outboxId, event, to }: OutboxEmailJob, reason: string): Promise<void> {
    // The failed job stays in the queue (dashboard) for a week; the row keeps sent_at empty.
    this.logger.warn(`email ${event} to ${to} (outbox ${outboxId}) given up: ${reason}`);
  }
}
