import { createServer, Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../support/redis-server';
import { builtDir, NodeProcess, stopAllProcesses } from '../support/processes';
import { databaseUrl, TEST_PG_ADMIN_URL, TEST_REDIS_URL } from '../support/test-env';
import { TestStack } from '../support/test-stack';

/** A start-up that fails must end long before this ("never hangs", not a timing assertion). */
const NEVER_HANGS_MS = 60_000;

let stack: TestStack;
let dir: string;
let dataDir: string;

beforeAll(async () => {
  stack = await TestStack.create();
  dir = await builtDir();
  dataDir = mkdtempSync(join(tmpdir(), 'parcsal-startup-'));
}, 240_000);

afterAll(async () => {
  await stopAllProcesses();
  await stack.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A valid environment on the stack; each test breaks one thing. */
function env(overrides: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    REDIS_URL: TEST_REDIS_URL,
    DATABASE_URL: stack.databaseUrl,
    DATA_DIR: dataDir,
    REDIS_KEY_PREFIX: stack.prefix,
    DB_MIGRATE: 'false',
    PORT: '0',
    ...overrides,
  };
}

/** Runs a process to its end; what a user sees: exit code and stderr. */
async function run(
  name: string,
  script: 'main.js' | 'worker.js',
  overrides: Record<string, string>,
): Promise<NodeProcess> {
  const proc = new NodeProcess(name, join(dir, script), env(overrides));
  await Promise.race([proc.exited, new Promise((resolve) => setTimeout(resolve, NEVER_HANGS_MS))]);
  if (proc.running) await proc.kill('SIGKILL');
  return proc;
}

/** Exit code 1 and exactly one non-empty stderr line naming `variable`, without a stack trace. */
function expectOneLine(proc: NodeProcess, variable: string, cause: RegExp): string {
  expect({ exit: proc.exit, stderr: proc.stderr }).toEqual({
    exit: { code: 1, signal: null },
    stderr: [expect.stringContaining(`(${variable}`)],
  });
  const { msg } = JSON.parse(proc.stderr[0]) as { msg: string };
  expect(msg).toMatch(cause);
  expect(proc.stderr[0]).not.toMatch(/\n|\s{4}at /);
  // Nothing noisy at the default level before it either: no stack, no Nest module lines.
  expect(proc.output.join('\n')).not.toMatch(/InstanceLoader|\s{4}at |\[Nest\]/);
  return msg;
}

describe('start-up failures end with exit 1 and one line naming the variable', () => {
  it.each(['main.js', 'worker.js'] as const)(
    '%s: Redis unreachable (REDIS_URL)',
    async (script) => {
      const redisPort = await freePort();
      const proc = await run(`redis-${script}`, script, {
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      });
      expectOneLine(
        proc,
        'REDIS_URL',
        new RegExp(`Cannot reach Redis at redis://127.0.0.1:${redisPort}.*ECONNREFUSED`),
      );
    },
    NEVER_HANGS_MS + 10_000,
  );

  it.each(['main.js', 'worker.js'] as const)(
    '%s: PostgreSQL unreachable (DATABASE_URL)',
    async (script) => {
      const pgPort = await freePort();
      const proc = await run(`pg-${script}`, script, {
        DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/parcsal`,
      });
      expectOneLine(
        proc,
        'DATABASE_URL',
        new RegExp(`Cannot reach PostgreSQL at 127.0.0.1:${pgPort}/parcsal.*ECONNREFUSED`),
      );
    },
    NEVER_HANGS_MS + 10_000,
  );

  it(
    'invalid configuration (PORT, WORKER_HEALTH_PORT, LOG_LEVEL)',
    async () => {
      const [api, worker, level] = await Promise.all([
        run('bad-port', 'main.js', { PORT: 'eighty' }),
        run('bad-health-port', 'worker.js', { WORKER_HEALTH_PORT: '70000' }),
        run('bad-level', 'main.js', { LOG_LEVEL: 'loud' }),
      ]);
      expectOneLine(api, 'PORT', /Invalid configuration \(PORT\): must be an integer/);
      expectOneLine(
        worker,
        'WORKER_HEALTH_PORT',
        /Invalid configuration \(WORKER_HEALTH_PORT\): must be an integer/,
      );
      expectOneLine(level, 'LOG_LEVEL', /Invalid configuration \(LOG_LEVEL\): must be one of/);
    },
    NEVER_HANGS_MS + 10_000,
  );

  describe('ports in use', () => {
    let taken: Server;
    let port: number;

    beforeAll(async () => {
      taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, resolve));
      port = (taken.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

    it(
      'the API port (PORT)',
      async () => {
        const proc = await run('port-in-use', 'main.js', { PORT: String(port) });
        expectOneLine(proc, 'PORT', new RegExp(`Cannot listen on port ${port}.*EADDRINUSE`));
      },
      NEVER_HANGS_MS + 10_000,
    );

    it(
      "the worker's health port (WORKER_HEALTH_PORT)",
      async () => {
        const proc = await run('health-port-in-use', 'worker.js', {
          WORKER_HEALTH_PORT: String(port),
        });
        expectOneLine(
          proc,
          'WORKER_HEALTH_PORT',
          new RegExp(`Cannot listen on port ${port}.*EADDRINUSE`),
        );
      },
      NEVER_HANGS_MS + 10_000,
    );
  });

  describe('migrations failing', () => {
    const name = `parcsal_t_broken_${process.pid}`;

    beforeAll(async () => {
      // An empty database where the first migration's first statement cannot run.
      const admin = new Client({ connectionString: TEST_PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const db = new Client({ connectionString: databaseUrl(name) });
      await db.connect();
      await db.query(`CREATE TYPE booking_status AS ENUM ('SOMETHING_ELSE')`);
      await db.end();
    });
    afterAll(async () => {
      const admin = new Client({ connectionString: TEST_PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    });

    it(
      'names DATABASE_URL and DB_MIGRATE',
      async () => {
        const proc = await run('migrations', 'main.js', {
          DATABASE_URL: databaseUrl(name),
          DB_MIGRATE: 'true',
        });
        expectOneLine(
          proc,
          'DATABASE_URL',
          /Applying database migrations to PostgreSQL failed .*DB_MIGRATE=false.*booking_status/,
        );
      },
      NEVER_HANGS_MS + 10_000,
    );
  });

  it(
    'LOG_LEVEL=debug shows the details the one line leaves out',
    async () => {
      const redisPort = await freePort();
      const proc = await run('debug', 'main.js', {
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        LOG_LEVEL: 'debug',
      });
      expect(proc.stderr).toHaveLength(1);
      expect(proc.output.join('\n')).toMatch(/"stack":/);
    },
    NEVER_HANGS_MS + 10_000,
  );

  it(
    'npm run db:seed: PostgreSQL unreachable is one line naming DATABASE_URL',
    async () => {
      const pgPort = await freePort();
      const seed = new NodeProcess(
        'seed',
        '',
        env({ DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/parcsal` }),
        { file: 'npm', args: ['run', '--silent', 'db:seed', '--', '--scale', '0.01'] },
      );
      await Promise.race([seed.exited, new Promise((r) => setTimeout(r, NEVER_HANGS_MS))]);
      if (seed.running) await seed.kill('SIGKILL');
      expectOneLine(seed, 'DATABASE_URL', /Cannot reach PostgreSQL/);
    },
    NEVER_HANGS_MS + 10_000,
  );
});
