import type { CacheName } from './cache-families';

/**
 * The whole configuration of a Parcsal process, typed. Built once at start-up by `loadConfig`
 * from the environment (see docs/contract.md "Configuration"); nothing else reads process.env.
 */
export type RateLimitName =
  'GLOBAL' | 'LOGIN' | 'LOGIN_EMAIL' | 'REGISTER' | 'REFRESH' | 'BOOKING' | 'SEARCH' | 'CHAT';

export interface RateLimit {
  limit: number;
  seconds: number;
}

export interface RedisConnectionConfig {
  url: string;
  clusterNodes: { host: string; port: number }[] | null;
  sentinels: { host: string; port: number }[] | null;
  sentinelName: string | null;
}

export interface AppConfig {
  nodeEnv: string;
  port: number;
  redis: RedisConnectionConfig;
  /**
   * The response cache's Redis: CACHE_REDIS_URL when set (a plain Redis), else the same deployment
   * as `redis` (Cluster and Sentinel included).
   */
  cacheRedis: RedisConnectionConfig;
  redisKeyPrefix: string;
  lockRedisUrls: string[];
  databaseUrl: string | null;
  dataDir: string;
  dbMigrate: boolean;
  smtpUrl: string | null;
  emailFrom: string;
  emailRateLimit: RateLimit;
  /** The API's public base URL (no trailing slash), for links inside emails. */
  publicUrl: string;
  /** HMAC key of the unsubscribe links in campaign emails (they never expire). */
  unsubscribeSecret: string;
  jwt: {
    accessSecret: string;
    refreshSecret: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    issuer: string;
    audience: string;
  };
  trustProxy: number;
  /**
   * CORS_ORIGINS: browser origins (`https://app.example`, normalised) allowed to call the API and
   * connect to Socket.IO, with credentials. Empty = no cross-origin access.
   */
  corsOrigins: string[];
  /** Rate limits (src/rate-limit); the key keeps the word of its variables, THROTTLE_<NAME>. */
  throttle: { enabled: boolean; limits: Record<RateLimitName, RateLimit> };
  cacheTtlSeconds: Record<CacheName, number>;
  admin: { email: string; password: string } | null;
  logLevel: string;
  /** WORKER_HEALTH_PORT: the worker answers /health/live and /health/ready there; null = off. */
  workerHealthPort: number | null;
  /** Embedded mode: no DATABASE_URL, so the API process also runs the worker's processors. */
  embedded: boolean;
  /**
   * BENCHMARK ONLY (`BENCH_SYNC_EMAIL=true`, used by bench/): emails are sent over SMTP inside
   * the request instead of through the outbox, to measure the synchronous "before" of the email
   * queue. Never set it in a deployment.
   */
  benchSyncEmail: boolean;
}
