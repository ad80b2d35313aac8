import { Module } from '@nestjs/common';
import { RedisClient, RedisService } from '../redis';

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
