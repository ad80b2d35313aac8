import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { and, eq, sql } from 'drizzle-orm';
import { Database, DB, DbExecutor, schema } from '../database';
import { EmailEvent } from '../email/email-event';
import { EmailJobHandler, PreparedEmail, SkippedEmail } from '../email/email-job-handler';
import { EmailOutbox } from '../email/email-outbox';
import { HandlesJob } from '../queues/job-handlers';
import { CampaignEmailJob, EmailJobName, QueueName } from '../queues/queue-jobs';
import { renderOutboxMessage } from '../email/outbox-message';
import type { EmailOutcome } from '../email/outbox-states';
import { UnsubscribeTokens } from '../email/unsubscribe-tokens';
import { mergeHtml, mergeText } from './merge-fields';

type DeliveryOutcome = 'SENT' | 'FAILED' | 'SKIPPED';

const DELIVERY_OUTCOME: Record<EmailOutcome, DeliveryOutcome> = {
  SENT: 'SENT',
  LOGGED: 'SENT',
  FAILED: 'FAILED',
  SUPPRESSED: 'SKIPPED',
};

/**
 * One campaign recipient per email job. Right before sending it checks the recipient still
 * accepts marketing email (an opt-out during a long campaign stops the rest), then renders the
 * email once into an email_outbox row (merge fields, unsubscribe link) that the processor sends
 * and the admin outbox view shows. The delivery row is the campaign's side of the state: a re-run
 * after a stall finds it settled, or finds its outbox row, and never renders or counts twice.
 */
@Injectable()
@HandlesJob(QueueName.Email, EmailJobName.Campaign)
export class CampaignEmailHandler implements EmailJobHandler<CampaignEmailJob> {
  constructor(
    @Inject(DB) private readonly db: Database,
    private readonly outbox: EmailOutbox,
    private readonly unsubscribe: UnsubscribeTokens,
  ) {}

  async prepare(job: CampaignEmailJob): Promise<PreparedEmail | SkippedEmail> {
    const { campaignId, userId } = job;
    const [row] = await this.db
      .select({
        email: schema.campaignDeliveries.email,
        status: schema.campaignDeliveries.status,
        outboxId: schema.campaignDeliveries.outboxId,
        subject: schema.campaigns.subject,
        html: schema.campaigns.html,
        name: schema.users.name,
        marketing: schema.users.marketingEmails,
      })
      .from(schema.campaignDeliveries)
      .innerJoin(schema.campaigns, eq(schema.campaigns.id, schema.campaignDeliveries.campaignId))
      .innerJoin(schema.users, eq(schema.users.id, schema.campaignDeliveries.userId))
      .where(
        and(
          eq(schema.campaignDeliveries.campaignId, campaignId),
          eq(schema.campaignDeliveries.userId, userId),
        ),
      );
    if (!row) throw new UnrecoverableError(`campaign ${campaignId} has no recipient ${userId}`);
    if (row.status !== 'PENDING') return { skipped: `already ${row.status.toLowerCase()}` };
    if (!row.marketing) {
      await this.settle(job, 'SKIPPED');
      return { skipped: 'opted out of marketing emails' };
    }
    const outboxId =
      row.outboxId ??
      (await this.render(job, {
        to: row.email,
        subject: mergeText(row.subject, { name: row.name, email: row.email }),
        html: mergeHtml(row.html, { name: row.name, email: row.email }),
      }));
    const [email] = await this.db
      .select()
      .from(schema.emailOutbox)
      .where(eq(schema.emailOutbox.id, outboxId));
    if (email.state !== 'PENDING') {
      // Settled by an earlier run that stopped before counting it.
      await this.settle(job, DELIVERY_OUTCOME[email.state]);
      return { skipped: `already ${email.state.toLowerCase()}` };
    }
    const message = renderOutboxMessage(email);
    if (!message) throw new UnrecoverableError(`campaign email ${outboxId} has no template`);
    return { outboxId, event: EmailEvent.Campaign, message, ignoreSuppression: false };
  }

  settled(job: CampaignEmailJob, outcome: EmailOutcome): Promise<void> {
    return this.settle(job, DELIVERY_OUTCOME[outcome]);
  }

  /** The recipient's outbox row, written once (the delivery row is locked meanwhile). */
  private render(
    { campaignId, userId }: CampaignEmailJob,
    content: { to: string; subject: string; html: string },
  ): Promise<string> {
    return this.db.transaction(async (tx) => {
      const [delivery] = await tx
        .select({ outboxId: schema.campaignDeliveries.outboxId })
        .from(schema.campaignDeliveries)
        .where(
          and(
            eq(schema.campaignDeliveries.campaignId, campaignId),
            eq(schema.campaignDeliveries.userId, userId),
          ),
        )
        .for('update');
      if (delivery.outboxId) return delivery.outboxId;
      const outboxId = await this.outbox.recordQueued(tx, {
        event: EmailEvent.Campaign,
        to: content.to,
        payload: {
          campaignId,
          userId,
          subject: content.subject,
          html: content.html,
          unsubscribeUrl: this.unsubscribe.url(userId, 'marketing'),
        },
      });
      await tx
        .update(schema.campaignDeliveries)
        .set({ outboxId })
        .where(
          and(
            eq(schema.campaignDeliveries.campaignId, campaignId),
            eq(schema.campaignDeliveries.userId, userId),
          ),
        );
      return outboxId;
    });
  }

  /** PENDING → outcome, and the matching counter, once (conditional on PENDING). */
  private async settle({ campaignId, userId }: CampaignEmailJob, outcome: DeliveryOutcome) {
    await this.db.transaction(async (tx) => {
      const changed = await tx
        .update(schema.campaignDeliveries)
        .set({ status: outcome, sentAt: outcome === 'SENT' ? new Date() : null })
        .where(
          and(
            eq(schema.campaignDeliveries.campaignId, campaignId),
            eq(schema.campaignDeliveries.userId, userId),
            eq(schema.campaignDeliveries.status, 'PENDING'),
          ),
        )
        .returning({ userId: schema.campaignDeliveries.userId });
      if (changed.length === 0) return;
      const { sent, failed, skipped } = schema.campaigns;
      await tx
        .update(schema.campaigns)
        .set(
          outcome === 'SENT'
            ? { sent: sql`${sent} + 1` }
            : outcome === 'FAILED'
              ? { failed: sql`${failed} + 1` }
              : { skipped: sql`${skipped} + 1` },
        )
        .where(eq(schema.campaigns.id, campaignId));
      await finishIfComplete(tx, campaignId);
    });
  }
}

/**
 * SENDING → SENT once every recipient is settled (FAILED if some failed and none got it).
 * Conditional, so it happens once whichever job settles last.
 */
export async function finishIfComplete(executor: DbExecutor, campaignId: string): Promise<void> {
  const { sent, failed, skipped, recipients } = schema.campaigns;
  await executor
    .update(schema.campaigns)
    .set({
      status: sql`CASE WHEN ${sent} = 0 AND ${failed} > 0 THEN 'FAILED'::campaign_status ELSE 'SENT'::campaign_status END`,
      finishedAt: new Date(),
    })
    .where(
      and(
        eq(schema.campaigns.id, campaignId),
        eq(schema.campaigns.status, 'SENDING'),
        sql`${sent} + ${failed} + ${skipped} >= ${recipients}`,
      ),
    );
}
