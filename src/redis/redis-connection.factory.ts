import Redis, { Cluster, RedisOptions } from 'ioredis';
import { RedisConnectionConfig } from '../config';

/** Either a single Redis (plain or through Sentinel) or a Redis Cluster: both speak the same commands. */
export type RedisClient = Redis | Cluster;

/**
 * Opens one ioredis connection to the configured deployment: Cluster when REDIS_CLUSTER_NODES is
 * set, Sentinel when REDIS_SENTINELS is set, else REDIS_URL. Connection is lazy: the caller awaits
 * `connect()` so that start-up can fail with a clear line.
 */
export function openRedis(config: RedisConnectionConfig, options: RedisOptions): RedisClient {
  const base: RedisOptions = { lazyConnect: true, ...options };
  if (config.clusterNodes) {
    return new Cluster(config.clusterNodes, {
      lazyConnect: true,
      enableOfflineQueue: base.enableOfflineQueue,
      redisOptions: base,
    });
  }
  if (config.sentinels) {
    return new Redis({
      ...base,
      sentinels: config.sentinels,
      name: config.sentinelName ?? undefined,
    });
  }
  return new Redis(config.url, base);
}

/** Where the connection points, for log lines (never includes a password). */
export function describeRedisTarget(config: RedisConnectionConfig): string {
  if (config.clusterNodes)
    return `cluster ${config.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  if (config.sentinels)
    return `sentinel ${config.sentinelName} via ${config.sentinels.map((n) => `${n.host}:${n.port}`).join(',')}`;
  return config.url.replace(/\/\/[^@/]*@/, '//***@');
}

/** The variable that chose the deployment, for start-up failure lines. */
export function describeRedisVariable(config: RedisConnectionConfig): string {
  if (config.clusterNodes) return 'REDIS_CLUSTER_NODES';
  if (config.sentinels) return 'REDIS_SENTINELS';
  return 'REDIS_URL';
}
