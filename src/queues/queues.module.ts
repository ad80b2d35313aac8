import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { RedisClient, RedisService } from '../redis';
import { QUEUE_CONNECTION, QueueConnectionModule } from './queue-connection.module';
import { QueueErrorLogger } from './queue-error-logger';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queue-jobs';

/**
 * BullMQ for every process that touches the queues (the API for the dashboard and metrics, the
 * worker for processing). No request path waits on it: the API never adds jobs (emails go
 * through the outbox, campaigns are rows the worker schedules). Keys live under BullMQ's own
 * `prefix`, hash-tagged so each queue's keys share one Cluster slot (ioredis `keyPrefix` would
 * break BullMQ's scripts).
 */
@Module({
  imports: [
    QueueConnectionModule,
    BullModule.forRootAsync({
      imports: [QueueConnectionModule],
      inject: [QUEUE_CONNECTION, RedisService],
      useFactory: (connection: RedisClient, redis: RedisService) => ({
        connection,
        prefix: redis.keys.hashTagged('bull'),
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    BullModule.registerQueue({ name: QueueName.Email }, { name: QueueName.Campaigns }),
  ],
  providers: [QueueErrorLogger],
  exports: [BullModule, QueueConnectionModule],
})
export class QueuesModule {}
