import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { eq } from 'drizzle-orm';
import { Database, DB, schema } from '../database';
import { EmailJobHandler, PreparedEmail, SkippedEmail } from './email-job-handler';
import { HandlesJob } from '../queues/job-handlers';
import { EmailJobName, OutboxEmailJob, QueueName } from '../queues/queue-jobs';
import { renderOutboxMessage } from './outbox-message';
import type { EmailOutcome } from './outbox-states';

/** Transactional emails (and admin retries): one email_outbox row per job. */
@Injectable()
@HandlesJob(QueueName.Email, EmailJobName.Outbox)
export class OutboxEmailHandler implements EmailJobHandler<OutboxEmailJob> {
  private readonly logger = new Logger(OutboxEmailHandler.name);

  constructor(@Inject(DB) private readonly db: Database) {}

  async prepare({ outboxId }: OutboxEmailJob): Promise<PreparedEmail | SkippedEmail> {
    const [row] = await this.db
      .select()
      .from(schema.emailOutbox)
      .where(eq(schema.emailOutbox.id, outboxId));
    if (!row) throw new UnrecoverableError(`outbox row ${outboxId} does not exist`);
    // A re-run after a stall: the row already says what happened.
    if (row.state !== 'PENDING') return { skipped: `already ${row.state.toLowerCase()}` };
    const message = renderOutboxMessage(row);
    if (!message) throw new UnrecoverableError(`no email template for event "${row.event}"`);
    return { outboxId, event: row.event, message, ignoreSuppression: row.retries > 0 };
  }

  settled({ outboxId, event }: OutboxEmailJob, outcome: EmailOutcome): Promise<void> {
    if (outcome === 'FAILED') this.logger.warn(`email ${event} (outbox ${outboxId}) given up`);
    return Promise.resolve();
  }
}
