import { Injectable, Logger } from '@nestjs/common';
import { RedisService } from '../redis';

/** The Redis hash of send counts: `sent:<event>` and `failed:<event>`, summed over every worker. */
export function emailStatsKey(redis: RedisService): string {
  return redis.keys.key('email', 'stats');
}

/**
 * Workers serve no HTTP, so their send counts live in one Redis hash (summed over every worker)
 * that the API's /metrics reads. Counting never fails a send.
 */
@Injectable()
export class EmailDeliveryStats {
  private readonly logger = new Logger(EmailDeliveryStats.name);

  constructor(private readonly redis: RedisService) {}

  recordSent(event: string): Promise<void> {
    return this.increment(`sent:${event}`);
  }

  recordFailed(event: string): Promise<void> {
    return this.increment(`failed:${event}`);
  }

  private async increment(field: string): Promise<void> {
    try {
      await this.redis.client.hincrby(emailStatsKey(this.redis), field, 1);
    } catch (error) {
      this.logger.warn(`email stats not recorded (${field}): ${(error as Error).message}`);
    }
  }
}
