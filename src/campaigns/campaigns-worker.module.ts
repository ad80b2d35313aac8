import { Module } from '@nestjs/common';
import { CAMPAIGN_EMAIL_HANDLER } from '../email/email-job-handler';
import { EmailQueueModule } from '../email/email-queue.module';
import { CampaignEmailHandler } from './campaign-email.handler';
import { CampaignProcessor } from './campaign.processor';
import { CampaignScheduler } from './campaign-scheduler';

/**
 * Worker side of campaigns: scheduling, the per-campaign fan-out, and the handler the email
 * processor uses for campaign recipient jobs (imported by EmailWorkerModule).
 */
@Module({
  imports: [EmailQueueModule],
  providers: [
    CampaignScheduler,
    CampaignProcessor,
    { provide: CAMPAIGN_EMAIL_HANDLER, useClass: CampaignEmailHandler },
  ],
  exports: [CAMPAIGN_EMAIL_HANDLER],
})
export class CampaignsWorkerModule {}
