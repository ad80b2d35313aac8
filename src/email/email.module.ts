import { Module } from '@nestjs/common';
import { AdminEmailSuppressionsController, AdminEmailsController } from './admin-emails.controller';
import { AdminEmailsService } from './admin-emails.service';
import { EmailMetricsCollector } from './email-metrics';
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
