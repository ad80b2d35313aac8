import { ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import request from 'supertest';
import { QueueName } from '../../src/queues/queue-jobs';
import { checkedAgent, documentOf } from './openapi-responses';
import { freePort } from './redis-server';
import { hashTree, newHash } from './tree-hash';
import { TEST_REDIS_URL } from './test-env';
import type { ApiInstance, Env, TestStack } from './test-stack';

const ROOT = join(__dirname, '..', '..');
/** Lines of output kept per process, shown when it fails to start. */
const KEPT_LINES = 60;
const START_TIMEOUT_MS = 60_000;
const BUILD_TIMEOUT_MS = 180_000;
const BUILDS = join(ROOT, 'node_modules', '.cache', 'parcsal-test-processes');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Hash of the sources the processes run: a changed file means a new build. */
function sourcesHash(): string {
  const hash = hashTree(newHash(), join(ROOT, 'src'), (name) => name.endsWith('.spec.ts'));
  for (const file of ['tsconfig.json', 'tsconfig.build.json']) {
    hash.update(readFileSync(join(ROOT, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

let built: Promise<string> | null = null;

/**
 * The processes run compiled JavaScript, so `npm test` needs no `npm run build` first: the first
 * process of a run compiles src/ once with `tsc --noCheck` (emit only, no type-checking) into
 * node_modules/.cache, keyed by a hash of the sources; later processes and other jest workers
 * reuse it (a lock directory makes concurrent workers build it once). Measured on the loaded
 * 2-core machine (load average ~10): the build takes 17 s once (9 s of CPU); two API processes
 * started together answer /health after 13-15 s from the build, 30 s with
 * `node -r ts-node/register/transpile-only` (which compiles every file again in each process).
 * Migrations are resolved from __dirname (two levels up, then drizzle/): a link beside the builds
 * points there, so a process on a fresh database (or embedded PGlite) migrates it; processes of a
 * stack run with DB_MIGRATE=false on its already migrated database.
 */
function buildSources(): Promise<string> {
  built ??= (async () => {
    const out = join(BUILDS, sourcesHash());
    const lock = `${out}.lock`;
    mkdirSync(BUILDS, { recursive: true });
    const deadline = Date.now() + BUILD_TIMEOUT_MS;
    const migrations = join(BUILDS, 'drizzle');
    if (!existsSync(migrations)) {
      try {
        symlinkSync(join(ROOT, 'drizzle'), migrations, 'dir');
      } catch {
        // Another jest worker linked it first.
      }
    }
    for (;;) {
      if (existsSync(join(out, 'main.js'))) return out;
      try {
        mkdirSync(lock);
        break;
      } catch {
        // Another jest worker is building; a lock left by a killed run goes stale.
        const age = Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs;
        if (age > BUILD_TIMEOUT_MS) rmSync(lock, { recursive: true, force: true });
        if (Date.now() > deadline) throw new Error(`test build: ${lock} held too long`);
        await sleep(250);
      }
    }
    try {
      if (existsSync(join(out, 'main.js'))) return out;
      const tmp = `${out}.tmp`;
      rmSync(tmp, { recursive: true, force: true });
      const tsc = spawn(
        process.execPath,
        [
          require.resolve('typescript/bin/tsc'),
          ...['-p', join(ROOT, 'tsconfig.build.json'), '--noCheck', '--outDir', tmp],
          ...['--incremental', 'false'],
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      tsc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      tsc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => tsc.once('exit', resolve));
      if (code !== 0 || !existsSync(join(tmp, 'main.js'))) {
        throw new Error(`test build of src/ failed (exit ${code}):\n${output}`);
      }
      renameSync(tmp, out);
      // Builds of older sources are of no use any more.
      for (const name of readdirSync(BUILDS)) {
        if (!out.endsWith(name) && !name.endsWith('.lock') && name !== 'drizzle') {
          rmSync(join(BUILDS, name), { recursive: true, force: true });
        }
      }
      return out;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  })();
  return built;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Every child started by this jest worker: killed in `stopAllProcesses` and at exit, whatever happened. */
const children = new Set<NodeProcess>();
process.once('exit', () => {
  for (const child of children) child.child.kill('SIGKILL');
});

/**
 * One child process (by default `node` running the built main.js or worker.js), with its output
 * kept: the last lines of both streams in `output`, every stderr line in `stderr`.
 */
export class NodeProcess {
  readonly child: ChildProcess;
  readonly output: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<Exit>;
  exit: Exit | null = null;
  readonly startedAt = Date.now();
  private readonly lineWaiters = new Set<(line: string) => void>();

  constructor(
    readonly name: string,
    script: string,
    env: Env,
    command: { file: string; args: string[] } = {
      file: process.execPath,
      args: ['--enable-source-maps', script],
    },
  ) {
    this.child = spawn(command.file, command.args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(this);
    const keep = (chunk: Buffer, stderr: boolean) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        this.output.push(line);
        if (stderr) this.stderr.push(line);
        for (const waiter of this.lineWaiters) waiter(line);
        if (process.env.TEST_PROCESS_LOGS) process.stderr.write(`[${name}] ${line}\n`);
      }
      this.output.splice(0, Math.max(0, this.output.length - KEPT_LINES));
    };
    this.child.stdout!.on('data', (chunk: Buffer) => keep(chunk, false));
    this.child.stderr!.on('data', (chunk: Buffer) => keep(chunk, true));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        children.delete(this);
        resolve(this.exit);
      });
    });
  }

  get running(): boolean {
    return this.exit === null;
  }

  /** Resolves with the first line of output (from now on) that `matches`; bounded. */
  waitForLine(
    matches: (line: string) => boolean,
    what: string,
    timeoutMs = 30_000,
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.lineWaiters.delete(waiter);
        reject(
          new Error(`${this.name}: no ${what} within ${timeoutMs} ms:\n${this.output.join('\n')}`),
        );
      }, timeoutMs);
      const waiter = (line: string) => {
        if (!matches(line)) return;
        clearTimeout(timer);
        this.lineWaiters.delete(waiter);
        resolve(line);
      };
      this.lineWaiters.add(waiter);
    });
  }

  /** Sends `signal` and resolves with how the process ended (bounded: SIGKILL after timeoutMs). */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 30_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Polls `ready` until it holds; fails early with the process's output if the process exits. */
  async waitUntil(ready: () => Promise<boolean>, what: string): Promise<number> {
    const deadline = this.startedAt + START_TIMEOUT_MS;
    for (;;) {
      if (this.exit) {
        throw new Error(
          `${this.name} exited (${JSON.stringify(this.exit)}) before ${what}:\n${this.output.join('\n')}`,
        );
      }
      if (await ready().catch(() => false)) return Date.now() - this.startedAt;
      if (Date.now() > deadline) {
        await this.kill('SIGKILL');
        throw new Error(
          `${this.name}: no ${what} within ${START_TIMEOUT_MS} ms:\n${this.output.join('\n')}`,
        );
      }
      await sleep(100);
    }
  }
}

/** The environment a process of `stack` gets, as TestStack.config builds it for in-process apps. */
function stackEnv(stack: TestStack, env: Env): Env {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    REDIS_URL: TEST_REDIS_URL,
    DATABASE_URL: stack.databaseUrl,
    REDIS_KEY_PREFIX: stack.prefix,
    DB_MIGRATE: 'false',
    THROTTLE_ENABLED: 'false',
    ...env,
  };
}

export interface ApiProcess {
  process: NodeProcess;
  port: number;
  url: string;
  /** supertest against the process's URL, responses checked against its OpenAPI document. */
  http: () => ReturnType<typeof request>;
  /** Milliseconds from spawn (after the build) to the first 200 of /health. */
  startupMs: number;
}

/** The directory of the built main.js and worker.js (built once per run, see buildSources). */
export function builtDir(): Promise<string> {
  return buildSources();
}

/** The project's root: `npm start` and `npm run db:seed` run there. */
export const PROJECT_ROOT = ROOT;

/** Starts the API (src/main.ts, built) on a free port and waits until GET /health answers 200. */
export async function startApiProcess(
  stack: TestStack,
  env: Env = {},
  name = 'api',
): Promise<ApiProcess> {
  const dir = await buildSources();
  const port = await freePort();
  const proc = new NodeProcess(
    name,
    join(dir, 'main.js'),
    stackEnv(stack, { ...env, PORT: String(port) }),
  );
  const url = `http://127.0.0.1:${port}`;
  const startupMs = await proc.waitUntil(async () => {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  }, 'GET /health 200');
  const raw = () => request(url);
  const documented = documentOf(raw);
  return { process: proc, port, url, http: () => checkedAgent(raw, documented), startupMs };
}

/**
 * The fixtures (registerCustomer, ...) only use `http()`: this lets them run against a process.
 */
export function asApiInstance(api: ApiProcess): ApiInstance {
  return { url: api.url, http: api.http } as unknown as ApiInstance;
}

/** The stack's email queue, seen from outside (job counts, workers), for assertions. */
export function emailQueue(stack: TestStack, redisUrl = TEST_REDIS_URL): Queue {
  const { hostname, port } = new URL(redisUrl);
  // Connection options, not a client: the queue owns its connection and close() ends it.
  return new Queue(QueueName.Email, {
    connection: { host: hostname, port: Number(port || 6379), maxRetriesPerRequest: null },
    prefix: `${stack.prefix}{bull}`,
  });
}

export interface WorkerProcess {
  process: NodeProcess;
  /** Milliseconds from spawn until its email worker is registered on the queue. */
  startupMs: number;
}

/**
 * Starts the worker (src/worker.ts, built) and waits until one more BullMQ worker is registered on the stack's email
 * queue than before (a worker that was SIGKILLed drops off at once: the kernel closes its sockets).
 */
export async function startWorkerProcess(
  stack: TestStack,
  queue: Queue,
  env: Env = {},
  name = 'worker',
): Promise<WorkerProcess> {
  const dir = await buildSources();
  const before = (await queue.getWorkers()).length;
  const proc = new NodeProcess(name, join(dir, 'worker.js'), stackEnv(stack, env));
  const startupMs = await proc.waitUntil(
    async () => (await queue.getWorkers()).length > before,
    'email worker registered on the queue',
  );
  return { process: proc, startupMs };
}

/** SIGKILLs every child still running (afterAll, whatever the test's outcome). */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...children].map((child) => child.kill('SIGKILL')));
}

/** Until no job of `queue` is active, waiting or delayed (bounded). */
export async function waitForQueueToSettle(queue: Queue, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
    if (Object.values(counts).every((n) => n === 0)) return;
    if (Date.now() > deadline) throw new Error(`queue did not settle: ${JSON.stringify(counts)}`);
    await sleep(100);
  }
}

/** A fault's measured figures as an aligned two-column block (copied into the issue note). */
export function formatFigures(title: string, rows: [string, string | number][]): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  return [`${title}:`, ...rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`)].join(
    '\n',
  );
}
