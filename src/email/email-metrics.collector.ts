import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { and, count, eq, isNull } from 'drizzle-orm';
import { Counter } from 'prom-client';
import { withTimeout } from '../common/with-timeout';
import { Database, DB, schema } from '../database';
import { MetricsService } from '../metrics/metrics.service';
import { QueueName } from '../queues/queue-jobs';
import { RedisService } from '../redis';
import { emailStatsKey } from './email-delivery-stats';

/** Scrapes must answer even while Redis or PostgreSQL is down: each source gets this long. */
const SCRAPE_TIMEOUT_MS = 1000;
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** The email side of /metrics (API process): send counts, queue depths, outbox backlog. */
@Injectable()
export class EmailMetricsCollector implements OnModuleInit {
  private readonly logger = new Logger(EmailMetricsCollector.name);

  constructor(
    private readonly metrics: MetricsService,
    private readonly redis: RedisService,
    @Inject(DB) private readonly db: Database,
    @InjectQueue(QueueName.Email) private readonly emailQueue: Queue,
    @InjectQueue(QueueName.Campaigns) private readonly campaignsQueue: Queue,
  ) {}

  onModuleInit(): void {
    const { emailQueue, campaignsQueue, db, logger } = this;
    this.totalsCounter('sent', 'parcsal_emails_sent_total', 'Emails accepted by SMTP');
    this.totalsCounter(
      'failed',
      'parcsal_emails_failed_total',
      'Emails given up on (permanent SMTP error or attempts exhausted)',
    );
    this.metrics.gauge(
      'parcsal_queue_jobs',
      'Jobs per BullMQ queue and state',
      ['queue', 'state'],
      async function () {
        for (const queue of [emailQueue, campaignsQueue]) {
          try {
            const counts = await withTimeout(
              queue.getJobCounts(...QUEUE_STATES),
              SCRAPE_TIMEOUT_MS,
              'queue Redis',
            );
            for (const state of QUEUE_STATES)
              this.set({ queue: queue.name, state }, counts[state] ?? 0);
          } catch (error) {
            logger.debug(`queue ${queue.name} counts unavailable: ${(error as Error).message}`);
          }
        }
      },
    );
    this.metrics.gauge(
      'parcsal_email_outbox_backlog',
      'Outbox emails not yet handed to the queue',
      [],
      async function () {
        try {
          const [row] = await withTimeout(
            db
              .select({ n: count() })
              .from(schema.emailOutbox)
              .where(
                and(eq(schema.emailOutbox.state, 'PENDING'), isNull(schema.emailOutbox.queuedAt)),
              ),
            SCRAPE_TIMEOUT_MS,
            'database',
          );
          this.set(row.n);
        } catch (error) {
          logger.debug(`outbox backlog unavailable: ${(error as Error).message}`);
        }
      },
    );
  }

  /** A counter whose value is read from the shared hash at scrape time (all workers summed). */
  private totalsCounter(kind: 'sent' | 'failed', name: string, help: string): void {
    if (this.metrics.registry.getSingleMetric(name)) return;
    const { redis, logger } = this;
    new Counter({
      name,
      help,
      labelNames: ['event'],
      registers: [this.metrics.registry],
      async collect() {
        try {
          const hash = await withTimeout(
            redis.client.hgetall(emailStatsKey(redis)),
            SCRAPE_TIMEOUT_MS,
            'Redis',
          );
          this.reset();
          for (const [field, value] of Object.entries(hash)) {
            const [fieldKind, event] = field.split(/:(.*)/s);
            if (fieldKind === kind) this.inc({ event }, Number(value));
          }
        } catch (error) {
          logger.debug(`email totals unavailable: ${(error as Error).message}`);
        }
      },
    });
  }
}
