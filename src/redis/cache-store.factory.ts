import KeyvRedis, {
  createClient,
  createCluster,
  createSentinel,
  Keyv,
  type RedisClientType,
} from '@keyv/redis';
import { RedisConnectionConfig } from '../config';

/**
 * The response cache's own connection (node-redis, the client @keyv/redis is built on). Typed as
 * the single-node client; on Cluster or Sentinel it is node-redis' cluster or sentinel client,
 * which answers every command the cache uses (SET/EXISTS, and EVALSHA/EVAL on one slot: entries
 * and tag keys share the `{cache-tag}` hash tag). @keyv/redis recognises a cluster client at run time.
 */
export type CacheRedisClient = RedisClientType;

const CONNECT_TIMEOUT_MS = 2000;

const socket = {
  connectTimeout: CONNECT_TIMEOUT_MS,
  reconnectStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
};

/** node-redis `rootNodes` for REDIS_CLUSTER_NODES. */
export function clusterRootNodes(nodes: { host: string; port: number }[]): { url: string }[] {
  return nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` }));
}

/**
 * node-redis' cluster client has no `isReady`: ready means open with the slot map loaded, which
 * `connect()` resolves on and the 'connect' event signals; this adds the getter and a 'ready'
 * event so callers treat all three deployments alike.
 */
function withReadiness<T extends { isOpen: boolean; on(event: string, fn: () => void): unknown }>(
  cluster: T,
): T {
  let ready = false;
  cluster.on('connect', () => {
    ready = true;
    (cluster as unknown as { emit(event: string): void }).emit('ready');
  });
  cluster.on('disconnect', () => (ready = false));
  Object.defineProperty(cluster, 'isReady', { get: () => ready && cluster.isOpen });
  return cluster;
}

/**
 * Opens the response cache's connection: to `target`, i.e. CACHE_REDIS_URL when set (a plain
 * Redis, possibly LRU-evicting: every cache key tolerates eviction), else the main deployment
 * (Cluster, Sentinel or REDIS_URL). No offline queue: while the cache Redis is down, commands
 * fail at once and requests fall through to the database instead of waiting for a reconnect.
 * The caller connects it and listens for 'error'.
 */
export function openCacheRedis(target: RedisConnectionConfig, name: string): CacheRedisClient {
  if (target.clusterNodes) {
    const cluster = createCluster({
      rootNodes: clusterRootNodes(target.clusterNodes),
      defaults: { name, disableOfflineQueue: true, socket },
    });
    return withReadiness(cluster) as unknown as CacheRedisClient;
  }
  if (target.sentinels) {
    return createSentinel({
      name: target.sentinelName ?? '',
      sentinelRootNodes: target.sentinels,
      nodeClientOptions: { name, disableOfflineQueue: true, socket },
    }) as unknown as CacheRedisClient;
  }
  return createClient({ url: target.url, name, disableOfflineQueue: true, socket });
}

/**
 * The Keyv store @nestjs/cache-manager reads and writes through, keys `<namespace>:<key>`.
 * Errors are thrown (not swallowed as misses) so the cache can tell "absent" from "unavailable".
 */
export function createCacheStore(client: CacheRedisClient, namespace: string): Keyv {
  const adapter = new KeyvRedis(client, {
    keyPrefixSeparator: ':',
    throwOnConnectError: true,
    throwOnErrors: true,
  });
  return new Keyv({ store: adapter, namespace, useKeyPrefix: false, throwOnErrors: true });
}

/**
 * A node-redis Cluster client for Socket.IO's sharded adapter (Redis 7 sharded pub/sub: SPUBLISH
 * and SSUBSCRIBE are routed to the shard owning the channel's slot, which ioredis' Cluster does
 * not do for the adapter). `duplicate()` it for the subscriber. The caller connects and closes it.
 */
export function openPubSubCluster(
  nodes: { host: string; port: number }[],
  name: string,
): ReturnType<typeof createCluster> {
  return createCluster({
    rootNodes: clusterRootNodes(nodes),
    defaults: { name, socket },
  });
}
