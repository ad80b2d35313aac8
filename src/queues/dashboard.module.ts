import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { BullBoardModule, BullBoardModuleOptions } from '@bull-board/nestjs';
import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { QueueName } from './queue-jobs';
import { QueuesModule } from './queues.module';
import { QueueDashboardAuthMiddleware } from './dashboard-auth.middleware';

export const QUEUE_DASHBOARD_ROUTE = '/admin/queues';

/**
 * bull-board at GET /admin/queues (API process), every request through
 * QueueDashboardAuthMiddleware (HTTP Basic, ADMIN only, under the sign-in rate limits: see there
 * why not the JWT guard).
 *
 * The middleware is applied here, not through bull-board's `middleware` option: that one is
 * mounted on the dashboard's path alone, which on Fastify does not cover the paths below it
 * (its API and assets).
 */
@Module({
  imports: [
    QueuesModule,
    AuthModule,
    // Async so that each application gets its own board (forRoot's is made once per process,
    // and shared by every application a test starts).
    BullBoardModule.forRootAsync({
      useFactory: (): BullBoardModuleOptions => ({
        route: QUEUE_DASHBOARD_ROUTE,
        // @bull-board/fastify ships its own copy of @bull-board/api typings: same shape.
        adapter: FastifyAdapter as unknown as BullBoardModuleOptions['adapter'],
        boardOptions: { uiConfig: { boardTitle: 'Parcsal queues' } },
      }),
    }),
    BullBoardModule.forFeature(
      { name: QueueName.Email, adapter: BullMQAdapter },
      { name: QueueName.Campaigns, adapter: BullMQAdapter },
    ),
  ],
  providers: [QueueDashboardAuthMiddleware],
})
export class QueueDashboardModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(QueueDashboardAuthMiddleware)
      .forRoutes(QUEUE_DASHBOARD_ROUTE, `${QUEUE_DASHBOARD_ROUTE}/{*path}`);
  }
}
