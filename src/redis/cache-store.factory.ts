import KeyvRedis, { createClient, Keyv, type RedisClientType } from '@keyv/redis';

/** The response cache's own connection (node-redis, the client @keyv/redis is built on). */
export type CacheRedisClient = RedisClientType;

const CONNECT_TIMEOUT_MS = 2000;

/**
 * Opens the response cache's connection to CACHE_REDIS_URL (a plain Redis, possibly an
 * LRU-evicting one: every cache key tolerates eviction). No offline queue: while the cache Redis
 * is down, commands fail at once and requests fall through to the database instead of waiting
 * for a reconnect. The caller connects it and listens for 'error'.
 */
export function openCacheRedis(url: string, name: string): CacheRedisClient {
  return createClient({
    url,
    name,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    },
  });
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
