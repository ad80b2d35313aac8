import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { withTimeout } from '../common/with-timeout';
import { APP_CONFIG, AppConfig } from '../config';
import { EmailJobHandler } from './email-job-handler';
import { EmailDeliveryStats } from './email-delivery-stats';
import { JobHandlers } from '../queues/job-handlers';
import { QueueName } from '../queues/queue-jobs';
import { EmailSender } from './email-sender';
import { PermanentEmailError } from './email.errors';
import { EmailSuppressions } from './email-suppressions';
import { OutboxStates } from './outbox-states';

const RATE_LIMIT_TIMEOUT_MS = 5000;

/**
 * Sends every email job (worker only). Transient failures throw, so BullMQ retries them with
 * exponential backoff up to the job's attempts; a 5xx answer is an UnrecoverableError (failed at
 * once, visible as a failed job) and puts the address on the suppression list, whose addresses
 * are not attempted again. Each outcome is written on the email's outbox row. Jobs may run twice
 * after a stall, so each handler skips what is no longer PENDING.
 */
// A crashed worker's jobs are re-run after two stalled checks: a 15 s lock (renewed every 7.5 s
// while a job runs) checked every 10 s brings that from ~60 s (BullMQ's defaults) to ~25 s.
@Processor(QueueName.Email, { concurrency: 10, lockDuration: 15_000, stalledInterval: 10_000 })
export class EmailProcessor extends WorkerHost implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EmailProcessor.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.Email) private readonly queue: Queue,
    private readonly sender: EmailSender,
    private readonly stats: EmailDeliveryStats,
    private readonly states: OutboxStates,
    private readonly suppressions: EmailSuppressions,
    private readonly handlers: JobHandlers,
  ) {
    super();
  }

  /**
   * EMAIL_RATE_LIMIT as BullMQ's global rate limit: stored on the queue in Redis, so it holds for
   * all workers together (a Worker's own `limiter` option is static in @Processor and per worker
   * configuration; this one comes from the typed config at start-up).
   */
  async onModuleInit(): Promise<void> {
    const { limit, seconds } = this.config.emailRateLimit;
    await withTimeout(
      this.queue.setGlobalRateLimit(limit, seconds * 1000),
      RATE_LIMIT_TIMEOUT_MS,
      'Redis, setting the email rate limit,',
    );
  }

  /**
   * Closes the worker before any connection goes away (onModuleDestroy runs before every
   * onApplicationShutdown): it stops taking jobs and waits for the ones in flight.
   */
  async onModuleDestroy(): Promise<void> {
    await this.worker.close();
  }

  async process(job: Job): Promise<string> {
    const handler = this.handlers.get<EmailJobHandler<unknown>>(QueueName.Email, job.name);
    if (!handler) throw new UnrecoverableError(`unknown email job "${job.name}"`);
    const prepared = await handler.prepare(job.data);
    if ('skipped' in prepared) return prepared.skipped;
    const { outboxId, message } = prepared;
    if (!prepared.ignoreSuppression && (await this.suppressions.isSuppressed(message.to))) {
      if (await this.states.suppressed(outboxId)) await handler.settled(job.data, 'SUPPRESSED');
      this.logOutcome(job, prepared.event, 'suppressed');
      return 'suppressed';
    }
    let outcome: 'SENT' | 'LOGGED';
    try {
      outcome = await this.sender.send(message);
    } catch (error) {
      const permanent = error instanceof PermanentEmailError;
      const reason = (error as Error).message;
      const givenUp = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (permanent) await this.suppressions.add(message.to, reason);
      if (await this.states.attemptFailed(outboxId, reason, givenUp)) {
        await handler.settled(job.data, 'FAILED');
        await this.stats.recordFailed(prepared.event);
      }
      this.logOutcome(job, prepared.event, givenUp ? 'failed' : 'retrying', reason);
      if (permanent) throw new UnrecoverableError(reason);
      throw error;
    }
    if (await this.states.delivered(outboxId, outcome)) await handler.settled(job.data, outcome);
    if (outcome === 'LOGGED') {
      this.logOutcome(job, prepared.event, 'logged');
      return 'logged';
    }
    await this.stats.recordSent(prepared.event);
    this.logOutcome(job, prepared.event, 'sent');
    return 'sent';
  }

  /**
   * One line per delivery attempt's outcome: what an operator follows an email by. No address
   * or content at info level (the outbox row has them).
   */
  private logOutcome(
    job: Job,
    event: string,
    result: 'sent' | 'logged' | 'suppressed' | 'retrying' | 'failed',
    reason?: string,
  ): void {
    const line = {
      event,
      jobId: job.id,
      outboxId: (job.data as { outboxId?: string }).outboxId,
      attempt: job.attemptsMade + 1,
      result,
      reason,
    };
    if (result !== 'retrying' && result !== 'failed') this.logger.log(line, `email ${result}`);
    else this.logger.warn(line, `email ${result}`);
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`email worker: ${error.message}`);
  }
}
