import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { eq } from 'drizzle-orm';
import { Database, DB, schema } from '../database';
import { CampaignJobName, CampaignSendJob, QueueName } from '../queues/queue-jobs';
import { withTimeout } from '../common/with-timeout';
import { PollingLoop } from '../email/polling-loop';

const POLL_MS = 1000;
const ENQUEUE_TIMEOUT_MS = 5000;

/**
 * Turns SCHEDULED campaign rows into delayed jobs (worker side), job id = campaign id: adding it
 * again every tick is a no-op in BullMQ, so several workers and restarts schedule each campaign
 * once, and a campaign written while Redis was down is scheduled when it is back. A cancelled
 * campaign's job still fires, finds the row not SCHEDULED and does nothing.
 */
@Injectable()
export class CampaignScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly loop = new PollingLoop('campaign scheduler', POLL_MS, async () => {
    await this.scheduleAll();
    return false;
  });

  constructor(
    @Inject(DB) private readonly db: Database,
    @InjectQueue(QueueName.Campaigns) private readonly queue: Queue<CampaignSendJob>,
  ) {}

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  async scheduleAll(): Promise<void> {
    const due = await this.db
      .select({ id: schema.campaigns.id, scheduledAt: schema.campaigns.scheduledAt })
      .from(schema.campaigns)
      .where(eq(schema.campaigns.status, 'SCHEDULED'));
    if (due.length === 0) return;
    const now = Date.now();
    await withTimeout(
      this.queue.addBulk(
        due.map((campaign) => ({
          name: CampaignJobName.Send,
          data: { campaignId: campaign.id },
          opts: { jobId: campaign.id, delay: Math.max(0, campaign.scheduledAt.getTime() - now) },
        })),
      ),
      ENQUEUE_TIMEOUT_MS,
      'queue Redis',
    );
  }
}
