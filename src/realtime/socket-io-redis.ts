import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { RedisClient, RedisService } from '../redis';

/**
 * Socket.IO's adapter and the worker's emitter fire PUBLISH without handling the returned promise:
 * during a Redis outage each one would be an unhandled rejection, which ends a Node process.
 * Delivery through Redis is best effort (messages and notifications are stored first), so a failed
 * publish is logged and otherwise ignored.
 */
function catchPublishErrors(client: RedisClient, logger: Logger): void {
  const publish = client.publish.bind(client) as (...args: unknown[]) => Promise<number>;
  Object.assign(client, {
    publish: (...args: unknown[]) => {
      const sent = publish(...args);
      sent.catch((error: Error) => logger.warn(`Socket.IO publish failed: ${error.message}`));
      return sent;
    },
  });
}

/**
 * Channel prefix shared by the API processes' adapters and the worker's emitter; under
 * REDIS_KEY_PREFIX so several deployments (or test stacks) on one Redis never hear each other.
 */
export function socketIoChannelKey(redis: RedisService): string {
  return redis.keys.key('socket.io');
}

/** A publishing connection: no offline queue, so an outage fails fast instead of replaying late. */
export function openSocketIoPublisher(
  redis: RedisService,
  name: string,
  logger: Logger,
): RedisClient {
  const client = redis.createConnection(name, { enableOfflineQueue: false });
  catchPublishErrors(client, logger);
  return client;
}

/**
 * The two connections of the Socket.IO Redis adapter in an API process: one publishing, one in
 * subscriber mode (a subscribed connection can run no other command). They are connected during
 * module init, that is before the application accepts sockets or listens, and closed with every
 * other connection by RedisService on shutdown.
 */
@Injectable()
export class SocketIoRedis implements OnModuleInit {
  private readonly logger = new Logger('SocketIoRedis');
  readonly pub: RedisClient;
  /** Keeps its offline queue: the adapter subscribes before the connection is up. */
  readonly sub: RedisClient;
  readonly key: string;

  constructor(private readonly redis: RedisService) {
    this.pub = openSocketIoPublisher(redis, 'socket.io-pub', this.logger);
    this.sub = redis.createConnection('socket.io-sub');
    this.key = socketIoChannelKey(redis);
  }

  async onModuleInit(): Promise<void> {
    await Promise.all([this.redis.connect(this.pub), this.redis.connect(this.sub)]);
  }
}
