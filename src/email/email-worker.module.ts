import { Module } from '@nestjs/common';
import { EmailDeliveryStats } from './email-delivery-stats';
import { EmailOutboxRelay } from './email-outbox.relay';
import { JobHandlersModule } from '../queues/job-handlers.module';
import { QueuesModule } from '../queues/queues.module';
import { EmailSender } from './email-sender';
import { EmailProcessor } from './email.processor';
import { EmailSuppressions } from './email-suppressions';
import { OutboxEmailHandler } from './outbox-email.handler';
import { OutboxStates } from './outbox-states';

/**
 * What sends email (worker process, or the API in embedded mode): the outbox relay and the email
 * processor with its SMTP sender, which dispatches each job to its @HandlesJob handler.
 */
@Module({
  imports: [QueuesModule, JobHandlersModule],
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
