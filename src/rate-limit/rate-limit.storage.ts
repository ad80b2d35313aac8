import { Injectable, OnModuleInit } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { randomUUID } from 'node:crypto';
import { RedisClient, RedisService } from '../redis';

/**
 * Commands of the rate-limit connection: a slow Redis costs a request at most this long, and a
 * dead one costs nothing (no offline queue: commands fail at once while disconnected).
 */
export const RATE_LIMIT_COMMAND_TIMEOUT_MS = 500;

/** What `increment` answers; named through the public interface (the record type is not exported). */
type IncrementRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

type CountScript = (
  hitKey: string,
  blockKey: string,
  limitName: string,
  ttlMs: number,
  limit: number,
  blockDurationMs: number,
) => Promise<unknown>;
type ReserveScript = (
  key: string,
  limit: number,
  ttlMs: number,
  window: string,
) => Promise<unknown>;
type ReleaseScript = (key: string, window: string) => Promise<unknown>;

/**
 * One attempt counted in a window ahead of time; `window` tells this window from a later one
 * under the same key, so giving the attempt back never lowers a count it was not part of.
 */
export interface Reservation {
  key: string;
  window: string;
}

export interface ReservationResult {
  /** Attempts counted in the window, this one included when granted. */
  totalHits: number;
  /** Seconds until the window resets. */
  timeToExpire: number;
  /** Null when the window is full: the attempt may not be made. */
  reservation: Reservation | null;
}

/**
 * KEYS: the window (hash: n = attempts, w = window id). ARGV: limit, window ms, id of a new window.
 * Counts one attempt unless `limit` are already counted; returns { n, ms left, granted, window }.
 */
const RESERVE = `
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'n', 1, 'w', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return { 1, tonumber(ARGV[2]), 1, ARGV[3] }
end
if n >= tonumber(ARGV[1]) then return { n, ttl, 0, '' } end
n = redis.call('HINCRBY', KEYS[1], 'n', 1)
return { n, ttl, 1, redis.call('HGET', KEYS[1], 'w') }
`;

/** KEYS: the window. ARGV: window id. Gives one attempt back if that window is still current. */
const RELEASE = `
if redis.call('HGET', KEYS[1], 'w') ~= ARGV[1] then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'n')) <= 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'n', -1)
return 1
`;

/**
 * The rate limits' storage on Redis, shared by every API process. It reuses the atomic Lua script
 * of @nest-lab/throttler-storage-redis (one INCR-based fixed window plus a block key, in one
 * round trip) but:
 * - keys go through the one key builder, so REDIS_KEY_PREFIX applies, and name the limit they
 *   count under: `<prefix>throttle:{<NAME>:<tracker>}:<limit>/<seconds>:hits|blocked` (hash tag:
 *   both keys in one Cluster slot). A changed THROTTLE_<NAME> therefore starts from fresh
 *   counters: no block made under an old limit outlives it;
 * - the script is sent once and then run by SHA (EVALSHA), not re-sent with every request;
 * - it runs on a dedicated connection without offline queue and with a short command timeout,
 *   not auto-pipelined: ioredis' auto-pipelining throws an uncaught TypeError from its
 *   callback when a pipeline fails part-way (redis/ioredis#1931), which ended the process in the
 *   Redis outage test.
 * It also reserves attempts ahead of time (`reserve` / `release`), for limits that may only let
 * LIMIT attempts run whatever the concurrency but count failed ones only (LOGIN_EMAIL).
 */
@Injectable()
export class RateLimitStorage extends ThrottlerStorageRedisService implements OnModuleInit {
  private readonly script: CountScript;
  private readonly reserveScript: ReserveScript;
  private readonly releaseScript: ReleaseScript;

  constructor(private readonly redisService: RedisService) {
    super(
      redisService.createConnection('throttle', {
        enableOfflineQueue: false,
        commandTimeout: RATE_LIMIT_COMMAND_TIMEOUT_MS,
        maxRetriesPerRequest: 1,
      }) as never,
    );
    this.redis.defineCommand('parcsalRateLimit', { numberOfKeys: 2, lua: this.scriptSrc });
    this.redis.defineCommand('parcsalReserve', { numberOfKeys: 1, lua: RESERVE });
    this.redis.defineCommand('parcsalRelease', { numberOfKeys: 1, lua: RELEASE });
    const commands = this.redis as unknown as {
      parcsalRateLimit: CountScript;
      parcsalReserve: ReserveScript;
      parcsalRelease: ReleaseScript;
    };
    this.script = commands.parcsalRateLimit.bind(this.redis);
    this.reserveScript = commands.parcsalReserve.bind(this.redis);
    this.releaseScript = commands.parcsalRelease.bind(this.redis);
  }

  /** The connection, for health and tests (closed by RedisService on shutdown). */
  get connection(): RedisClient {
    return this.redis;
  }

  async onModuleInit(): Promise<void> {
    await this.redisService.connect(this.redis);
  }

  /** `key` is `<NAME>:<tracker>`: one window per limit and client, whatever the route. */
  override async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    limitName: string,
  ): Promise<IncrementRecord> {
    const base = this.baseKey(key, limit, ttl);
    const result = await this.script(
      `${base}:hits`,
      `${base}:blocked`,
      limitName,
      ttl,
      limit,
      blockDuration,
    );
    if (
      !Array.isArray(result) ||
      result.length !== 4 ||
      result.some((v) => typeof v !== 'number')
    ) {
      throw new TypeError(`Unexpected rate-limit script result: ${JSON.stringify(result)}`);
    }
    const [totalHits, timeToExpire, isBlocked, timeToBlockExpire] = result as number[];
    return {
      totalHits,
      timeToExpire: Math.ceil(timeToExpire / 1000),
      isBlocked: isBlocked === 1,
      timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
    };
  }

  /**
   * Counts one attempt under `key` before it is made, atomically: of any number of concurrent
   * callers on any number of processes, at most `limit` per window get a reservation.
   */
  async reserve(key: string, ttlMs: number, limit: number): Promise<ReservationResult> {
    const windowKey = `${this.baseKey(key, limit, ttlMs)}:attempts`;
    const result = await this.reserveScript(windowKey, limit, ttlMs, randomUUID());
    if (
      !Array.isArray(result) ||
      result.length !== 4 ||
      result.slice(0, 3).some((v) => typeof v !== 'number')
    ) {
      throw new TypeError(`Unexpected reserve script result: ${JSON.stringify(result)}`);
    }
    const [totalHits, ms, granted, window] = result as [number, number, number, string];
    return {
      totalHits,
      timeToExpire: Math.ceil(ms / 1000),
      reservation: granted === 1 ? { key: windowKey, window: String(window) } : null,
    };
  }

  /** Gives a reserved attempt back (the attempt did not count after all). */
  async release(reservation: Reservation): Promise<void> {
    await this.releaseScript(reservation.key, reservation.window);
  }

  /** The keys keep their `throttle` segment: renaming it would drop every counter in Redis. */
  private baseKey(key: string, limit: number, ttlMs: number): string {
    return this.redisService.keys.key('throttle', `{${key}}`, `${limit}/${ttlMs / 1000}`);
  }
}
