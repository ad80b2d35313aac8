import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { Database, DB, schema } from '../database';
import { EmailJobName, OutboxEmailJob, outboxJobId, QueueName } from '../queues/queue-jobs';
import { QUEUE_CONNECTION } from '../queues/queue-connection.module';
import { withTimeout } from '../common/with-timeout';
import { PollingLoop } from './polling-loop';
import { RedisClient } from '../redis';

const POLL_MS = 250;
const BATCH = 200;
/** BullMQ waits for Redis (offline queue): bound that, so a tick never holds its rows for long. */
const ENQUEUE_TIMEOUT_MS = 5000;

/**
 * Moves email_outbox rows to the email queue (worker side). Each tick locks a batch of PENDING
 * rows not yet queued with `FOR UPDATE SKIP LOCKED` (several workers never take the same row),
 * adds one job per row with job id = row id (`<id>-retry-<n>` after an admin's n-th retry, since
 * BullMQ keeps the failed job under the first id), and sets queued_at in the same transaction.
 * If Redis is down the transaction rolls back and the rows wait for the next tick; if the commit
 * fails after the jobs were added, the next tick re-adds them under the same ids, which BullMQ
 * ignores, and the processor's state check covers the rest.
 */
@Injectable()
export class EmailOutboxRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly loop = new PollingLoop('outbox relay', POLL_MS, async () => {
    return (await this.relayBatch()) === BATCH;
  });

  constructor(
    @Inject(DB) private readonly db: Database,
    @InjectQueue(QueueName.Email) private readonly queue: Queue<OutboxEmailJob>,
    @Inject(QUEUE_CONNECTION) private readonly connection: RedisClient,
  ) {}

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  /** Stops polling and waits for the tick in progress (its transaction commits or rolls back). */
  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  /** One batch; returns how many rows it queued. */
  async relayBatch(): Promise<number> {
    // While Redis is away, leave the rows alone instead of holding them behind a timeout.
    if (this.connection.status !== 'ready') {
      throw new Error(`queue Redis is ${this.connection.status}`);
    }
    return this.db.transaction(async (tx) => {
      const rows = await tx
        .select({
          id: schema.emailOutbox.id,
          event: schema.emailOutbox.event,
          to: schema.emailOutbox.to,
          retries: schema.emailOutbox.retries,
        })
        .from(schema.emailOutbox)
        .where(and(eq(schema.emailOutbox.state, 'PENDING'), isNull(schema.emailOutbox.queuedAt)))
        .orderBy(asc(schema.emailOutbox.createdAt))
        .limit(BATCH)
        .for('update', { skipLocked: true });
      if (rows.length === 0) return 0;
      await withTimeout(
        this.queue.addBulk(
          rows.map((row) => ({
            name: EmailJobName.Outbox,
            data: { outboxId: row.id, event: row.event, to: row.to },
            opts: { jobId: outboxJobId(row.id, row.retries) },
          })),
        ),
        ENQUEUE_TIMEOUT_MS,
        'queue Redis',
      );
      await tx
        .update(schema.emailOutbox)
        .set({ queuedAt: new Date() })
        .where(
          inArray(
            schema.emailOutbox.id,
            rows.map((row) => row.id),
          ),
        );
      return rows.length;
    });
  }
}
