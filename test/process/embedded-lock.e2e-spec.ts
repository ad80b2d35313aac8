import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PASSWORD, registerCustomer } from '../support/fixtures';
import {
  ApiProcess,
  asApiInstance,
  builtDir,
  NodeProcess,
  startApiProcess,
  stopAllProcesses,
} from '../support/processes';
import { freePort } from '../support/redis-server';
import { TEST_REDIS_URL } from '../support/test-env';
import { TestStack } from '../support/test-stack';

/** A refused start-up ends long before this ("never hangs", not a timing assertion). */
const NEVER_HANGS_MS = 90_000;

let stack: TestStack;
let dataDir: string;

beforeAll(async () => {
  stack = await TestStack.create();
  dataDir = mkdtempSync(join(tmpdir(), 'parcsal-embedded-'));
}, 240_000);

afterAll(async () => {
  await stopAllProcesses();
  await stack.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The embedded default: no DATABASE_URL, data in DATA_DIR, migrated at start-up. */
const embedded = {
  DATABASE_URL: '',
  DATA_DIR: '',
  DB_MIGRATE: 'true',
  LOG_LEVEL: 'info',
};
const embeddedEnv = () => ({ ...embedded, DATA_DIR: dataDir });

async function runToEnd(proc: NodeProcess): Promise<NodeProcess> {
  await Promise.race([proc.exited, new Promise((r) => setTimeout(r, NEVER_HANGS_MS))]);
  if (proc.running) await proc.kill('SIGKILL');
  return proc;
}

function expectRefused(proc: NodeProcess, holderPid: number): void {
  expect({ exit: proc.exit, stderr: proc.stderr }).toEqual({
    exit: { code: 1, signal: null },
    stderr: [
      expect.stringMatching(new RegExp(`in use by the api process ${holderPid} \\(DATA_DIR\\)`)),
    ],
  });
}

const login = (api: ApiProcess, email: string) =>
  api.http().post('/auth/login').send({ email, password: PASSWORD });

describe('only one process opens the embedded DATA_DIR', () => {
  let first: ApiProcess;
  let email: string;

  it(
    'the first API migrates the fresh directory and serves',
    async () => {
      first = await startApiProcess(stack, embeddedEnv(), 'first-api');
      expect(first.process.output.join('\n')).toMatch(/"applied":\d+.*applied \d+ migrations/);
      expect(first.process.output.join('\n')).toMatch(
        new RegExp(`"url":"http://localhost:${first.port}".*"msg":"API listening"`),
      );
      email = (await registerCustomer(asApiInstance(first))).user.email;
    },
    NEVER_HANGS_MS,
  );

  it(
    'logs one line per email outcome, without the address (no SMTP_URL: "logged")',
    async () => {
      const outcome = first.process.waitForLine(
        (line) => line.includes('"msg":"email logged"'),
        'email line',
      );
      // A sign-in from a new device emails the user (security.new_device).
      await first
        .http()
        .post('/auth/login')
        .set('User-Agent', 'another-device/1.0')
        .send({ email, password: PASSWORD })
        .expect(200);
      const line = await outcome;
      expect(JSON.parse(line)).toMatchObject({
        msg: 'email logged',
        event: 'security.new_device',
        outboxId: expect.any(String),
        attempt: 1,
        result: 'logged',
      });
      // No line at info level names the recipient.
      expect(first.process.output.filter((l) => l.includes(email))).toEqual([]);
    },
    NEVER_HANGS_MS,
  );

  it(
    'a second API, a worker and npm run db:seed refuse with one line naming the holder',
    async () => {
      const dir = await builtDir();
      const env = {
        ...embeddedEnv(),
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: stack.prefix,
      };
      const holder = first.process.child.pid!;
      const [api, worker, seed] = await Promise.all([
        runToEnd(
          new NodeProcess('second-api', join(dir, 'main.js'), {
            ...env,
            PORT: String(await freePort()),
          }),
        ),
        runToEnd(new NodeProcess('worker', join(dir, 'worker.js'), env)),
        runToEnd(
          new NodeProcess('seed', '', env, {
            file: 'npm',
            args: ['run', '--silent', 'db:seed', '--', '--scale', '0.01'],
          }),
        ),
      ]);
      expectRefused(api, holder);
      expectRefused(worker, holder);
      expectRefused(seed, holder);
      // The first one is untouched and still serves its data.
      await login(first, email).expect(200);
    },
    NEVER_HANGS_MS + 10_000,
  );

  it(
    'after a clean stop the lock is gone and a fresh start finds the data intact',
    async () => {
      expect(await first.process.kill('SIGTERM')).toEqual({ code: 0, signal: null });
      expect(existsSync(join(dataDir, 'parcsal.lock'))).toBe(false);
      const again = await startApiProcess(stack, embeddedEnv(), 'restarted-api');
      expect(again.process.output.join('\n')).toMatch(/embedded database schema is up to date/);
      await login(again, email).expect(200);
      expect(await again.process.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    },
    NEVER_HANGS_MS * 2,
  );

  it(
    'takes over a lock left by a process that is gone (killed, crashed)',
    async () => {
      const gone = spawnSync(process.execPath, ['-e', '']).pid;
      writeFileSync(join(dataDir, 'parcsal.lock'), `${gone} api\n`);
      const api = await startApiProcess(stack, embeddedEnv(), 'after-crash-api');
      await login(api, email).expect(200);
      expect(await api.process.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    },
    NEVER_HANGS_MS,
  );
});
