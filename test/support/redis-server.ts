import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on loopback (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A private redis-server for tests that stop and restart Redis (never the shared one).
 * By default nothing persists: a restart is an empty Redis, as after a crash without persistence.
 */
export class PrivateRedis {
  private process: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly persistDir: string | null,
  ) {}

  /**
   * `persist: true` keeps data across stop/start (append-only file, fsync always), as a Redis
   * restarted in production does; otherwise a restart is an empty Redis.
   */
  static async start(options: { persist?: boolean } = {}): Promise<PrivateRedis> {
    const dir = options.persist ? mkdtempSync(join(tmpdir(), 'parcsal-redis-')) : null;
    const redis = new PrivateRedis(await freePort(), dir);
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
        ...(this.persistDir
          ? ['--dir', this.persistDir, '--appendonly', 'yes', '--appendfsync', 'always']
          : ['--appendonly', 'no']),
      ],
      { stdio: 'ignore' },
    );
    const probe = new Redis(this.url, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    probe.disconnect();
    throw new Error(`private redis-server on port ${this.port} did not start`);
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}
