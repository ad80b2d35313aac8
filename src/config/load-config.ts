import { createHmac } from 'node:crypto';
import { AppConfig, RateLimit, RateLimitName } from './app-config';
import { CACHE_FAMILIES, CACHE_NAMES, CacheName } from './cache-families';

type Env = Record<string, string | undefined>;

/** A bad variable: start-up stops with this one line. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration (${variable}): ${problem}`);
    this.name = 'ConfigError';
  }
}

export const RATE_LIMIT_DEFAULTS: Record<RateLimitName, RateLimit> = {
  GLOBAL: { limit: 100, seconds: 60 },
  LOGIN: { limit: 5, seconds: 900 },
  LOGIN_EMAIL: { limit: 10, seconds: 900 },
  REGISTER: { limit: 3, seconds: 3600 },
  REFRESH: { limit: 100, seconds: 900 },
  BOOKING: { limit: 10, seconds: 3600 },
  SEARCH: { limit: 60, seconds: 60 },
  CHAT: { limit: 20, seconds: 10 },
};

const DEV_ACCESS_SECRET = 'dev-only-access-secret-change-me';
const DEV_REFRESH_SECRET = 'dev-only-refresh-secret-change-me';

function str(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

function optional(env: Env, name: string): string | null {
  const value = env[name];
  return value === undefined || value === '' ? null : value;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = optional(env, name);
  if (raw === null) return fallback;
  if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

function redisUrl(env: Env, name: string, fallback: string): string {
  const value = str(env, name, fallback);
  if (!/^rediss?:\/\/.+/.test(value)) {
    throw new ConfigError(name, `must be a redis:// or rediss:// URL (got "${value}")`);
  }
  return value;
}

function redisUrlList(name: string, raw: string): string[] {
  const urls = raw.split(',').map((u) => u.trim());
  const bad = urls.find((u) => !/^rediss?:\/\/.+/.test(u));
  if (bad !== undefined) throw new ConfigError(name, `must list redis:// URLs (got "${bad}")`);
  return urls;
}

function rate(env: Env, name: string, fallback: RateLimit): RateLimit {
  const raw = optional(env, name);
  if (raw === null) return fallback;
  const match = /^(\d+)\/(\d+)$/.exec(raw);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
    throw new ConfigError(
      name,
      `must be LIMIT/SECONDS with both at least 1, e.g. 5/900 (got "${raw}")`,
    );
  }
  return { limit: Number(match[1]), seconds: Number(match[2]) };
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `15m`, `7d`, `3600` (seconds). */
function duration(env: Env, name: string, fallback: string): number {
  const raw = str(env, name, fallback);
  const match = /^(\d+)([smhd]?)$/.exec(raw);
  if (!match || Number(match[1]) < 1) {
    throw new ConfigError(name, `must be a duration like 30s, 15m, 12h, 7d (got "${raw}")`);
  }
  return Number(match[1]) * DURATION_UNITS[match[2] || 's'];
}

function hostList(env: Env, name: string): { host: string; port: number }[] | null {
  const raw = optional(env, name);
  if (raw === null) return null;
  return raw.split(',').map((entry) => {
    const match = /^\s*([^:\s]+):(\d+)\s*$/.exec(entry);
    if (!match) throw new ConfigError(name, `must be host:port,... (got "${raw}")`);
    return { host: match[1], port: Number(match[2]) };
  });
}

/**
 * A key for another purpose derived one-way from a secret that is already required in production,
 * so a deployment need not set one more variable (and leaking it reveals nothing of the source).
 */
function deriveSecret(source: string, purpose: string): string {
  return createHmac('sha256', source).update(`parcsal:${purpose}`).digest('base64url');
}

/** An http(s) base URL, returned without a trailing slash. */
function baseUrl(env: Env, name: string, fallback: string): string {
  const value = str(env, name, fallback);
  let parsed: URL | null = null;
  try {
    parsed = new URL(value);
  } catch {
    parsed = null;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.search || parsed.hash) {
    throw new ConfigError(
      name,
      `must be an http:// or https:// URL without query or fragment (got "${value}")`,
    );
  }
  return value.replace(/\/+$/, '');
}

/**
 * Comma-separated browser origins: `http(s)://host[:port]`, nothing after (a trailing `/` is
 * tolerated). Stored as the URL's own origin, which is what browsers send in `Origin` (lower-case
 * host, no default port). `*` is refused: credentials need exact origins.
 */
function originList(env: Env, name: string): string[] {
  const raw = optional(env, name);
  if (raw === null) return [];
  return raw.split(',').map((entry) => {
    const value = entry.trim();
    const invalid = new ConfigError(
      name,
      `must list origins like https://app.example or http://127.0.0.1:5173 (got "${value}")`,
    );
    if (!/^https?:\/\/[^/?#@\s]+\/?$/i.test(value)) throw invalid;
    try {
      return new URL(value).origin;
    } catch {
      throw invalid;
    }
  });
}

function email(env: Env, name: string): string | null {
  const value = optional(env, name);
  if (value !== null && !/^[^@\s]+@[^@\s]+$/.test(value)) {
    throw new ConfigError(name, `must be an email address (got "${value}")`);
  }
  return value;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(env: Env, fallback: string): string {
  const value = str(env, 'LOG_LEVEL', fallback);
  if (!LOG_LEVELS.includes(value)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${value}")`);
  }
  return value;
}

export function loadConfig(env: Env): AppConfig {
  const nodeEnv = str(env, 'NODE_ENV', 'development');
  const production = nodeEnv === 'production';
  for (const name of ['JWT_ACCESS_SECRET', 'JWT_REFRESH_SECRET']) {
    if (production && optional(env, name) === null) {
      throw new ConfigError(name, 'is required when NODE_ENV=production');
    }
  }
  const accessSecret = str(env, 'JWT_ACCESS_SECRET', DEV_ACCESS_SECRET);
  const refreshSecret = str(env, 'JWT_REFRESH_SECRET', DEV_REFRESH_SECRET);
  if (accessSecret === refreshSecret) {
    throw new ConfigError('JWT_REFRESH_SECRET', 'must differ from JWT_ACCESS_SECRET');
  }

  const url = redisUrl(env, 'REDIS_URL', 'redis://127.0.0.1:6379');
  const sentinels = hostList(env, 'REDIS_SENTINELS');
  const sentinelName = optional(env, 'REDIS_SENTINEL_NAME');
  if (sentinels && !sentinelName) {
    throw new ConfigError('REDIS_SENTINEL_NAME', 'is required when REDIS_SENTINELS is set');
  }
  const lockUrls = optional(env, 'LOCK_REDIS_URLS');

  const smtpUrl = optional(env, 'SMTP_URL');
  if (smtpUrl !== null && !/^smtps?:\/\/.+/.test(smtpUrl)) {
    throw new ConfigError('SMTP_URL', `must be an smtp:// or smtps:// URL (got "${smtpUrl}")`);
  }

  const adminEmail = email(env, 'ADMIN_EMAIL');
  const adminPassword = optional(env, 'ADMIN_PASSWORD');

  const prefix = str(env, 'REDIS_KEY_PREFIX', 'parcsal:');
  if (/\s/.test(prefix)) throw new ConfigError('REDIS_KEY_PREFIX', 'must not contain spaces');

  const port = int(env, 'PORT', 3000, 0, 65535);

  const databaseUrl = optional(env, 'DATABASE_URL');
  if (databaseUrl !== null && !/^postgres(ql)?:\/\/.+/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', `must be a postgres:// URL (got "${databaseUrl}")`);
  }

  const limits = Object.fromEntries(
    (Object.keys(RATE_LIMIT_DEFAULTS) as RateLimitName[]).map((name) => [
      name,
      rate(env, `THROTTLE_${name}`, RATE_LIMIT_DEFAULTS[name]),
    ]),
  ) as Record<RateLimitName, RateLimit>;
  const cacheTtlSeconds = Object.fromEntries(
    CACHE_NAMES.map((name) => [
      name,
      int(env, `CACHE_TTL_${name}`, CACHE_FAMILIES[name].ttlDefaultSeconds, 1, 86400 * 30),
    ]),
  ) as Record<CacheName, number>;

  const redis = {
    url,
    clusterNodes: hostList(env, 'REDIS_CLUSTER_NODES'),
    sentinels,
    sentinelName,
  };
  const cacheUrl = optional(env, 'CACHE_REDIS_URL');

  return {
    nodeEnv,
    port,
    redis,
    cacheRedis:
      cacheUrl === null
        ? redis
        : {
            url: redisUrl(env, 'CACHE_REDIS_URL', url),
            clusterNodes: null,
            sentinels: null,
            sentinelName: null,
          },
    redisKeyPrefix: prefix,
    lockRedisUrls: lockUrls ? redisUrlList('LOCK_REDIS_URLS', lockUrls) : [url],
    databaseUrl,
    dataDir: str(env, 'DATA_DIR', './data'),
    dbMigrate: bool(env, 'DB_MIGRATE', true),
    smtpUrl,
    emailFrom: str(env, 'EMAIL_FROM', 'Parcsal <no-reply@parcsal.local>'),
    emailRateLimit: rate(env, 'EMAIL_RATE_LIMIT', { limit: 20, seconds: 1 }),
    publicUrl: baseUrl(env, 'PUBLIC_URL', `http://localhost:${port}`),
    unsubscribeSecret:
      optional(env, 'UNSUBSCRIBE_SECRET') ?? deriveSecret(refreshSecret, 'unsubscribe-links'),
    jwt: {
      accessSecret,
      refreshSecret,
      accessTtlSeconds: duration(env, 'JWT_ACCESS_TTL', '15m'),
      refreshTtlSeconds: duration(env, 'JWT_REFRESH_TTL', '7d'),
      issuer: 'parcsal',
      audience: 'parcsal-api',
    },
    trustProxy: int(env, 'TRUST_PROXY', 0, 0, 32),
    corsOrigins: originList(env, 'CORS_ORIGINS'),
    throttle: { enabled: bool(env, 'THROTTLE_ENABLED', true), limits },
    cacheTtlSeconds,
    admin:
      adminEmail && adminPassword
        ? { email: adminEmail.toLowerCase(), password: adminPassword }
        : null,
    logLevel: logLevel(env, nodeEnv === 'test' ? 'warn' : 'info'),
    workerHealthPort:
      optional(env, 'WORKER_HEALTH_PORT') === null
        ? null
        : int(env, 'WORKER_HEALTH_PORT', 0, 1, 65535),
    embedded: databaseUrl === null,
    benchSyncEmail: bool(env, 'BENCH_SYNC_EMAIL', false),
  };
}

/** The one place that reads the process environment. */
export function loadConfigFromProcess(overrides: Env = {}): AppConfig {
  return loadConfig({ ...process.env, ...overrides });
}
