import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { and, eq, sql } from 'drizzle-orm';
import { Database, DB, DbExecutor, schema } from '../database';
import { EmailEvent } from '../email/email-event';
import { EmailJobHandler, PreparedEmail } from '../email/email-job-handler';
import { CampaignEmailJob } from '../email/email-queue.constants';
import { htmlToText } from '../email/email-templates';

type DeliveryOutcome = 'SENT' | 'FAILED';

/**
 * One campaign recipient per email job. The delivery row is the sent state: a re-run after a
 * stall finds it no longer PENDING and sends nothing, and the campaign's counters move only when
 * a row actually changes, so they stay exact whatever runs twice.
 */
@Injectable()
export class CampaignEmailHandler implements EmailJobHandler<CampaignEmailJob> {
  constructor(@Inject(DB) private readonly db: Database) {}

  async prepare({ campaignId, userId }: CampaignEmailJob): Promise<PreparedEmail | null> {
    const [row] = await this.db
      .select({
        email: schema.campaignDeliveries.email,
        status: schema.campaignDeliveries.status,
        subject: schema.campaigns.subject,
        html: schema.campaigns.html,
      })
      .from(schema.campaignDeliveries)
      .innerJoin(schema.campaigns, eq(schema.campaigns.id, schema.campaignDeliveries.campaignId))
      .where(
        and(
          eq(schema.campaignDeliveries.campaignId, campaignId),
          eq(schema.campaignDeliveries.userId, userId),
        ),
      );
    if (!row) throw new UnrecoverableError(`campaign ${campaignId} has no recipient ${userId}`);
    if (row.status !== 'PENDING') return null;
    return {
      event: EmailEvent.Campaign,
      message: {
        to: row.email,
        subject: row.subject,
        html: row.html,
        text: htmlToText(row.html),
        messageId: `<${campaignId}.${userId}@parcsal.campaign>`,
        headers: { 'X-Parcsal-Event': EmailEvent.Campaign, 'X-Parcsal-Campaign': campaignId },
      },
    };
  }

  markSent(job: CampaignEmailJob): Promise<void> {
    return this.settle(job, 'SENT');
  }

  markFailed(job: CampaignEmailJob): Promise<void> {
    return this.settle(job, 'FAILED');
  }

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
      const counter = outcome === 'SENT' ? schema.campaigns.sent : schema.campaigns.failed;
      await tx
        .update(schema.campaigns)
        .set(outcome === 'SENT' ? { sent: sql`${counter} + 1` } : { failed: sql`${counter} + 1` })
        .where(eq(schema.campaigns.id, campaignId));
      await finishIfComplete(tx, campaignId);
    });
  }
}

/**
 * SENDING → SENT once every recipient is settled (FAILED if none got it). Conditional, so it
 * happens once whichever job settles last.
 */
export async function finishIfComplete(executor: DbExecutor, campaignId: string): Promise<void> {
  await executor
    .update(schema.campaigns)
    .set({
      status: sql`CASE WHEN ${schema.campaigns.sent} = 0 AND ${schema.campaigns.failed} > 0 THEN 'FAILED'::campaign_status ELSE 'SENT'::campaign_status END`,
      finishedAt: new Date(),
    })
    .where(
      and(
        eq(schema.campaigns.id, campaignId),
        eq(schema.campaigns.status, 'SENDING'),
        sql`${schema.campaigns.sent} + ${schema.campaigns.failed} >= ${schema.campaigns.recipients}`,
      ),
    );
}
