import { Module } from '@nestjs/common';
import { EmailMetricsCollector } from './email-metrics';
import { EmailQueueModule } from './email-queue.module';
import { QueueDashboardModule } from './queue-dashboard.module';

/**
 * API side of email: no sending here (that is EmailWorkerModule); the queue dashboard and the
 * email metrics on /metrics. Services record emails through EmailOutbox (EmailOutboxModule).
 */
@Module({
  imports: [EmailQueueModule, QueueDashboardModule],
  providers: [EmailMetricsCollector],
})
export class EmailModule {}
