import { Module } from '@nestjs/common';
import { QueuesModule } from '../queues/queues.module';
import { CampaignEmailHandler } from './campaign-email.handler';
import { CampaignProcessor } from './campaign.processor';
import { CampaignScheduler } from './campaign-scheduler';

/**
 * Worker side of campaigns (one of WORKER_FEATURES): scheduling, the per-campaign fan-out, and
 * the handler of campaign recipient jobs, which the email processor finds through JobHandlers.
 */
@Module({
  imports: [QueuesModule],
  providers: [CampaignScheduler, CampaignProcessor, CampaignEmailHandler],
})
export class CampaignsWorkerModule {}
