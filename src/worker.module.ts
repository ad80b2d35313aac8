import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { DomainEventsModule } from './events/domain-events.module';
import { CampaignsWorkerModule } from './campaigns/campaigns-worker.module';
import { LoggingModule } from './common/logging.module';
import { AppConfig, ConfigModule } from './config';
import { DatabaseModule } from './database';
import { EmailOutboxModule } from './email/email-outbox.module';
import { EmailWorkerModule } from './email/email-worker.module';
import { HealthProbesModule } from './health/health-probes.module';
import { WorkerHealthServer } from './health/worker-health.server';
import { LocksModule } from './locks/locks.module';
import { NotificationDeliveryModule } from './realtime/notification-delivery.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { RedisModule } from './redis';

/**
 * What only the worker runs: queue processors and the outbox relay. Listed once here so the
 * worker process and the embedded-mode API process run the same set.
 */
export const WORKER_FEATURES = [EmailWorkerModule, CampaignsWorkerModule];

/** The worker process: no HTTP server, only what processors need. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        EventEmitterModule.forRoot(),
        DomainEventsModule,
        MetricsModule,
        RedisModule,
        DatabaseModule,
        EmailOutboxModule,
        LocksModule,
        NotificationsModule,
        // Notifications created in the worker reach sockets through Redis (no Socket.IO server here).
        NotificationDeliveryModule,
        ...WORKER_FEATURES,
        // Readiness for WORKER_HEALTH_PORT (off unless set).
        HealthProbesModule,
      ],
      providers: [WorkerHealthServer],
    };
  }
}
