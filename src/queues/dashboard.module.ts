import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule, BullBoardModuleOptions } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { QueueName } from './queue-jobs';
import { QueuesModule } from './queues.module';
import { QueueDashboardAuthMiddleware } from './dashboard-auth.middleware';

export const QUEUE_DASHBOARD_ROUTE = '/admin/queues';

/**
 * bull-board at GET /admin/queues (API process), every request through
 * QueueDashboardAuthMiddleware (HTTP Basic, ADMIN only, under the sign-in rate limits: see there
 * why not the JWT guard).
 */
@Module({
  imports: [
    QueuesModule,
    // Async only for `imports`: the middleware is resolved in bull-board's module, and checks
    // credentials with AuthModule's CredentialsService.
    BullBoardModule.forRootAsync({
      imports: [AuthModule],
      useFactory: (): BullBoardModuleOptions => ({
        route: QUEUE_DASHBOARD_ROUTE,
        // @bull-board/express ships its own copy of @bull-board/api typings: same shape.
        adapter: ExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
        middleware: QueueDashboardAuthMiddleware,
        boardOptions: { uiConfig: { boardTitle: 'Parcsal queues' } },
      }),
    }),
    BullBoardModule.forFeature(
      { name: QueueName.Email, adapter: BullMQAdapter },
      { name: QueueName.Campaigns, adapter: BullMQAdapter },
    ),
  ],
})
export class QueueDashboardModule {}
