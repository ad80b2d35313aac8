import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { DomainEventsModule } from './events/domain-events.module';
import { AccountsModule } from './accounts/accounts.module';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { JwtGuard } from './auth/jwt.guard';
import { RolesGuard } from './auth/roles.guard';
import { BookingsModule } from './bookings/bookings.module';
import { ResponseCachePrefetchGuard } from './cache/response-cache-prefetch.guard';
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
import { RateLimitAfterAuthGuard, RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimitModule } from './rate-limit/rate-limit.module';
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
        DomainEventsModule,
        MetricsModule,
        HttpMetricsModule,
        RedisModule,
        DatabaseModule,
        EmailOutboxModule,
        LocksModule,
        RateLimitModule.forRoot(AuthModule),
        ResponseCacheModule,
        EmailModule,
        QueueDashboardModule,
        RealtimeModule,
        HealthModule,
        AuthModule,
        AccountsModule,
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
      // The global guards, run in this order (Nest runs APP_GUARDs in registration order):
      // 0. ResponseCachePrefetchGuard starts the cache entry read of a cached route whose key
      //    does not depend on the user, so that it is in flight with the limiter's check (it
      //    refuses nothing, and a refused request is never answered from the cache);
      // 1. RateLimitGuard counts every request under the IP-keyed limits before authentication
      //    spends a Redis round trip and a database read on it, so bad credentials and forged
      //    tokens are limited too; 2. JwtGuard finds the user; 3. RolesGuard needs that user;
      // 4. RateLimitAfterAuthGuard counts the user-keyed limits (BOOKING), before the handler.
      providers: [
        { provide: APP_GUARD, useExisting: ResponseCachePrefetchGuard },
        { provide: APP_GUARD, useExisting: RateLimitGuard },
        { provide: APP_GUARD, useExisting: JwtGuard },
        { provide: APP_GUARD, useExisting: RolesGuard },
        { provide: APP_GUARD, useExisting: RateLimitAfterAuthGuard },
      ],
    };
  }
}
