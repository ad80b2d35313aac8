import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RedisClient, RedisService } from '../redis';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queue-jobs';

/** The ioredis connection BullMQ uses in this process (its status tells whether Redis is up). */
export const QUEUE_CONNECTION = Symbol('QUEUE_CONNECTION');

/**
 * One dedicated connection per process: workers need `maxRetriesPerRequest: null` and an
 * offline queue (they wait for Redis instead of failing); BullMQ duplicates it for blocking calls.
 */
@Module({
  providers: [
    {
      provide: QUEUE_CONNECTION,
      inject: [RedisService],
      useFactory: (redis: RedisService): RedisClient =>
        redis.createConnection('bullmq', {
          maxRetriesPerRequest: null,
          enableOfflineQueue: true,
          // Connect now rather than lazily: with a lazy shared connection, a worker whose Redis
          // dropped and came back kept "running" but never took another job (seen in
          // test/email.e2e-spec.ts "outages"; BullMQ issues #2964, #648 describe the same class).
          lazyConnect: false,
        }),
    },
  ],
  exports: [QUEUE_CONNECTION],
})
export class QueueConnectionModule {}

/** Queue connection errors (Redis away) become log lines instead of BullMQ's own console output. */
@Injectable()
export class QueueErrorLogger implements OnModuleInit {
  private readonly logger = new Logger('Queues');

  constructor(
    @InjectQueue(QueueName.Email) private readonly email: Queue,
    @InjectQueue(QueueName.Campaigns) private readonly campaigns: Queue,
  ) {}

  onModuleInit(): void {
    for (const queue of [this.email, this.campaigns]) {
      queue.on('error', (error: Error) =>
        this.logger.warn(`queue ${queue.name}: ${error.message}`),
      );
    }
  }
}

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
