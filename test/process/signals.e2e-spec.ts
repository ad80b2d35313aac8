import { Agent, request as httpRequest } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  asApiInstance,
  NodeProcess,
  startApiProcess,
  startWorkerProcess,
  emailQueue,
  stopAllProcesses,
} from '../support/processes';
import { freePort } from '../support/redis-server';
import { registerCustomer } from '../support/fixtures';
import { nextDisconnect, SocketClients } from '../support/socket-client';
import { TEST_REDIS_URL } from '../support/test-env';
import { TestStack } from '../support/test-stack';

/**
 * "Never hangs" bound on a graceful stop. The forced exit (exit 1) comes at 25 s, so an exit 0
 * within this bound is a drain that finished on its own.
 */
const STOP_BOUND_MS = 30_000;
/** `npm start` builds first (nest build, type-checked): minutes on a loaded machine. */
const NPM_START_BOUND_MS = 300_000;

let stack: TestStack;
const sockets = new SocketClients();

beforeAll(async () => {
  stack = await TestStack.create();
}, 240_000);

afterAll(async () => {
  sockets.closeAll();
  await stopAllProcesses();
  await stack.close();
});

const isSigterm = (line: string) => line.includes('SIGTERM received');

/** A client on keep-alive connections that keeps sending until stopped; what it got back. */
function keepSending(url: string, path: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 3 });
  const statuses: number[] = [];
  const closeHeaders: (string | undefined)[] = [];
  let stopped = false;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = httpRequest(`${url}${path}`, { agent }, (res) => {
        statuses.push(res.statusCode ?? 0);
        closeHeaders.push(res.headers.connection);
        res.resume();
        res.on('end', resolve);
      });
      // After the drain, new connections are refused: that ends this client's loop.
      req.on('error', () => {
        stopped = true;
        resolve();
      });
      req.end();
    });
  const loops = [0, 1, 2].map(async () => {
    while (!stopped) await one();
  });
  return {
    statuses,
    closeHeaders,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

/**
 * A request the server has started (headers received) but cannot answer yet: its JSON body
 * arrives only when `finish()` is called. Resolves with the raw response head.
 */
function inFlightRequest(port: number, path: string) {
  const body = '{"a":1}';
  const socket: NetSocket = connect(port, '127.0.0.1');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 3)}`,
  );
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  socket.on('error', () => undefined);
  return {
    connected: new Promise<void>((resolve) => socket.once('connect', () => resolve())),
    finish: () => socket.write(body.slice(3)),
    response: closed,
  };
}

describe('node dist/main on SIGTERM', () => {
  it(
    'drains: in-flight requests answered (Connection: close, readiness 503), keep-alive clients cut, exit 0',
    async () => {
      const api = await startApiProcess(stack, { LOG_LEVEL: 'info' });
      const pending = inFlightRequest(api.port, '/health/ready');
      await pending.connected;
      // Both under way before the signal: the partial request (the server answers its route only
      // once the body is complete), then the keep-alive loop answered a few times after it.
      const clients = keepSending(api.url, '/health/live');
      while (clients.statuses.length < 5) await new Promise((resolve) => setImmediate(resolve));
      const draining = api.process.waitForLine(isSigterm, 'SIGTERM log line');
      const exit = api.process.kill('SIGTERM', STOP_BOUND_MS);
      await draining;
      pending.finish();

      expect(await exit).toEqual({ code: 0, signal: null });
      const head = await pending.response;
      expect(head).toMatch(/^HTTP\/1\.1 503 /);
      expect(head).toMatch(/\r\nConnection: close\r\n/i);
      expect(head).toMatch(/"message":"not ready: draining"/);
      await clients.stop();
      // Every request the keep-alive clients got an answer to was served normally.
      expect(new Set(clients.statuses)).toEqual(new Set([200]));
    },
    STOP_BOUND_MS + 90_000,
  );

  it(
    'disconnects Socket.IO clients so that they reconnect elsewhere',
    async () => {
      const api = await startApiProcess(stack, { LOG_LEVEL: 'info' });
      const user = await registerCustomer(asApiInstance(api));
      const socket = await sockets.connect(api.url, user.accessToken);
      const reason = nextDisconnect(socket, STOP_BOUND_MS);
      expect(await api.process.kill('SIGTERM', STOP_BOUND_MS)).toEqual({ code: 0, signal: null });
      // "transport close" reconnects (socket.io-client's default); "io server disconnect" would not.
      expect(await reason).toBe('transport close');
    },
    STOP_BOUND_MS + 90_000,
  );
});

describe('node dist/worker on SIGTERM', () => {
  it(
    'answers its health port while running, then stops with exit 0',
    async () => {
      const queue = emailQueue(stack);
      const port = await freePort();
      const worker = await startWorkerProcess(stack, queue, { WORKER_HEALTH_PORT: String(port) });
      const live = await fetch(`http://127.0.0.1:${port}/health/live`);
      expect([live.status, await live.json()]).toEqual([200, { status: 'ok' }]);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect([ready.status, await ready.json()]).toEqual([
        200,
        { status: 'ok', checks: { database: 'up', redis: 'up', queue: 'up' } },
      ]);
      expect((await fetch(`http://127.0.0.1:${port}/nothing`)).status).toBe(404);
      expect(await worker.process.kill('SIGTERM', STOP_BOUND_MS)).toEqual({
        code: 0,
        signal: null,
      });
      await queue.close();
    },
    STOP_BOUND_MS + 90_000,
  );
});

/** The pid in DATA_DIR's lock: the server process itself, below npm and its shell. */
function serverPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'parcsal.lock'), 'utf8').split(' ')[0]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.each([
  ['npm start', ['start'], 'API listening'],
  ['npm run start:worker', ['run', 'start:worker'], 'worker ready'],
])('%s on SIGTERM', (name, args, readyLine) => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'parcsal-npm-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(
    'stops the whole tree gracefully with exit 0',
    async () => {
      const npm = new NodeProcess(
        name,
        '',
        {
          REDIS_URL: TEST_REDIS_URL,
          REDIS_KEY_PREFIX: stack.prefix,
          DATABASE_URL: '',
          DATA_DIR: dataDir,
          PORT: String(await freePort()),
          LOG_LEVEL: 'info',
        },
        { file: 'npm', args },
      );
      await npm.waitForLine((line) => line.includes(readyLine), readyLine, NPM_START_BOUND_MS);
      const pid = serverPid(dataDir);
      expect(pid).not.toBe(npm.child.pid);
      expect(await npm.kill('SIGTERM', STOP_BOUND_MS)).toEqual({ code: 0, signal: null });
      expect(isAlive(pid)).toBe(false);
      // A clean stop removes the embedded database's lock.
      expect(existsSync(join(dataDir, 'parcsal.lock'))).toBe(false);
    },
    NPM_START_BOUND_MS + STOP_BOUND_MS + 10_000,
  );
});
