import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NotificationsService } from '../src/notifications/notifications.service';
import { bearer, PASSWORD, registerCustomer } from './support/fixtures';
import { SocketClients } from './support/socket-client';
import { ApiInstance, TestStack } from './support/test-stack';

/**
 * The web app's page, as another origin serves it: it loads the Socket.IO browser client from the
 * API (`/socket.io/socket.io.js`); the test drives it with page.evaluate (fetch, io()).
 */
class PageServer {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(apiUrl: () => string): Promise<PageServer> {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html><head><meta charset="utf-8"><title>Parcsal web</title>` +
          `<script src="${apiUrl()}/socket.io/socket.io.js"></script></head><body></body></html>`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new PageServer(server, `http://127.0.0.1:${port}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** What the page keeps on `window` (`globalThis` inside page.evaluate). */
interface PageGlobals {
  io: (url: string, options: object) => BrowserSocket;
  notifications: { id: string; type: string }[];
  disconnects: string[];
}
interface BrowserSocket {
  id: string;
  on(event: string, listener: (arg: { id: string; type: string } & Error & string) => void): void;
}

/** The notifications and disconnect reasons the page's socket has seen so far. */
function pageState(page: Page): Promise<Pick<PageGlobals, 'notifications' | 'disconnects'>> {
  return page.evaluate(() => {
    const { notifications, disconnects } = globalThis as unknown as PageGlobals;
    return { notifications, disconnects };
  });
}

/** What the page's code sees, as page.evaluate returns it. */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** `fetch('/auth/login')` from the page: the access token, or the browser's error. */
function signInFromPage(page: Page, api: string, email: string): Promise<Outcome<string>> {
  return page.evaluate(
    async ({ api, email, password }) => {
      try {
        const res = await fetch(`${api}/auth/login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email, password }),
        });
        const body = (await res.json()) as { accessToken: string };
        return { ok: true as const, value: body.accessToken };
      } catch (error) {
        return { ok: false as const, error: String(error) };
      }
    },
    { api, email, password: PASSWORD },
  );
}

/**
 * Connects the page's Socket.IO client (no reconnection) and keeps what it receives on `window`:
 * resolves with its socket id once connected, or the `connect_error` message.
 */
function connectFromPage(
  page: Page,
  api: string,
  token: string,
  transports: string[] = ['polling', 'websocket'],
): Promise<Outcome<string>> {
  return page.evaluate(
    ({ api, token, transports }) => {
      const w = globalThis as unknown as PageGlobals;
      w.notifications = [];
      w.disconnects = [];
      return new Promise<Outcome<string>>((resolve) => {
        const socket = w.io(api, { auth: { token }, transports, reconnection: false });
        socket.on('connect', () => resolve({ ok: true, value: socket.id }));
        socket.on('connect_error', (error) => resolve({ ok: false, error: error.message }));
        socket.on('notification', (n) => w.notifications.push(n));
        socket.on('disconnect', (reason) => w.disconnects.push(reason));
      });
    },
    { api, token, transports },
  );
}

describe('a web app on another origin (CORS_ORIGINS, security headers, Chromium)', () => {
  let stack: TestStack;
  let listed: PageServer;
  let unlisted: PageServer;
  let a: ApiInstance;
  let b: ApiInstance;
  let browser: Browser;
  const clients = new SocketClients();

  beforeAll(async () => {
    stack = await TestStack.create();
    [listed, unlisted] = await Promise.all([
      PageServer.start(() => a.url),
      PageServer.start(() => a.url),
    ]);
    const env = { CORS_ORIGINS: `${listed.origin}, https://app.parcsal.example` };
    [a, b] = await Promise.all([stack.startApi(env), stack.startApi(env)]);
    browser = await launchChromium();
  }, 60_000);
  afterEach(() => clients.closeAll());
  afterAll(async () => {
    await browser?.close();
    await stack.close();
    await Promise.all([listed?.close(), unlisted?.close()]);
  });

  async function openPage(server: PageServer): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => typeof (globalThis as { io?: unknown }).io === 'function');
    return page;
  }

  it('signs in with fetch, gets notifications over Socket.IO, and is dropped when the session is revoked on another process', async () => {
    const user = await registerCustomer(a);
    const page = await openPage(listed);
    try {
      const token = await signInFromPage(page, a.url, user.user.email);
      expect(token).toEqual({ ok: true, value: expect.any(String) });
      const session = { accessToken: (token as { value: string }).value };

      expect(await connectFromPage(page, a.url, session.accessToken)).toEqual({
        ok: true,
        value: expect.any(String),
      });
      const [row] = await b.app
        .get(NotificationsService)
        .notify([{ userId: user.user.id, type: 'booking.confirmed', title: 'Hi', body: 'web' }]);
      await page.waitForFunction(
        () => (globalThis as unknown as PageGlobals).notifications.length > 0,
      );
      expect((await pageState(page)).notifications).toEqual([
        expect.objectContaining({ id: row.id, type: 'booking.confirmed' }),
      ]);

      await b
        .http()
        .post('/auth/logout')
        .set(...bearer(session))
        .expect(204);
      await page.waitForFunction(
        () => (globalThis as unknown as PageGlobals).disconnects.length > 0,
      );
      expect((await pageState(page)).disconnects).toEqual(['io server disconnect']);
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('refuses the same page from an unlisted origin: fetch fails on CORS, the handshake is refused', async () => {
    const user = await registerCustomer(a);
    const page = await openPage(unlisted);
    try {
      const signIn = await signInFromPage(page, a.url, user.user.email);
      expect(signIn).toEqual({ ok: false, error: expect.stringContaining('Failed to fetch') });
      // A valid token, and still refused: browsers apply no CORS to WebSockets, so the server
      // itself turned the handshake down because of the page's Origin.
      expect(await connectFromPage(page, a.url, user.accessToken, ['websocket'])).toEqual({
        ok: false,
        error: 'websocket error',
      });
      expect(await connectFromPage(page, a.url, user.accessToken)).toEqual({
        ok: false,
        error: 'xhr poll error',
      });
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('answers CORS for listed origins only, credentials included', async () => {
    const preflight = (origin: string) =>
      a
        .http()
        .options('/auth/login')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type,authorization');
    const allowed = await preflight('https://app.parcsal.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.parcsal.example');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');

    const other = await preflight('https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-allow-credentials']).toBeUndefined();
    const read = await a.http().get('/health/live').set('Origin', 'https://evil.example');
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets listed origins send every method the API has (PUT, PATCH, DELETE included)', async () => {
    const preflight = await a
      .http()
      .options('/users/me')
      .set('Origin', 'https://app.parcsal.example')
      .set('Access-Control-Request-Method', 'PATCH');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toBe(
      'GET,HEAD,PUT,PATCH,POST,DELETE',
    );
  });

  it('refuses a Socket.IO handshake carrying an unlisted Origin, in the server itself', async () => {
    const user = await registerCustomer(a);
    const poll = (origin?: string) => {
      const req = a.http().get('/socket.io/?EIO=4&transport=polling');
      return origin ? req.set('Origin', origin) : req;
    };
    expect((await poll('https://evil.example')).status).toBe(403);
    expect((await poll('null')).status).toBe(403);
    expect((await poll('https://app.parcsal.example')).status).toBe(200);
    expect((await poll()).status).toBe(200);
    // A native client (no Origin) connects; one that sends an unlisted Origin does not.
    const native = await clients.connect(a.url, user.accessToken);
    expect(native.connected).toBe(true);
    const spoofed = clients.create(a.url, { token: user.accessToken });
    spoofed.io.opts.extraHeaders = { Origin: 'https://evil.example' };
    const refused = new Promise<string>((resolve) =>
      spoofed.once('connect_error', (error) => resolve(error.message)),
    );
    spoofed.connect();
    expect(await refused).toBe('websocket error');
  });

  it('without CORS_ORIGINS, no origin gets cross-origin access', async () => {
    const closed = await stack.startApi({ CORS_ORIGINS: '' });
    try {
      const res = await closed
        .http()
        .options('/auth/login')
        .set('Origin', 'https://app.parcsal.example')
        .set('Access-Control-Request-Method', 'POST');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const handshake = await closed
        .http()
        .get('/socket.io/?EIO=4&transport=polling')
        .set('Origin', 'https://app.parcsal.example');
      expect(handshake.status).toBe(403);
      const user = await registerCustomer(closed);
      expect((await clients.connect(closed.url, user.accessToken)).connected).toBe(true);
    } finally {
      await stack.stop(closed.app);
    }
  });

  it("serves the Socket.IO browser client and sends helmet's security headers", async () => {
    const client = await a.http().get('/socket.io/socket.io.js').expect(200);
    expect(client.headers['content-type']).toMatch(/javascript/);
    expect(client.text).toContain('io');

    for (const path of ['/health/live', '/docs', '/auth/sessions']) {
      const res = await a.http().get(path);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self'");
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('Swagger UI still runs under that policy in Chromium', async () => {
    const page = await (await browser.newContext()).newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    try {
      const response = await page.goto(`${a.url}/docs`);
      expect(response!.headers()['content-security-policy']).toContain("script-src 'self'");
      // Rendered by Swagger UI's scripts from the document.
      await page.getByText('/auth/login').first().waitFor({ timeout: 15_000 });
      expect(violations).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 40_000);
});
