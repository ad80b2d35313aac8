import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule, BullBoardModuleOptions } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { UsersModule } from '../users/users.module';
import { QueueName } from './email-queue.constants';
import { EmailQueueModule } from './email-queue.module';
import { QueueDashboardAuthMiddleware } from './queue-dashboard-auth.middleware';

export const QUEUE_DASHBOARD_ROUTE = '/admin/queues';

/**
 * bull-board at GET /admin/queues (API process), every request through
 * QueueDashboardAuthMiddleware (HTTP Basic, ADMIN only, under the sign-in rate limits: see there
 * why not the JWT guard).
 */
@Module({
  imports: [
    EmailQueueModule,
    // Async only for `imports`: the middleware is resolved in bull-board's module, and checks
    // credentials with AuthModule's CredentialsService and UsersModule's UsersService.
    BullBoardModule.forRootAsync({
      imports: [AuthModule, UsersModule],
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
