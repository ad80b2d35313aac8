import { ConfigError, loadConfig } from './load-config';

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.cacheRedis).toEqual(config.redis);
    expect(config.lockRedisUrls).toEqual([config.redis.url]);
    expect(config.redisKeyPrefix).toBe('parcsal:');
    expect(config.embedded).toBe(true);
    expect(config.emailRateLimit).toEqual({ limit: 20, seconds: 1 });
    expect(config.jwt.accessTtlSeconds).toBe(900);
    expect(config.jwt.refreshTtlSeconds).toBe(7 * 86400);
    expect(config.throttle.limits.LOGIN).toEqual({ limit: 5, seconds: 900 });
    expect(config.throttle.limits.CHAT).toEqual({ limit: 20, seconds: 10 });
    expect(config.cacheTtlSeconds.PROFILE).toBe(120);
    expect(config.trustProxy).toBe(0);
    expect(config.admin).toBeNull();
    expect(config.publicUrl).toBe('http://localhost:3000');
  });

  it('reads CACHE_TTL_<name> for every cache family, with the contract defaults', () => {
    expect(loadConfig({}).cacheTtlSeconds).toEqual({
      DASHBOARD: 300,
      SEARCH: 60,
      COMPANY: 300,
      REVIEW_STATS: 300,
      PROFILE: 120,
    });
    expect(loadConfig({ CACHE_TTL_REVIEW_STATS: '7' }).cacheTtlSeconds.REVIEW_STATS).toBe(7);
    expect(() => loadConfig({ CACHE_TTL_DASHBOARD: '0' })).toThrow('(CACHE_TTL_DASHBOARD)');
  });

  it('defaults PUBLIC_URL to the port and drops a trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://api.parcsal.example/' }).publicUrl).toBe(
      'https://api.parcsal.example',
    );
  });

  it('derives the unsubscribe key from the refresh secret unless UNSUBSCRIBE_SECRET is set', () => {
    const derived = loadConfig({ JWT_REFRESH_SECRET: 'r'.repeat(32) }).unsubscribeSecret;
    expect(derived).not.toContain('r'.repeat(32));
    expect(loadConfig({ JWT_REFRESH_SECRET: 'r'.repeat(32) }).unsubscribeSecret).toBe(derived);
    expect(loadConfig({ JWT_REFRESH_SECRET: 's'.repeat(32) }).unsubscribeSecret).not.toBe(derived);
    expect(loadConfig({ UNSUBSCRIBE_SECRET: 'u'.repeat(32) }).unsubscribeSecret).toBe(
      'u'.repeat(32),
    );
  });

  it('reads overrides', () => {
    const config = loadConfig({
      PORT: '8080',
      THROTTLE_LOGIN: '3/60',
      THROTTLE_ENABLED: 'false',
      CACHE_TTL_SEARCH: '5',
      LOCK_REDIS_URLS: 'redis://a:1, redis://b:2',
      DATABASE_URL: 'postgres://u@h/db',
      REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001',
      ADMIN_EMAIL: 'Root@Example.com',
      ADMIN_PASSWORD: 'pw',
    });
    expect(config.port).toBe(8080);
    expect(config.throttle).toMatchObject({
      enabled: false,
      limits: { LOGIN: { limit: 3, seconds: 60 } },
    });
    expect(config.cacheTtlSeconds.SEARCH).toBe(5);
    expect(config.lockRedisUrls).toEqual(['redis://a:1', 'redis://b:2']);
    expect(config.embedded).toBe(false);
    expect(config.redis.clusterNodes).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: '127.0.0.1', port: 7001 },
    ]);
    // CACHE_REDIS_URL unset: the cache uses the same Cluster.
    expect(config.cacheRedis).toEqual(config.redis);
    expect(config.admin).toEqual({ email: 'root@example.com', password: 'pw' });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ THROTTLE_LOGIN: '5' }, 'THROTTLE_LOGIN'],
    [{ EMAIL_RATE_LIMIT: '0/1' }, 'EMAIL_RATE_LIMIT'],
    [{ JWT_ACCESS_TTL: 'soon' }, 'JWT_ACCESS_TTL'],
    [{ TRUST_PROXY: '-1' }, 'TRUST_PROXY'],
    [{ SMTP_URL: 'http://mail' }, 'SMTP_URL'],
    [{ DB_MIGRATE: 'maybe' }, 'DB_MIGRATE'],
    [{ REDIS_SENTINELS: 'h:1' }, 'REDIS_SENTINEL_NAME'],
    [{ NODE_ENV: 'production' }, 'JWT_ACCESS_SECRET'],
    [{ NODE_ENV: 'production', JWT_ACCESS_SECRET: 'a' }, 'JWT_REFRESH_SECRET'],
    [{ PUBLIC_URL: 'api.parcsal.example' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'ftp://api.parcsal.example' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://api.parcsal.example/?x=1' }, 'PUBLIC_URL'],
    [{ WORKER_HEALTH_PORT: '0' }, 'WORKER_HEALTH_PORT'],
    [{ WORKER_HEALTH_PORT: 'http' }, 'WORKER_HEALTH_PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('rejects %j naming %s in one line', (env, variable) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`(${variable})`);
    expect((error as Error).message).not.toContain('\n');
  });

  it('turns the worker health port on only when WORKER_HEALTH_PORT is set', () => {
    expect(loadConfig({}).workerHealthPort).toBeNull();
    expect(loadConfig({ WORKER_HEALTH_PORT: '9464' }).workerHealthPort).toBe(9464);
  });

  it('points the cache at CACHE_REDIS_URL alone when it is set, even on Cluster or Sentinel', () => {
    const config = loadConfig({
      REDIS_SENTINELS: 's1:26379, s2:26379',
      REDIS_SENTINEL_NAME: 'parcsal',
      CACHE_REDIS_URL: 'redis://cache:6379',
    });
    expect(config.redis).toMatchObject({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      sentinelName: 'parcsal',
    });
    expect(config.cacheRedis).toEqual({
      url: 'redis://cache:6379',
      clusterNodes: null,
      sentinels: null,
      sentinelName: null,
    });
  });

  it('starts in production when both secrets are set', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_ACCESS_SECRET: 'a'.repeat(32),
      JWT_REFRESH_SECRET: 'b'.repeat(32),
    });
    expect(config.jwt.accessSecret).toBe('a'.repeat(32));
  });
});
