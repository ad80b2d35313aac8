import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Namespace } from 'socket.io';
import type { AppConfig } from '../config';
import { withTimeout } from '../common/with-timeout';
import { QUIT_TIMEOUT_MS, RedisClient, RedisService } from '../redis';
import { openPubSubCluster } from '../redis/cache-store.factory';

type PubSubCluster = ReturnType<typeof openPubSubCluster>;
type Adapter = ReturnType<ReturnType<typeof createAdapter | typeof createShardedAdapter>>;
type AdapterFactory = (nsp: Namespace) => Adapter;

/**
 * Socket.IO's adapter and the worker's emitter fire PUBLISH without handling the returned promise:
 * during a Redis outage each one would be an unhandled rejection, which ends a Node process.
 * Delivery through Redis is best effort (messages and notifications are stored first), so a failed
 * publish is logged and otherwise ignored. (The sharded adapter catches its own publish errors.)
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
 * The sharded adapter fires SUNSUBSCRIBE (a room emptied) without handling the promise. node-redis
 * closes a shard's pub/sub connection once its last channel is gone; two rooms of one shard
 * emptied at once both try, and the second rejects with "The client is closed" although the
 * channel is unsubscribed: an unhandled rejection that would end the process. Logged instead.
 */
function catchUnsubscribeErrors(client: PubSubCluster, logger: Logger): void {
  const unsubscribe = client.sUnsubscribe.bind(client) as (...args: unknown[]) => Promise<void>;
  Object.assign(client, {
    sUnsubscribe: (...args: unknown[]) =>
      unsubscribe(...args).catch((error: Error) =>
        logger.debug(`Socket.IO SUNSUBSCRIBE: ${error.message}`),
      ),
  });
}

/** How long a join waits for Redis to confirm its rooms' subscriptions. */
const SUBSCRIBE_TIMEOUT_MS = 5000;

/**
 * The subscriptions Redis has not confirmed yet. Both adapters subscribe without waiting for the
 * answer (at creation; the sharded adapter also whenever a room appears on this process: one
 * channel per room), and a message published before the confirmation is not delivered here. A
 * join waits for them (see SocketIoRedisBase.adapter), so the handshake middleware and `chat:join`
 * answer only once the socket's rooms are reachable from every process.
 */
class PendingSubscriptions {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly logger: Logger) {}

  /** Records every promise `client[method]` returns until Redis answers it. */
  track(client: object, method: string): void {
    const subscribe = (client as Record<string, (...args: unknown[]) => Promise<unknown>>)[
      method
    ].bind(client);
    Object.assign(client, {
      [method]: (...args: unknown[]) => {
        const request = subscribe(...args);
        this.pending.add(request);
        // Also marks the adapter's unhandled promise as handled: a refused subscription is logged.
        request.then(
          () => this.pending.delete(request),
          (error: Error) => {
            this.pending.delete(request);
            this.logger.warn(`Socket.IO ${method}: ${error.message}`);
          },
        );
        return request;
      },
    });
  }

  /**
   * Runs `join` (which may subscribe) and resolves once every subscription requested so far is
   * live. Rejects when one that `join` itself requested fails or is not confirmed within
   * SUBSCRIBE_TIMEOUT_MS (a shard that is down must not hang a handshake). Earlier ones (e.g. the
   * same room's, requested by another socket's join a moment ago) are awaited within the same
   * bound but never reject it: a join whose promise nobody awaits (Socket.IO's own join of the
   * socket-id room, which subscribes nothing) must never reject.
   */
  async around(join: () => void): Promise<void> {
    const earlier = [...this.pending];
    join();
    const own = [...this.pending].filter((request) => !earlier.includes(request));
    await withTimeout(Promise.allSettled(earlier), SUBSCRIBE_TIMEOUT_MS, 'Redis SUBSCRIBE').catch(
      () => undefined,
    );
    if (own.length > 0)
      await withTimeout(Promise.all(own), SUBSCRIBE_TIMEOUT_MS, 'Redis SUBSCRIBE');
  }
}

/**
 * Channel prefix shared by the API processes' adapters and the worker's emitter; under
 * REDIS_KEY_PREFIX so several deployments (or test stacks) on one Redis never hear each other.
 */
export function socketIoChannelKey(redis: RedisService): string {
  return redis.keys.key('socket.io');
}

/** A publishing connection: no offline queue, so an outage fails fast instead of replaying late. */
function openSocketIoPublisher(redis: RedisService, name: string, logger: Logger): RedisClient {
  const client = redis.createConnection(name, { enableOfflineQueue: false });
  catchPublishErrors(client, logger);
  return client;
}

/**
 * The Redis side of Socket.IO in one process: a publishing and a subscribed connection (a
 * subscribed connection can run no other command), and the adapter built on them.
 *
 * - Single Redis or Sentinel: the classic adapter (PUBLISH/SUBSCRIBE) over ioredis.
 * - Redis Cluster: the sharded adapter (Redis 7 SPUBLISH/SSUBSCRIBE, `createShardedAdapter`):
 *   classic pub/sub on Cluster broadcasts every message to every node, sharded pub/sub sends it
 *   only to the shard owning the channel's slot. It needs node-redis' cluster client (it does not
 *   work with ioredis' Cluster), opened through src/redis. In the default "dynamic" mode each
 *   room (`user:<id>`, `chat:<bookingId>`) has its own channel, spread over the shards.
 *
 * Connected by its provider's factory, so before Nest creates the Socket.IO server (which happens
 * before module-init hooks: the sharded adapter subscribes at once and needs the slot map); closed
 * on shutdown, after Socket.IO has closed its adapters.
 */
export abstract class SocketIoRedisBase implements OnApplicationShutdown {
  protected readonly logger = new Logger('SocketIoRedis');
  readonly key: string;
  private readonly pub: RedisClient | PubSubCluster;
  private readonly sub: RedisClient | PubSubCluster | null;
  private readonly sharded: boolean;
  private readonly subscriptions = new PendingSubscriptions(this.logger);

  constructor(
    protected readonly redis: RedisService,
    config: AppConfig,
    name: string,
    subscribe: boolean,
  ) {
    this.key = socketIoChannelKey(redis);
    const nodes = config.redis.clusterNodes;
    this.sharded = nodes !== null;
    if (nodes) {
      const pub = openPubSubCluster(nodes, `${config.redisKeyPrefix}${name}-pub`);
      pub.on('error', (error: Error) => this.logger.warn(`Socket.IO Redis: ${error.message}`));
      // Even the worker's publishing server subscribes (to the namespace channel): the adapter
      // does so on creation.
      const sub = pub.duplicate();
      sub.on('error', (error: Error) => this.logger.warn(`Socket.IO Redis: ${error.message}`));
      catchUnsubscribeErrors(sub, this.logger);
      this.subscriptions.track(sub, 'sSubscribe');
      [this.pub, this.sub] = [pub, sub];
    } else {
      this.pub = openSocketIoPublisher(redis, `${name}-pub`, this.logger);
      // Keeps its offline queue: the adapter subscribes before the connection is up.
      this.sub = subscribe ? redis.createConnection(`${name}-sub`) : null;
      if (this.sub) {
        this.subscriptions.track(this.sub, 'subscribe');
        this.subscriptions.track(this.sub, 'psubscribe');
      }
    }
  }

  /**
   * The adapter for a Socket.IO server. Its `addAll` (what `socket.join` returns) resolves once
   * the Redis subscriptions for the joined rooms are live, not merely requested.
   */
  adapter(): AdapterFactory {
    const create = this.sharded
      ? createShardedAdapter(this.pub, this.sub, { channelPrefix: this.key })
      : createAdapter(this.pub, this.sub, { key: this.key });
    const subscriptions = this.subscriptions;
    // A function, not an arrow: Socket.IO calls it with `new` (the object returned is the adapter).
    return function (nsp: Namespace): Adapter {
      const adapter = create(nsp);
      const addAll = adapter.addAll.bind(adapter);
      adapter.addAll = (id, rooms) => subscriptions.around(() => void addAll(id, rooms));
      return adapter;
    };
  }

  /** The classic connection, for `@socket.io/redis-emitter` (single Redis or Sentinel only). */
  protected get classicPublisher(): RedisClient | null {
    return this.sharded ? null : (this.pub as RedisClient);
  }

  protected get isSharded(): boolean {
    return this.sharded;
  }

  async connect(): Promise<void> {
    if (!this.sharded) {
      const clients = [this.pub, this.sub].filter((c): c is RedisClient => c !== null);
      await Promise.all(clients.map((c) => this.redis.connect(c)));
      return;
    }
    await Promise.all([
      (this.pub as PubSubCluster).connect(),
      (this.sub as PubSubCluster).connect(),
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    // ioredis connections are closed by RedisService; node-redis cluster clients here.
    if (!this.sharded) return;
    await Promise.allSettled(
      [this.pub, this.sub].map((c) => {
        const cluster = c as PubSubCluster;
        return withTimeout(cluster.close(), QUIT_TIMEOUT_MS, 'Redis QUIT').catch(() =>
          cluster.destroy(),
        );
      }),
    );
  }
}
