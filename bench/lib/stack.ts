import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdapterName } from './profile';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { Client, Pool } from 'pg';
import { freePort } from '../../test/support/redis-server';
import { progress } from './log';

/** Shared with the tests: a free TCP port on loopback. */
export { freePort };

export const ROOT = join(__dirname, '..', '..');

/** Where the bench finds PostgreSQL and Redis (the same defaults as the test suite). */
export const PG_ADMIN_URL =
  process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SHARED_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Fixed secrets for the bench's processes (NODE_ENV=production insists on explicit ones). */
const JWT_ENV = {
  JWT_ACCESS_SECRET: 'bench-access-secret-not-for-production',
  JWT_REFRESH_SECRET: 'bench-refresh-secret-not-for-production',
};

export type Env = Record<string, string>;

const PG_COUNTER = join(__dirname, '..', 'preload', 'count-pg-queries.js');
/** GC + heap and CPU-profile hooks (bench/preload/heap-and-profile.js); needs --expose-gc. */
export const HEAP_AND_PROFILE = [
  '--expose-gc',
  '-r',
  join(__dirname, '..', 'preload', 'heap-and-profile.js'),
];

/** The HTTP adapter a checkout's API runs on, from its package.json dependencies. */
export function adapterOf(root: string): AdapterName {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return pkg.dependencies?.['@nestjs/platform-fastify'] ? 'Fastify' : 'Express';
}

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Last lines of its output, shown when it fails. */
  tail: string[];
}

export interface ApiProc extends Proc {
  port: number;
  url: string;
}

function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Resident set size of a process in kB (Linux /proc), or NaN when it is gone. */
export function rssKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc). */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * One isolated Parcsal deployment for the bench run: a scratch PostgreSQL database, a Redis key
 * prefix (on a private redis-server when the binary exists, so that command and memory counters
 * only see the bench; else on the shared Redis), and the API, worker and helper processes it
 * starts. `close()` stops every process, deletes every key under the prefix and drops the
 * database, also after a failure or Ctrl-C.
 */
export class BenchStack {
  readonly id = randomBytes(4).toString('hex');
  readonly prefix = `bench:${this.id}:`;
  readonly dbName = `parcsal_bench_${this.id}`;
  readonly databaseUrl = databaseUrl(this.dbName);
  redisUrl = SHARED_REDIS_URL;
  /** True when the Redis is the bench's own redis-server. */
  privateRedis = false;
  private redisServer: ChildProcess | null = null;
  private readonly procs = new Set<Proc>();
  private dbCreated = false;
  private redisClient: Redis | null = null;
  private pool: Pool | null = null;
  private closed = false;

  async open(): Promise<void> {
    await this.startRedis();
    await adminQuery(`CREATE DATABASE ${this.dbName}`);
    this.dbCreated = true;
    progress(`database ${this.dbName}, Redis ${this.redisUrl} prefix ${this.prefix}`);
  }

  private async startRedis(): Promise<void> {
    if (process.env.BENCH_REDIS_URL) return;
    const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
    if (found.status !== 0) return;
    const port = await freePort();
    this.redisServer = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    const url = `redis://127.0.0.1:${port}`;
    for (let attempt = 0; attempt < 100; attempt++) {
      const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        this.redisUrl = url;
        this.privateRedis = true;
        return;
      } catch {
        probe.disconnect();
        await sleep(50);
      }
    }
    this.redisServer.kill('SIGKILL');
    this.redisServer = null;
  }

  /** A plain Redis client on the bench's Redis (stats, key counts, cleanup). */
  redis(): Redis {
    this.redisClient ??= new Redis(this.redisUrl, { maxRetriesPerRequest: 2 });
    return this.redisClient;
  }

  /** A small pool on the bench database for fixtures and counters. */
  sqlPool(): Pool {
    this.pool ??= new Pool({ connectionString: this.databaseUrl, max: 3 });
    return this.pool;
  }

  async sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.sqlPool().query(text, params)).rows as T[];
  }

  /** `INFO commandstats` as command → calls (server-wide: exact only on a private Redis). */
  async commandCalls(): Promise<Record<string, number>> {
    const stats = await this.commandStats();
    return Object.fromEntries(Object.entries(stats).map(([c, s]) => [c, s.calls]));
  }

  /** `INFO commandstats` as command → calls and server-side microseconds spent. */
  async commandStats(): Promise<Record<string, { calls: number; usec: number }>> {
    const info = await this.redis().info('commandstats');
    const stats: Record<string, { calls: number; usec: number }> = {};
    for (const line of info.split('\n')) {
      const match = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
      if (match) stats[match[1]] = { calls: Number(match[2]), usec: Number(match[3]) };
    }
    return stats;
  }

  baseEnv(): Env {
    return {
      NODE_ENV: 'production',
      ...JWT_ENV,
      LOG_LEVEL: 'warn',
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redisUrl,
      REDIS_KEY_PREFIX: this.prefix,
      DB_MIGRATE: 'false',
      THROTTLE_ENABLED: 'false',
      EMAIL_RATE_LIMIT: '100000/1',
    };
  }

  private spawnProc(name: string, args: string[], env: Env, cwd = ROOT): Proc {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      // The IPC channel answers the PostgreSQL query counter (bench/preload).
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const proc: Proc = { name, child, pid: child.pid ?? -1, tail: [] };
    const keep = (chunk: Buffer) => {
      proc.tail.push(...chunk.toString().split('\n').filter(Boolean));
      if (proc.tail.length > 40) proc.tail.splice(0, proc.tail.length - 40);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.procs.add(proc);
    child.once('exit', () => this.procs.delete(proc));
    return proc;
  }

  private async waitHttp(proc: Proc, url: string, path: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
        throw new Error(`${proc.name} exited at start-up:\n${proc.tail.join('\n')}`);
      }
      try {
        const response = await fetch(url + path, { signal: AbortSignal.timeout(2000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(
      `${proc.name} did not answer ${path} within ${timeoutMs} ms:\n${proc.tail.join('\n')}`,
    );
  }

  /**
   * `node dist/main` with the bench's environment plus `env`; resolves once /health is 200.
   * `nodeArgs` go before the entry (e.g. HEAP_AND_PROFILE); `root` is the checkout whose
   * dist/ runs (another commit's build, bench/lib/baseline.ts), this one by default.
   */
  async startApi(
    name: string,
    env: Env = {},
    nodeArgs: string[] = [],
    root = ROOT,
  ): Promise<ApiProc> {
    const port = await freePort();
    const proc = this.spawnProc(
      name,
      [...nodeArgs, '-r', PG_COUNTER, 'dist/main.js'],
      { ...this.baseEnv(), ...env, PORT: String(port) },
      root,
    );
    const url = `http://127.0.0.1:${port}`;
    await this.waitHttp(proc, url, '/health');
    return { ...proc, port, url };
  }

  /** Statements an API process has sent to PostgreSQL so far (bench/preload/count-pg-queries.js). */
  async pgQueries(proc: Proc): Promise<number> {
    const reply = await this.ask<{ queries?: number }>(proc, { type: 'bench:pg-queries' });
    return reply.queries ?? NaN;
  }

  /** One request/reply over a process's IPC channel to a bench preload (bench/preload). */
  ask<T>(proc: Proc, message: { type: string } & Record<string, unknown>, timeoutMs = 15_000) {
    const id = Math.random();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.child.off('message', onMessage);
        reject(new Error(`${proc.name}: no answer to ${message.type}`));
      }, timeoutMs);
      const onMessage = (reply: { type?: string; id?: number; error?: string }) => {
        if (reply?.type !== message.type || reply.id !== id) return;
        clearTimeout(timer);
        proc.child.off('message', onMessage);
        if (reply.error) reject(new Error(`${proc.name}: ${message.type}: ${reply.error}`));
        else resolve(reply as T);
      };
      proc.child.on('message', onMessage);
      proc.child.send({ ...message, id });
    });
  }

  /** `node dist/worker`; resolves once it has run for a moment without exiting. */
  async startWorker(name: string, env: Env = {}): Promise<Proc> {
    const proc = this.spawnProc(name, ['dist/worker.js'], { ...this.baseEnv(), ...env });
    await sleep(2500);
    if (proc.child.exitCode !== null) {
      throw new Error(`${name} exited at start-up:\n${proc.tail.join('\n')}`);
    }
    return proc;
  }

  /** The bare-framework app (bench/bare-app.ts): one empty route on the given adapter. */
  async startBare(adapter: AdapterName = 'Express'): Promise<ApiProc> {
    const port = await freePort();
    const name = adapter.toLowerCase();
    const proc = this.spawnProc(
      `bare-${name}`,
      ['-r', 'ts-node/register/transpile-only', join('bench', 'bare-app.ts')],
      { NODE_ENV: 'production', PORT: String(port), BARE_ADAPTER: name },
    );
    const url = `http://127.0.0.1:${port}`;
    await this.waitHttp(proc, url, '/empty');
    return { ...proc, port, url };
  }

  /** SIGTERM (the processes drain and exit 0), SIGKILL after a grace period. */
  async stop(proc: Proc, graceMs = 10_000): Promise<void> {
    const { child } = proc;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.procs].map((p) => this.stop(p)));
  }

  /** Deletes every key under `pattern` (SCAN, never KEYS). */
  async deleteKeys(pattern: string): Promise<number> {
    const redis = this.redis();
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    progress('cleaning up: processes, Redis keys, database');
    await this.stopAll().catch(() => undefined);
    try {
      if (this.redisClient || !this.privateRedis) {
        const deleted = await this.deleteKeys(`${this.prefix}*`);
        progress(`deleted ${deleted} Redis keys`);
      }
    } catch (error) {
      progress(`Redis cleanup failed: ${(error as Error).message}`);
    }
    this.redisClient?.disconnect();
    this.redisServer?.kill('SIGKILL');
    await this.pool?.end().catch(() => undefined);
    if (this.dbCreated) {
      await adminQuery(`DROP DATABASE IF EXISTS ${this.dbName} WITH (FORCE)`).catch((error) =>
        progress(`could not drop ${this.dbName}: ${(error as Error).message}`),
      );
    }
  }

  /** Last resort on process exit: no awaiting possible, so only kill what is left. */
  killAllNow(): void {
    for (const proc of this.procs) proc.child.kill('SIGKILL');
    this.redisServer?.kill('SIGKILL');
  }
}
