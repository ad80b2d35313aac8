import { Injectable, OnModuleInit } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { RedisClient, RedisService } from '../redis';

/**
 * Commands of the throttle connection: a slow Redis costs a request at most this long, and a
 * dead one costs nothing (no offline queue: commands fail at once while disconnected).
 */
export const THROTTLE_COMMAND_TIMEOUT_MS = 500;

type ThrottleScript = (
  hitKey: string,
  blockKey: string,
  throttlerName: string,
  ttlMs: number,
  limit: number,
  blockDurationMs: number,
) => Promise<unknown>;

/** A window that has not been hit yet, as `peek` reports it. */
export interface WindowState {
  totalHits: number;
  /** Seconds until the window resets (0 when it has no hits). */
  timeToExpire: number;
}

/**
 * The throttler's storage on Redis, shared by every API process. It reuses the atomic Lua script
 * of @nest-lab/throttler-storage-redis (one INCR-based fixed window plus a block key, in one
 * round trip) but:
 * - keys go through the one key builder, so REDIS_KEY_PREFIX applies:
 *   `<prefix>throttle:{<NAME>:<tracker>}:hits|blocked` (hash tag: both keys in one Cluster slot);
 * - the script is sent once and then run by SHA (EVALSHA), not re-sent with every request;
 * - it runs on a dedicated connection without offline queue and with a short command timeout.
 */
@Injectable()
export class RedisThrottlerStorage extends ThrottlerStorageRedisService implements OnModuleInit {
  private readonly script: ThrottleScript;

  constructor(private readonly redisService: RedisService) {
    super(
      redisService.createConnection('throttle', {
        enableOfflineQueue: false,
        commandTimeout: THROTTLE_COMMAND_TIMEOUT_MS,
        maxRetriesPerRequest: 1,
      }) as never,
    );
    this.redis.defineCommand('parcsalThrottle', { numberOfKeys: 2, lua: this.scriptSrc });
    this.script = (
      this.redis as unknown as { parcsalThrottle: ThrottleScript }
    ).parcsalThrottle.bind(this.redis);
  }

  /** The connection, for health and tests (closed by RedisService on shutdown). */
  get connection(): RedisClient {
    return this.redis;
  }

  async onModuleInit(): Promise<void> {
    await this.redisService.connect(this.redis);
  }

  /** `key` is `<NAME>:<tracker>` (see ThrottleGuard.generateKey). */
  override async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const [hitKey, blockKey] = this.keysOf(key);
    const result = await this.script(hitKey, blockKey, throttlerName, ttl, limit, blockDuration);
    if (
      !Array.isArray(result) ||
      result.length !== 4 ||
      result.some((v) => typeof v !== 'number')
    ) {
      throw new TypeError(`Unexpected throttle script result: ${JSON.stringify(result)}`);
    }
    const [totalHits, timeToExpire, isBlocked, timeToBlockExpire] = result as number[];
    return {
      totalHits,
      timeToExpire: Math.ceil(timeToExpire / 1000),
      isBlocked: isBlocked === 1,
      timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
    };
  }

  /** Reads a window without counting a hit (one round trip): for limits counted after the fact. */
  async peek(key: string): Promise<WindowState> {
    const [hitKey] = this.keysOf(key);
    const [[, hits], [, pttl]] = ((await this.redis.multi().get(hitKey).pttl(hitKey).exec()) ??
      []) as [unknown, unknown][];
    const totalHits = Number(hits ?? 0);
    return { totalHits, timeToExpire: Number(pttl) > 0 ? Math.ceil(Number(pttl) / 1000) : 0 };
  }

  private keysOf(key: string): [string, string] {
    const base = this.redisService.keys.key('throttle', `{${key}}`);
    return [`${base}:hits`, `${base}:blocked`];
  }
}
