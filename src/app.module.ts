import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { BookingsModule } from './bookings/bookings.module';
import { ResponseCacheModule } from './cache/response-cache.module';
import { CampaignsModule } from './campaigns/campaigns.module';
import { ChatModule } from './chat/chat.module';
import { LoggingModule } from './common/logging.module';
import { CompaniesModule } from './companies/companies.module';
import { AppConfig, ConfigModule } from './config';
import { DatabaseModule } from './database';
import { EmailOutboxModule } from './email/email-outbox.module';
import { EmailModule } from './email/email.module';
import { HealthModule } from './health/health.module';
import { LocksModule } from './locks/locks.module';
import { HttpMetricsModule } from './metrics/http-metrics.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { PaymentsModule } from './payments/payments.module';
import { QueueDashboardModule } from './queues/dashboard.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RedisModule } from './redis';
import { ReviewsModule } from './reviews/reviews.module';
import { ShipmentsModule } from './shipments/shipments.module';
import { ThrottleModule } from './throttle/throttle.module';
import { UsersModule } from './users/users.module';
import { WORKER_FEATURES } from './worker.module';

/** The API process: HTTP + Socket.IO. It produces jobs; the worker consumes them. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        EventEmitterModule.forRoot(),
        MetricsModule,
        HttpMetricsModule,
        RedisModule,
        DatabaseModule,
        EmailOutboxModule,
        LocksModule,
        ThrottleModule,
        ResponseCacheModule,
        EmailModule,
        QueueDashboardModule,
        RealtimeModule,
        HealthModule,
        AuthModule,
        UsersModule,
        CompaniesModule,
        ShipmentsModule,
        BookingsModule,
        PaymentsModule,
        ReviewsModule,
        NotificationsModule,
        ChatModule,
        CampaignsModule,
        AdminModule,
        // Embedded PGlite is single-process: the API then runs the worker's processors too.
        ...(config.embedded ? WORKER_FEATURES : []),
      ],
    };
  }
}
