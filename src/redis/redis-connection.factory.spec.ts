import Redis, { Cluster } from 'ioredis';
import { RedisConnectionConfig } from '../config';
import { openCacheRedis } from './cache-store.factory';
import { describeRedisTarget, openRedis } from './redis-connection.factory';
import { RedisKeys } from './redis-keys';

const plain: RedisConnectionConfig = {
  url: 'redis://127.0.0.1:6379',
  clusterNodes: null,
  sentinels: null,
  sentinelName: null,
};
const cluster: RedisConnectionConfig = {
  ...plain,
  clusterNodes: [
    { host: '10.0.0.1', port: 7000 },
    { host: '10.0.0.2', port: 7001 },
  ],
};
const sentinel: RedisConnectionConfig = {
  ...plain,
  sentinels: [
    { host: 's1', port: 26379 },
    { host: 's2', port: 26379 },
  ],
  sentinelName: 'parcsal',
};

describe('openRedis (no connection is made: lazy)', () => {
  it('opens a Cluster client on REDIS_CLUSTER_NODES, passing the options to every node', () => {
    const client = openRedis(cluster, { enableOfflineQueue: false, commandTimeout: 1000 });
    expect(client).toBeInstanceOf(Cluster);
    const c = client as Cluster;
    expect((c as unknown as { startupNodes: unknown }).startupNodes).toEqual(cluster.clusterNodes);
    expect(c.options.enableOfflineQueue).toBe(false);
    expect(c.options.lazyConnect).toBe(true);
    expect(c.options.redisOptions).toMatchObject({ commandTimeout: 1000 });
    expect(describeRedisTarget(cluster)).toBe('cluster 10.0.0.1:7000,10.0.0.2:7001');
  });

  it('asks the sentinels for the named master on REDIS_SENTINELS', () => {
    const client = openRedis(sentinel, { enableOfflineQueue: false }) as Redis;
    expect(client).not.toBeInstanceOf(Cluster);
    expect(client.options).toMatchObject({
      sentinels: sentinel.sentinels,
      name: 'parcsal',
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    expect(describeRedisTarget(sentinel)).toBe('sentinel parcsal via s1:26379,s2:26379');
  });

  it('connects to REDIS_URL otherwise, never printing a password', () => {
    const client = openRedis({ ...plain, url: 'redis://:secret@10.0.0.9:6380' }, {}) as Redis;
    expect(client.options).toMatchObject({ host: '10.0.0.9', port: 6380 });
    expect(describeRedisTarget({ ...plain, url: 'redis://:secret@h:1' })).toBe('redis://***@h:1');
  });
});

describe('openCacheRedis (node-redis, not connected)', () => {
  it('is a cluster client on Cluster (recognised by @keyv/redis), not ready before connect', () => {
    const client = openCacheRedis(cluster, 'cache');
    expect((client as unknown as { slots: unknown }).slots).toBeDefined();
    expect(client.isReady).toBe(false);
  });

  it('is a sentinel client on Sentinel', () => {
    const client = openCacheRedis(sentinel, 'cache') as unknown as Record<string, unknown>;
    expect(typeof client.getSentinelNode).toBe('function');
  });

  it('is a plain client otherwise', () => {
    const client = openCacheRedis(plain, 'cache') as unknown as Record<string, unknown>;
    expect(client.slots).toBeUndefined();
    expect(client.getSentinelNode).toBeUndefined();
  });
});

describe('RedisKeys.grouped', () => {
  it('hash-tags a group on Cluster (one slot), and keeps the plain key on one Redis', () => {
    expect(new RedisKeys('p:', true).grouped('lock', 'booking:1')).toBe('p:{lock}:booking:1');
    expect(new RedisKeys('p:').grouped('lock', 'booking:1')).toBe('p:lock:booking:1');
  });
});
