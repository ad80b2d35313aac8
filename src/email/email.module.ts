import { Module } from '@nestjs/common';
import { AdminEmailSuppressionsController } from './admin-email-suppressions.controller';
import { AdminEmailsController } from './admin-emails.controller';
import { AdminEmailsService } from './admin-emails.service';
import { EmailMetricsCollector } from './email-metrics.collector';
import { QueuesModule } from '../queues/queues.module';
import { EmailSuppressions } from './email-suppressions';

/**
 * API side of email: no sending here (that is EmailWorkerModule); the admin outbox and
 * suppression routes and the email metrics on /metrics. Services record
 * emails through EmailOutbox (EmailOutboxModule).
 */
@Module({
  imports: [QueuesModule],
  controllers: [AdminEmailsController, AdminEmailSuppressionsController],
  providers: [EmailMetricsCollector, AdminEmailsService, EmailSuppressions],
})
export class EmailModule {}
