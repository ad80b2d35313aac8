import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { Database, DB, schema } from '../database';
import { HandlesJob } from '../queues/job-handlers';
import {
  CampaignEmailJob,
  campaignEmailJobId,
  CampaignJobName,
  CampaignSendJob,
  EmailJobName,
  QueueName,
} from '../queues/queue-jobs';
import { withTimeout } from '../common/with-timeout';
import { LockService } from '../locks';
import { finishIfComplete } from './campaign-email.handler';
import { CampaignAudience } from './dto/campaign.dto';

const FANOUT_BATCH = 500;
/** Kept alive by LockService while the fan-out runs. */
const LOCK_TTL_MS = 30_000;
const ENQUEUE_TIMEOUT_MS = 10_000;

const AUDIENCE_ROLES: Record<CampaignAudience, string[]> = {
  ALL: ['CUSTOMER', 'COMPANY', 'ADMIN'],
  CUSTOMERS: ['CUSTOMER'],
  COMPANIES: ['COMPANY'],
};

/**
 * Starts a campaign (worker only): one job per campaign, job id = campaign id. Held under a lock
 * so one worker runs it, and guarded by the database anyway: SCHEDULED → SENDING is a conditional
 * update done once, in the same transaction as the recipients snapshot (one row per recipient,
 * primary key campaign+user; users who opted out of marketing email are left out, and checked
 * again before each send by CampaignEmailHandler). The fan-out adds one email job per pending
 * recipient with a deterministic id, so a re-run after a crash (stalled job) resumes it without
 * duplicates.
 */
@Processor(QueueName.Campaigns, { concurrency: 2 })
@HandlesJob(QueueName.Campaigns, CampaignJobName.Send)
export class CampaignProcessor extends WorkerHost implements OnModuleDestroy {
  private readonly logger = new Logger(CampaignProcessor.name);

  constructor(
    @Inject(DB) private readonly db: Database,
    @InjectQueue(QueueName.Email) private readonly emailQueue: Queue<CampaignEmailJob>,
    private readonly locks: LockService,
  ) {
    super();
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker.close();
  }

  async process(job: Job<CampaignSendJob>): Promise<string> {
    const { campaignId } = job.data;
    return this.locks.withLock(
      [`campaign:${campaignId}`],
      LOCK_TTL_MS,
      () => this.run(campaignId),
      {
        waitMs: 0,
      },
    );
  }

  private async run(campaignId: string): Promise<string> {
    const started = await this.start(campaignId);
    if (!started) {
      const [row] = await this.db
        .select({ status: schema.campaigns.status })
        .from(schema.campaigns)
        .where(eq(schema.campaigns.id, campaignId));
      // CANCELLED before it started, or already finished: nothing to do.
      if (row?.status !== 'SENDING') return `skipped (${row?.status ?? 'missing'})`;
      this.logger.log(`campaign ${campaignId}: resuming the fan-out`);
    }
    const queued = await this.fanOut(campaignId);
    return `queued ${queued} emails`;
  }

  /** SCHEDULED → SENDING with the recipients snapshot; false if it was not SCHEDULED. */
  private start(campaignId: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [campaign] = await tx
        .update(schema.campaigns)
        .set({ status: 'SENDING', startedAt: new Date() })
        .where(and(eq(schema.campaigns.id, campaignId), eq(schema.campaigns.status, 'SCHEDULED')))
        .returning({ audience: schema.campaigns.audience });
      if (!campaign) return false;
      const roles = AUDIENCE_ROLES[campaign.audience];
      await tx.execute(sql`
        INSERT INTO campaign_deliveries (campaign_id, user_id, email)
        SELECT ${campaignId}, u.id, u.email FROM users u
        WHERE u.marketing_emails AND u.role::text IN (${sql.join(
          roles.map((role) => sql`${role}`),
          sql`, `,
        )})
        ON CONFLICT DO NOTHING`);
      await tx
        .update(schema.campaigns)
        .set({
          recipients: sql`(SELECT count(*)::int FROM campaign_deliveries WHERE campaign_id = ${campaignId})`,
        })
        .where(eq(schema.campaigns.id, campaignId));
      // No recipients: SENT at once.
      await finishIfComplete(tx, campaignId);
      return true;
    });
  }

  /** Adds an email job per recipient still PENDING, in batches; returns how many it added. */
  private async fanOut(campaignId: string): Promise<number> {
    let after: string | null = null;
    let total = 0;
    for (;;) {
      const batch: { userId: string; email: string }[] = await this.db
        .select({
          userId: schema.campaignDeliveries.userId,
          email: schema.campaignDeliveries.email,
        })
        .from(schema.campaignDeliveries)
        .where(
          and(
            eq(schema.campaignDeliveries.campaignId, campaignId),
            eq(schema.campaignDeliveries.status, 'PENDING'),
            after ? gt(schema.campaignDeliveries.userId, after) : undefined,
          ),
        )
        .orderBy(asc(schema.campaignDeliveries.userId))
        .limit(FANOUT_BATCH);
      if (batch.length === 0) return total;
      await withTimeout(
        this.emailQueue.addBulk(
          batch.map((recipient) => ({
            name: EmailJobName.Campaign,
            data: { campaignId, userId: recipient.userId, to: recipient.email },
            opts: { jobId: campaignEmailJobId(campaignId, recipient.userId) },
          })),
        ),
        ENQUEUE_TIMEOUT_MS,
        'queue Redis',
      );
      total += batch.length;
      after = batch[batch.length - 1].userId;
    }
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`campaign worker: ${error.message}`);
  }
}
