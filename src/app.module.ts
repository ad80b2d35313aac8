import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { LoggingModule } from './common/logging.module';
import { CompaniesModule } from './companies/companies.module';
import { AppConfig, ConfigModule } from './config';
import { DatabaseModule } from './database';
import { EmailOutboxModule } from './email/email-outbox.module';
import { HealthModule } from './health/health.module';
import { HttpMetricsModule } from './metrics/http-metrics.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { RedisModule } from './redis';
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
        HealthModule,
        AuthModule,
        UsersModule,
        CompaniesModule,
        NotificationsModule,
        AdminModule,
        // Embedded PGlite is single-process: the API then runs the worker's processors too.
        ...(config.embedded ? WORKER_FEATURES : []),
      ],
    };
  }
}
