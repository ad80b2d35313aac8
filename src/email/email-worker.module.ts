import { Module } from '@nestjs/common';
import { CampaignsWorkerModule } from '../campaigns/campaigns-worker.module';
import { EmailDeliveryStats } from './email-metrics';
import { EmailOutboxRelay } from './email-outbox.relay';
import { EmailQueueModule } from './email-queue.module';
import { EmailSender } from './email-sender.service';
import { EmailProcessor } from './email.processor';
import { EmailSuppressions } from './email-suppressions.service';
import { OutboxEmailHandler } from './outbox-email.handler';
import { OutboxStates } from './outbox-states.service';

/**
 * What sends email (worker process, or the API in embedded mode): the outbox relay, the email
 * processor with its SMTP sender, and the campaigns' scheduler and fan-out.
 */
@Module({
  imports: [EmailQueueModule, CampaignsWorkerModule],
  providers: [
    EmailOutboxRelay,
    EmailSender,
    EmailDeliveryStats,
    OutboxEmailHandler,
    OutboxStates,
    EmailSuppressions,
    EmailProcessor,
  ],
})
export class EmailWorkerModule {}
