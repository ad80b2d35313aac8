import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueName } from './queue-jobs';

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
