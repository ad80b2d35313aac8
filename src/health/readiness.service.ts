import { Inject, Injectable } from '@nestjs/common';
import { DatabaseHealth } from '../database';
import { withTimeout } from '../common/with-timeout';
import { QUEUE_CONNECTION } from '../queues/queue-connection.module';
import { RedisClient, RedisService } from '../redis';
import { DrainState } from './drain-state';

/** A probe that takes longer than this counts as down: probes must answer fast. */
const CHECK_TIMEOUT_MS = 2000;

export type CheckState = 'up' | 'down';

export interface Readiness {
  ready: boolean;
  draining: boolean;
  checks: { database: CheckState; redis: CheckState; queue: CheckState };
}

/**
 * Whether this process can serve: not draining, and the database, Redis and the BullMQ
 * connection all answer. Shared by the API's GET /health/ready and the worker's health port.
 */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly drain: DrainState,
    private readonly database: DatabaseHealth,
    private readonly redis: RedisService,
    @Inject(QUEUE_CONNECTION) private readonly queueConnection: RedisClient,
  ) {}

  async check(): Promise<Readiness> {
    const probe = async (ping: () => Promise<boolean>): Promise<CheckState> =>
      (await withTimeout(ping(), CHECK_TIMEOUT_MS, 'readiness probe').catch(() => false))
        ? 'up'
        : 'down';
    const [database, redis] = await Promise.all([
      probe(() => this.database.ping()),
      probe(() => this.redis.ping()),
    ]);
    const queue: CheckState = this.queueConnection.status === 'ready' ? 'up' : 'down';
    const draining = this.drain.isDraining;
    const ready = !draining && database === 'up' && redis === 'up' && queue === 'up';
    return { ready, draining, checks: { database, redis, queue } };
  }
}

/** `draining`, or the checks that are down: `redis down, queue down`. */
export function notReadyReason(readiness: Readiness): string {
  if (readiness.draining) return 'draining';
  return Object.entries(readiness.checks)
    .filter(([, state]) => state === 'down')
    .map(([name]) => `${name} down`)
    .join(', ');
}
