import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { RedisOptions } from 'ioredis';
import { reasonOf } from '../common/start-up';
import { withTimeout } from '../common/with-timeout';
import { APP_CONFIG, AppConfig, RedisConnectionConfig } from '../config';
import { openRedis, RedisClient } from './redis-connection.factory';
import { RedisUnavailableError } from './redis.errors';
import { RedisKeys } from './redis-keys';

/** Bound on every command of the shared client: a slow or dead Redis never hangs a request. */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;
const CONNECT_TIMEOUT_MS = 5000;
/**
 * QUIT waits for the server's answer; to a dead node (a killed Cluster master still in the slot
 * map) it never comes, so shutdown disconnects instead after this long.
 */
export const QUIT_TIMEOUT_MS = 2000;

/**
 * Owns every ioredis connection of the process: the shared command client, and dedicated
 * connections (subscribers, BullMQ, Socket.IO adapter) that need their own socket or options.
 * All of them are closed on shutdown.
 */
@Injectable()
export class RedisService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  private readonly connections = new Set<RedisClient>();
  readonly keys: RedisKeys;
  /**
   * The shared client for request-path commands. No offline queue and a command timeout:
   * while Redis is down, commands fail at once instead of piling up and replaying late.
   */
  readonly client: RedisClient;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.keys = new RedisKeys(config.redisKeyPrefix, config.redis.clusterNodes !== null);
    this.client = this.createConnection('shared', {
      enableOfflineQueue: false,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
    });
  }

  async onModuleInit(): Promise<void> {
    await this.connect(this.client);
  }

  /**
   * A new connection of its own (subscriber, blocking commands, BullMQ), closed on shutdown.
   * `target` points it elsewhere than the main deployment (e.g. an extra Redlock master).
   */
  createConnection(
    name: string,
    options: RedisOptions = {},
    target: RedisConnectionConfig = this.config.redis,
  ): RedisClient {
    const connection = openRedis(target, {
      connectionName: `${this.config.redisKeyPrefix}${name}`,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      ...options,
    });
    // Until it has been ready once, an error is start-up's to report (in one line), not a warning.
    let connected = false;
    connection.once('ready', () => (connected = true));
    connection.on('error', (err: Error) => {
      if (connected) this.logger.warn(`Redis (${name}): ${err.message}`);
      else this.logger.debug(`Redis (${name}) not connected yet: ${err.message}`);
    });
    this.connections.add(connection);
    return connection;
  }

  /** Connects now; a Redis that does not answer is one clear error. */
  async connect(connection: RedisClient): Promise<void> {
    if (connection.status === 'ready') return;
    let lastError = 'no answer';
    const remember = (err: Error) => (lastError = reasonOf(err));
    connection.on('error', remember);
    try {
      if (connection.status === 'wait') await connection.connect();
      else
        await withTimeout(
          new Promise<void>((resolve) => connection.once('ready', resolve)),
          CONNECT_TIMEOUT_MS,
          'Redis',
        );
    } catch (error) {
      throw new RedisUnavailableError(
        this.config.redis,
        lastError === 'no answer' ? reasonOf(error) : lastError,
      );
    } finally {
      connection.off('error', remember);
    }
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      [...this.connections].map(async (connection) => {
        try {
          await withTimeout(connection.quit(), QUIT_TIMEOUT_MS, 'Redis QUIT');
        } catch {
          connection.disconnect();
        }
      }),
    );
    this.connections.clear();
  }
}
