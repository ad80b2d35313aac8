import { RedisService } from '../src/redis';
import { RateLimitStorage } from '../src/rate-limit/rate-limit.storage';
import { ChatRateLimiter } from '../src/rate-limit/chat-rate-limiter';
import { bearer, PASSWORD, SignedIn, uniqueEmail } from './support/fixtures';
import { ApiInstance, Env, TestStack } from './support/test-stack';
import { TcpProxy } from './support/tcp-proxy';
import { TEST_REDIS_URL } from './support/test-env';

const ON: Env = { THROTTLE_ENABLED: 'true', TRUST_PROXY: '1' };

/**
 * Never-hangs bound for an answer that must come at once (the throttle connection gives up after
 * 500 ms): generous on a loaded machine, it only catches a request that waits on a dead Redis.
 */
const NEVER_HANGS_MS = 10_000;

let ipCounter = 0;
/** A client address of its own for each use, so tests never share an IP-keyed counter. */
function nextIp(): string {
  ipCounter += 1;
  return `198.51.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
}

function expect429(res: { status: number; body: unknown; headers: Record<string, string> }): void {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({
    statusCode: 429,
    error: 'Too Many Requests',
    message: expect.any(String),
  });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

/**
 * Waits until the `limit/seconds` window of `key` (`<NAME>:<tracker>`) and its block are over:
 * polls Redis until both counters expired (the positive signal), within the window plus a
 * never-hangs bound, instead of sleeping through the window.
 */
async function windowOver(api: ApiInstance, key: string, limit: number, seconds: number) {
  const base = api.app.get(RedisService).keys.key('throttle', `{${key}}`, `${limit}/${seconds}`);
  const counters = [`${base}:hits`, `${base}:blocked`];
  const redis = api.app.get(RateLimitStorage).connection;
  // Both are there now: what is awaited below is their expiry, not a key that never existed.
  expect(await redis.exists(...counters)).toBe(2);
  const deadline = Date.now() + seconds * 1000 + NEVER_HANGS_MS;
  while ((await redis.exists(...counters)) > 0) {
    expect(Date.now()).toBeLessThan(deadline);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How many responses had each status. */
function statuses(responses: { status: number }[]): Record<number, number> {
  return responses.reduce<Record<number, number>>(
    (counts, r) => ({ ...counts, [r.status]: (counts[r.status] ?? 0) + 1 }),
    {},
  );
}

describe('rate limits', () => {
  let stack: TestStack;
  /** Two API processes on one stack, behind one trusted proxy. */
  let a: ApiInstance;
  let b: ApiInstance;

  beforeAll(async () => {
    stack = await TestStack.create();
    [a, b] = await Promise.all([stack.startApi(ON), stack.startApi(ON)]);
  });
  afterAll(() => stack.close());

  const login = (api: ApiInstance, ip: string, email: string, password = 'wrong-password') =>
    api.http().post('/auth/login').set('X-Forwarded-For', ip).send({ email, password });

  const register = (api: ApiInstance, ip: string) =>
    api
      .http()
      .post('/auth/register-customer')
      .set('X-Forwarded-For', ip)
      .send({ email: uniqueEmail(), password: PASSWORD, name: 'Rita Ratelimit' });

  /** A customer registered from an address of its own (REGISTER is 3 per IP). */
  const customer = async (api: ApiInstance = a): Promise<SignedIn> => {
    const res = await register(api, nextIp()).expect(201);
    return { ...res.body, password: PASSWORD };
  };

  describe('LOGIN (per client IP, every attempt)', () => {
    it('refuses the sixth attempt from one IP with 429, Retry-After and the error shape', async () => {
      const ip = nextIp();
      const remaining: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await login(a, ip, uniqueEmail()).expect(401);
        expect(res.headers['ratelimit-limit']).toBe('5');
        expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThan(0);
        remaining.push(Number(res.headers['ratelimit-remaining']));
      }
      expect(remaining).toEqual([4, 3, 2, 1, 0]);
      const sixth = await login(a, ip, uniqueEmail());
      expect429(sixth);
      expect(Number(sixth.headers['retry-after'])).toBeLessThanOrEqual(900);
      expect(sixth.headers['ratelimit-remaining']).toBe('0');

      // Another client is not affected.
      await login(a, nextIp(), uniqueEmail()).expect(401);
    });

    it('counts successful sign-ins too', async () => {
      const user = await customer();
      const ip = nextIp();
      for (let i = 0; i < 5; i++) await login(a, ip, user.user.email, PASSWORD).expect(200);
      expect429(await login(a, ip, user.user.email, PASSWORD));
    });

    it('ignores a spoofed X-Forwarded-For when no proxy is trusted (TRUST_PROXY=0)', async () => {
      const direct = await stack.startApi({ THROTTLE_ENABLED: 'true', TRUST_PROXY: '0' });
      try {
        for (let i = 0; i < 5; i++) await login(direct, nextIp(), uniqueEmail()).expect(401);
        expect429(await login(direct, nextIp(), uniqueEmail()));
      } finally {
        await stack.stop(direct.app);
      }
    });

    it('with TRUST_PROXY=1 only the hop the proxy appended counts, not what the client wrote', async () => {
      const real = nextIp();
      for (let i = 0; i < 5; i++) {
        await login(a, `${nextIp()}, ${real}`, uniqueEmail()).expect(401);
      }
      expect429(await login(a, `${nextIp()}, ${real}`, uniqueEmail()));
    });

    it('resets after its window', async () => {
      const fast = await stack.startApi({ ...ON, THROTTLE_LOGIN: '2/2' });
      try {
        const ip = nextIp();
        await login(fast, ip, uniqueEmail()).expect(401);
        await login(fast, ip, uniqueEmail()).expect(401);
        const over = await login(fast, ip, uniqueEmail());
        expect429(over);
        expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(2);
        await windowOver(fast, `LOGIN:ip:${ip}`, 2, 2);
        await login(fast, ip, uniqueEmail()).expect(401);
      } finally {
        await stack.stop(fast.app);
      }
    });
  });

  describe('LOGIN_EMAIL (per account, failed attempts only, whatever the IP)', () => {
    it('refuses the eleventh attempt on one email from eleven different IPs', async () => {
      const victim = await customer();
      for (let i = 0; i < 10; i++) {
        await login(i % 2 ? a : b, nextIp(), victim.user.email).expect(401);
      }
      expect429(await login(a, nextIp(), victim.user.email));
      // The right password does not get through either, and the email is matched case-insensitively.
      expect429(await login(b, nextIp(), victim.user.email.toUpperCase(), PASSWORD));
      // Other accounts are untouched.
      const other = await customer();
      await login(a, nextIp(), other.user.email, PASSWORD).expect(200);
    });

    it('does not count successful sign-ins', async () => {
      const user = await customer();
      for (let i = 0; i < 9; i++) await login(a, nextIp(), user.user.email).expect(401);
      for (let i = 0; i < 3; i++) await login(a, nextIp(), user.user.email, PASSWORD).expect(200);
      await login(a, nextIp(), user.user.email).expect(401);
      expect429(await login(a, nextIp(), user.user.email, PASSWORD));
    });
  });

  describe('LOGIN_EMAIL under concurrency', () => {
    it('60 concurrent wrong passwords for one email: exactly 10 are verified (401), 50 get 429', async () => {
      const victim = await customer();
      const responses = await Promise.all(
        Array.from({ length: 60 }, () => login(a, nextIp(), victim.user.email)),
      );
      expect(statuses(responses)).toEqual({ 401: 10, 429: 50 });
      responses.filter((r) => r.status === 429).forEach(expect429);
    });

    it('holds the same way with the attempts split over two API processes', async () => {
      const victim = await customer();
      const responses = await Promise.all(
        Array.from({ length: 60 }, (_, i) => login(i % 2 ? a : b, nextIp(), victim.user.email)),
      );
      expect(statuses(responses)).toEqual({ 401: 10, 429: 50 });
      // The right password does not get through the full window either.
      expect429(await login(b, nextIp(), victim.user.email, PASSWORD));
    });

    it('concurrent successful sign-ins give their attempt back (while in flight, they hold it)', async () => {
      const user = await customer();
      const ok = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          login(i % 2 ? a : b, nextIp(), user.user.email, PASSWORD),
        ),
      );
      expect(statuses(ok)).toEqual({ 200: 10 });
      for (let i = 0; i < 10; i++) await login(a, nextIp(), user.user.email).expect(401);
      expect429(await login(a, nextIp(), user.user.email, PASSWORD));
    });
  });

  describe('follows the configuration in force', () => {
    it('raising THROTTLE_LOGIN and THROTTLE_LOGIN_EMAIL and restarting lifts blocks made under the old limits', async () => {
      const victim = await customer();
      const strict = await stack.startApi({
        ...ON,
        THROTTLE_LOGIN: '2/900',
        THROTTLE_LOGIN_EMAIL: '3/900',
      });
      const ip = nextIp();
      await login(strict, ip, uniqueEmail()).expect(401);
      await login(strict, ip, uniqueEmail()).expect(401);
      expect429(await login(strict, ip, uniqueEmail()));
      for (let i = 0; i < 3; i++) await login(strict, nextIp(), victim.user.email).expect(401);
      expect429(await login(strict, nextIp(), victim.user.email, PASSWORD));
      await stack.stop(strict.app);

      // "Restarted" with higher limits, on the same Redis prefix.
      const relaxed = await stack.startApi({
        ...ON,
        THROTTLE_LOGIN: '4/900',
        THROTTLE_LOGIN_EMAIL: '6/900',
      });
      try {
        const res = await login(relaxed, ip, uniqueEmail()).expect(401);
        expect(res.headers['ratelimit-limit']).toBe('4');
        expect(res.headers['ratelimit-remaining']).toBe('3');
        const signedIn = await login(relaxed, nextIp(), victim.user.email, PASSWORD).expect(200);
        expect(signedIn.headers['ratelimit-limit']).toBe('4');
      } finally {
        await stack.stop(relaxed.app);
      }
    });
  });

  describe('queue dashboard sign-in (HTTP Basic on /admin/queues)', () => {
    const basic = (email: string, password: string) =>
      `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
    /** An API whose bootstrap admin is `email` (ADMIN_PASSWORD = PASSWORD). */
    const withAdmin = (email: string) =>
      stack.startApi({ ...ON, ADMIN_EMAIL: email, ADMIN_PASSWORD: PASSWORD });
    const dashboard = (api: ApiInstance, ip: string, email: string, password = 'wrong-password') =>
      api
        .http()
        .get('/admin/queues/api/queues')
        .set('X-Forwarded-For', ip)
        .set('Authorization', basic(email, password));

    let admin: ApiInstance;
    let adminEmail: string;
    beforeAll(async () => {
      adminEmail = uniqueEmail('queues.admin');
      admin = await withAdmin(adminEmail);
    });
    afterAll(() => stack.stop(admin.app));

    it('counts under LOGIN with /auth/login: the sixth attempt from an IP is 429, right password included', async () => {
      const ip = nextIp();
      for (let i = 0; i < 3; i++) {
        const res = await dashboard(admin, ip, adminEmail).expect(401);
        expect(res.headers['ratelimit-limit']).toBe('5');
      }
      await login(admin, ip, adminEmail).expect(401);
      await login(admin, ip, adminEmail).expect(401);
      expect429(await dashboard(admin, ip, adminEmail, PASSWORD));
      expect429(await login(admin, ip, adminEmail, PASSWORD));
      // Asking without credentials is not an attempt.
      await admin.http().get('/admin/queues').set('X-Forwarded-For', nextIp()).expect(401);
    });

    it('counts failed attempts under LOGIN_EMAIL, whatever the IP; the right password does not count', async () => {
      const email = uniqueEmail('queues.admin');
      const api = await withAdmin(email);
      try {
        for (let i = 0; i < 9; i++) await dashboard(api, nextIp(), email).expect(401);
        await dashboard(api, nextIp(), email, PASSWORD).expect(200);
        await dashboard(api, nextIp(), email).expect(401);
        expect429(await dashboard(api, nextIp(), email, 'another-wrong-one'));
        expect429(await login(api, nextIp(), email, PASSWORD));
      } finally {
        await stack.stop(api.app);
      }
    });

    it('60 concurrent wrong passwords over two processes: 10 verified, 50 refused', async () => {
      const email = uniqueEmail('queues.admin');
      const [one, two] = await Promise.all([withAdmin(email), withAdmin(email)]);
      try {
        const responses = await Promise.all(
          Array.from({ length: 60 }, (_, i) => dashboard(i % 2 ? one : two, nextIp(), email)),
        );
        expect(statuses(responses)).toEqual({ 401: 10, 429: 50 });
      } finally {
        await Promise.all([stack.stop(one.app), stack.stop(two.app)]);
      }
    });

    it('a signed-in dashboard is one sign-in, not one per request it makes', async () => {
      const ip = nextIp();
      for (let i = 0; i < 12; i++) await dashboard(admin, ip, adminEmail, PASSWORD).expect(200);
      const res = await login(admin, ip, adminEmail, PASSWORD).expect(200);
      expect(res.headers['ratelimit-remaining']).toBe('3');
    });

    it('fails closed (503) when Redis cannot count the attempt', async () => {
      const email = uniqueEmail('queues.admin');
      const down = await withAdmin(email);
      try {
        down.app.get(RateLimitStorage).connection.disconnect();
        const res = await dashboard(down, nextIp(), email, PASSWORD);
        expect(res.status).toBe(503);
        expect(res.body).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: expect.any(String),
        });
      } finally {
        await stack.stop(down.app);
      }
    });
  });

  describe('REGISTER and shared limits', () => {
    it('holds across API processes: 3 registrations on A, the 4th on B is 429', async () => {
      const ip = nextIp();
      for (let i = 0; i < 3; i++) await register(a, ip).expect(201);
      expect429(await register(b, ip));
      // register-company shares the REGISTER limit.
      expect429(
        await b.http().post('/auth/register-company').set('X-Forwarded-For', ip).send({
          email: uniqueEmail(),
          password: PASSWORD,
          name: 'Olive',
          companyName: 'Late Co',
        }),
      );
    });

    it('keeps its counters under REDIS_KEY_PREFIX', async () => {
      const ip = nextIp();
      await register(a, ip).expect(201);
      const keys = await stack.redis().keys(`${stack.prefix}throttle:{REGISTER:ip:${ip}}:*`);
      // The limit in force (THROTTLE_REGISTER) is part of the key: see "follows the configuration".
      expect(keys).toEqual([`${stack.prefix}throttle:{REGISTER:ip:${ip}}:3/3600:hits`]);
      expect(await stack.redis().pttl(keys[0])).toBeGreaterThan(3_500_000);
    });
  });

  describe('REFRESH (per user of the refresh token)', () => {
    it('counts a user whatever the IP, and a forged token against its IP', async () => {
      const limited = await stack.startApi({ ...ON, THROTTLE_REFRESH: '2/60' });
      try {
        const user = await customer();
        let token = user.refreshToken;
        for (let i = 0; i < 2; i++) {
          const res = await limited
            .http()
            .post('/auth/refresh-token')
            .set('X-Forwarded-For', nextIp())
            .send({ refreshToken: token })
            .expect(200);
          token = res.body.refreshToken;
        }
        expect429(
          await limited
            .http()
            .post('/auth/refresh-token')
            .set('X-Forwarded-For', nextIp())
            .send({ refreshToken: token }),
        );
        // A token naming that user but not signed by us does not count against the user...
        const forged = `${token.split('.').slice(0, 2).join('.')}.AAAA`;
        const ip = nextIp();
        await limited
          .http()
          .post('/auth/refresh-token')
          .set('X-Forwarded-For', ip)
          .send({ refreshToken: forged })
          .expect(401);
        await limited
          .http()
          .post('/auth/refresh-token')
          .set('X-Forwarded-For', ip)
          .send({ refreshToken: forged })
          .expect(401);
        // ...but against the client IP.
        expect429(
          await limited
            .http()
            .post('/auth/refresh-token')
            .set('X-Forwarded-For', ip)
            .send({ refreshToken: forged }),
        );
      } finally {
        await stack.stop(limited.app);
      }
    });
  });

  describe('GLOBAL', () => {
    let small: ApiInstance;
    beforeAll(async () => {
      small = await stack.startApi({ ...ON, THROTTLE_GLOBAL: '4/60' });
    });
    afterAll(() => stack.stop(small.app));

    it('applies to an ordinary route, counted before authentication', async () => {
      const user = await customer();
      const ip = nextIp();
      // Requests without a valid token count too: the limiter runs before the JwtGuard.
      await small.http().get('/auth/sessions').set('X-Forwarded-For', ip).expect(401);
      await small.http().get('/auth/sessions').set('X-Forwarded-For', ip).expect(401);
      const ok = await small
        .http()
        .get('/auth/sessions')
        .set('X-Forwarded-For', ip)
        .set(...bearer(user))
        .expect(200);
      expect(ok.headers['ratelimit-limit']).toBe('4');
      expect(ok.headers['ratelimit-remaining']).toBe('1');
      await small
        .http()
        .get('/auth/sessions')
        .set('X-Forwarded-For', ip)
        .set(...bearer(user))
        .expect(200);
      expect429(
        await small
          .http()
          .get('/auth/sessions')
          .set('X-Forwarded-For', ip)
          .set(...bearer(user)),
      );
    });

    it('a refused request to a cached route is not answered from the cache, nor counted as a hit', async () => {
      const company = await a
        .http()
        .post('/auth/register-company')
        .set('X-Forwarded-For', nextIp())
        .send({
          email: uniqueEmail(),
          password: PASSWORD,
          name: 'Carla Cache',
          companyName: `Cached Co ${nextIp()}`,
        });
      expect(company.status).toBe(201);
      const path = `/companies/${(company.body as { company: { slug: string } }).company.slug}`;
      const hits = async () => {
        const text = (await small.http().get('/metrics').expect(200)).text;
        return Number(
          /parcsal_cache_requests_total\{cache="COMPANY",result="hit"\} (\d+)/.exec(text)?.[1] ?? 0,
        );
      };
      const ip = nextIp();
      const fill = await small.http().get(path).set('X-Forwarded-For', ip).expect(200);
      expect(fill.headers['x-cache']).toBe('MISS');
      const before = await hits();
      for (let i = 0; i < 3; i++) {
        const hit = await small.http().get(path).set('X-Forwarded-For', ip).expect(200);
        expect(hit.headers['x-cache']).toBe('HIT');
      }
      const refused = await small.http().get(path).set('X-Forwarded-For', ip);
      expect429(refused);
      expect(refused.headers['x-cache']).toBeUndefined();
      expect(await hits()).toBe(before + 3);
    });

    it('never limits /health or /metrics', async () => {
      const ip = nextIp();
      for (let i = 0; i < 8; i++) {
        const health = await small.http().get('/health').set('X-Forwarded-For', ip).expect(200);
        expect(health.headers['ratelimit-limit']).toBeUndefined();
        await small.http().get('/metrics').set('X-Forwarded-For', ip).expect(200);
      }
    });

    it('does not apply to the queue dashboard (it has its own admin gate)', async () => {
      const ip = nextIp();
      for (let i = 0; i < 6; i++) {
        const res = await small.http().get('/admin/queues').set('X-Forwarded-For', ip);
        expect(res.status).toBe(401);
      }
    });

    it('counts 429s in parcsal_throttled_requests_total', async () => {
      const metrics = await small.http().get('/metrics').expect(200);
      expect(metrics.text).toMatch(/parcsal_throttled_requests_total\{throttler="GLOBAL"\} [1-9]/);
    });
  });

  describe('BOOKING (per signed-in user) and SEARCH (per IP)', () => {
    let limited: ApiInstance;
    let shipmentId: string;
    beforeAll(async () => {
      limited = await stack.startApi({
        ...ON,
        THROTTLE_BOOKING: '2/3600',
        THROTTLE_SEARCH: '2/60',
      });
      const owner = await limited
        .http()
        .post('/auth/register-company')
        .set('X-Forwarded-For', nextIp())
        .send({ email: uniqueEmail(), password: PASSWORD, name: 'Olive', companyName: 'Rate Co' })
        .expect(201);
      const shipment = await limited
        .http()
        .post('/shipments')
        .set('X-Forwarded-For', nextIp())
        .set(...bearer(owner.body))
        .send({
          origin: 'Lyon',
          destination: 'Porto',
          departureAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
          capacityKg: 1000,
          pricePerKgCents: 150,
          mode: 'ROAD',
        })
        .expect(201);
      shipmentId = shipment.body.id;
    });
    afterAll(() => stack.stop(limited.app));

    const book = (ip: string, session?: { accessToken: string }) => {
      const req = limited.http().post('/bookings').set('X-Forwarded-For', ip);
      if (session) req.set(...bearer(session));
      return req.send({ shipmentId, weightKg: 1 });
    };

    it('counts bookings per user whatever the IP, after authentication', async () => {
      const alice = await customer(limited);
      const bob = await customer(limited);
      const ip = nextIp();
      // Unauthenticated attempts are 401 (the JwtGuard) and cost no user anything.
      for (let i = 0; i < 3; i++) await book(ip).expect(401);
      const first = await book(ip, alice).expect(201);
      expect(first.headers['ratelimit-limit']).toBe('2');
      expect(first.headers['ratelimit-remaining']).toBe('1');
      await book(nextIp(), alice).expect(201);
      expect429(await book(nextIp(), alice));
      // Another user on the same IP is not affected.
      await book(ip, bob).expect(201);
    });

    it('limits search per IP, cached answers included', async () => {
      const ip = nextIp();
      const search = (from: string) =>
        limited.http().get('/shipments/search?origin=lyon').set('X-Forwarded-For', from);
      await search(ip).expect(200);
      await search(ip).expect(200);
      expect429(await search(ip));
      await search(nextIp()).expect(200);
      // SEARCH applies to search only: the shipment itself is only under GLOBAL.
      await limited.http().get(`/shipments/${shipmentId}`).set('X-Forwarded-For', ip).expect(200);
    });
  });

  describe('CHAT (ChatRateLimiter)', () => {
    it('allows THROTTLE_CHAT messages per user per window, across processes', async () => {
      const chat = await stack.startApi({ ...ON, THROTTLE_CHAT: '3/10' });
      const other = await stack.startApi({ ...ON, THROTTLE_CHAT: '3/10' });
      try {
        const limiterA = chat.app.get(ChatRateLimiter);
        const limiterB = other.app.get(ChatRateLimiter);
        const user = 'b6f0c7a8-2f6e-4d7c-9d2b-3b1f7f0f6e01';
        const results = [
          await limiterA.consume(user),
          await limiterB.consume(user),
          await limiterA.consume(user),
          await limiterB.consume(user),
        ];
        expect(results).toEqual([true, true, true, false]);
        expect(await limiterA.consume('another-user')).toBe(true);
      } finally {
        await Promise.all([stack.stop(chat.app), stack.stop(other.app)]);
      }
    });

    it('is off with THROTTLE_ENABLED=false', async () => {
      const off = await stack.startApi({ THROTTLE_CHAT: '1/10' });
      try {
        const limiter = off.app.get(ChatRateLimiter);
        expect([await limiter.consume('u'), await limiter.consume('u')]).toEqual([true, true]);
      } finally {
        await stack.stop(off.app);
      }
    });
  });

  describe('THROTTLE_ENABLED=false', () => {
    it('turns every limit off', async () => {
      const off = await stack.startApi({ TRUST_PROXY: '1', THROTTLE_LOGIN: '1/60' });
      try {
        const ip = nextIp();
        for (let i = 0; i < 3; i++) {
          const res = await login(off, ip, uniqueEmail()).expect(401);
          expect(res.headers['ratelimit-limit']).toBeUndefined();
        }
      } finally {
        await stack.stop(off.app);
      }
    });
  });

  describe('Redis unreachable', () => {
    it('fails open for GLOBAL/REGISTER/REFRESH and closed (503) for LOGIN, at once', async () => {
      const down = await stack.startApi(ON);
      try {
        const user = await customer(down);
        down.app.get(RateLimitStorage).connection.disconnect();

        const timed = async <T>(call: () => PromiseLike<T>): Promise<T> => {
          const started = Date.now();
          const result = await call();
          expect(Date.now() - started).toBeLessThan(NEVER_HANGS_MS);
          return result;
        };
        // GLOBAL on an ordinary route: served.
        await timed(() =>
          down
            .http()
            .get('/auth/sessions')
            .set(...bearer(user))
            .expect(200),
        );
        // REGISTER, REFRESH: served.
        await timed(() => register(down, nextIp()).expect(201));
        await timed(() =>
          down
            .http()
            .post('/auth/refresh-token')
            .send({ refreshToken: user.refreshToken })
            .expect(200),
        );
        // LOGIN, LOGIN_EMAIL: refused, in the error shape.
        const refused = await timed(() => login(down, nextIp(), user.user.email, PASSWORD));
        expect(refused.status).toBe(503);
        expect(refused.body).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: expect.any(String),
        });
        // The chat limit fails open too.
        expect(await down.app.get(ChatRateLimiter).consume(user.user.id)).toBe(true);

        const metrics = (await down.http().get('/metrics').expect(200)).text;
        // LOGIN_EMAIL is not even tried once LOGIN refused the attempt.
        for (const name of ['GLOBAL', 'REGISTER', 'REFRESH', 'LOGIN', 'CHAT']) {
          expect(metrics).toMatch(
            new RegExp(`parcsal_throttle_storage_errors_total\\{throttler="${name}"\\} [1-9]`),
          );
        }
      } finally {
        await stack.stop(down.app);
      }
    });

    describe('behind a Redis that stops answering', () => {
      let proxy: TcpProxy;

      beforeAll(async () => {
        proxy = await TcpProxy.forUrl(TEST_REDIS_URL, 6379);
      });
      afterAll(() => proxy.close());

      it('answers a login with 503 within a bounded time, never hangs', async () => {
        const hung = await stack.startApi({ ...ON, REDIS_URL: proxy.url(TEST_REDIS_URL) });
        try {
          proxy.blackhole(true);
          const started = Date.now();
          const res = await login(hung, nextIp(), uniqueEmail());
          const elapsed = Date.now() - started;
          expect(res.status).toBe(503);
          expect(elapsed).toBeLessThan(NEVER_HANGS_MS);
        } finally {
          proxy.blackhole(false);
          await stack.stop(hung.app);
        }
      });
    });
  });
});
