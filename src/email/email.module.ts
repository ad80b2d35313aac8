import { Module } from '@nestjs/common';
import { AdminEmailSuppressionsController, AdminEmailsController } from './admin-emails.controller';
import { AdminEmailsService } from './admin-emails.service';
import { EmailMetricsCollector } from './email-metrics';
import { EmailQueueModule } from './email-queue.module';
import { EmailSuppressions } from './email-suppressions.service';
import { QueueDashboardModule } from './queue-dashboard.module';

/**
 * API side of email: no sending here (that is EmailWorkerModule); the admin outbox and
 * suppression routes, the queue dashboard and the email metrics on /metrics. Services record
 * emails through EmailOutbox (EmailOutboxModule).
 */
@Module({
  imports: [EmailQueueModule, QueueDashboardModule],
  controllers: [AdminEmailsController, AdminEmailSuppressionsController],
  providers: [EmailMetricsCollector, AdminEmailsService, EmailSuppressions],
})
export class EmailModule {}
