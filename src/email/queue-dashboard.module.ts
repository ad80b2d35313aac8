import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule, BullBoardModuleOptions } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import { QueueName } from './email-queue.constants';
import { EmailQueueModule } from './email-queue.module';
import { QueueDashboardAuthMiddleware } from './queue-dashboard-auth.middleware';

export const QUEUE_DASHBOARD_ROUTE = '/admin/queues';

/**
 * bull-board at GET /admin/queues (API process), every request through
 * QueueDashboardAuthMiddleware (HTTP Basic, ADMIN only: see there why not the JWT guard).
 */
@Module({
  imports: [
    EmailQueueModule,
    BullBoardModule.forRoot({
      route: QUEUE_DASHBOARD_ROUTE,
      // @bull-board/express ships its own copy of @bull-board/api typings: same shape.
      adapter: ExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
      middleware: QueueDashboardAuthMiddleware,
      boardOptions: { uiConfig: { boardTitle: 'Parcsal queues' } },
    }),
    BullBoardModule.forFeature(
      { name: QueueName.Email, adapter: BullMQAdapter },
      { name: QueueName.Campaigns, adapter: BullMQAdapter },
    ),
  ],
})
export class QueueDashboardModule {}
