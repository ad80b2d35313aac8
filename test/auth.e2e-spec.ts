import { JwtService } from '@nestjs/jwt';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/configure-app';
import {
  ADMIN_ENV,
  bearer,
  loginAdmin,
  PASSWORD,
  registerCompany,
  registerCustomer,
  uniqueEmail,
} from './support/fixtures';
import { ApiInstance, TestStack } from './support/test-stack';

const UA_LAPTOP = 'Mozilla/5.0 (X11; Linux x86_64) Laptop';
const UA_PHONE = 'Mozilla/5.0 (iPhone) Phone';
/** Never-hangs bound for a fail-closed answer: generous, it only catches waiting on a dead Redis. */
const NEVER_HANGS_MS = 10_000;

function expectErrorShape(body: unknown, statusCode: number): void {
  expect(body).toEqual(
    expect.objectContaining({ statusCode, error: expect.any(String), message: expect.anything() }),
  );
}

describe('auth', () => {
  let stack: TestStack;
  let a: ApiInstance;
  let b: ApiInstance;

  beforeAll(async () => {
    stack = await TestStack.create(ADMIN_ENV);
    [a, b] = await Promise.all([stack.startApi(), stack.startApi()]);
  });
  afterAll(() => stack.close());

  const login = (api: ApiInstance, email: string, userAgent = UA_LAPTOP) =>
    api.http().post('/auth/login').set('User-Agent', userAgent).send({ email, password: PASSWORD });

  describe('registration and login', () => {
    it('registers a customer and returns a user without secrets', async () => {
      const email = uniqueEmail();
      const res = await a
        .http()
        .post('/auth/register-customer')
        .send({ email, password: PASSWORD, name: 'Ada' })
        .expect(201);
      expect(res.body.user).toEqual({
        id: expect.any(String),
        email,
        name: 'Ada',
        role: 'CUSTOMER',
        companyId: null,
        companyRole: null,
        createdAt: expect.any(String),
      });
      expect(JSON.stringify(res.body)).not.toMatch(/password/i);
      expect(res.body.accessToken).toEqual(expect.any(String));
      expect(res.body.refreshToken).toEqual(expect.any(String));
    });

    it('registers a company owner with the company', async () => {
      const owner = await registerCompany(a, { companyName: 'Acme Freight' });
      expect(owner.user).toMatchObject({
        role: 'COMPANY',
        companyRole: 'OWNER',
        companyId: owner.company!.id,
      });
      expect(owner.company).toMatchObject({
        name: 'Acme Freight',
        slug: expect.stringMatching(/^acme-freight/),
      });
    });

    it('refuses an email already registered, whatever its case (409)', async () => {
      const email = uniqueEmail();
      await a
        .http()
        .post('/auth/register-customer')
        .send({ email, password: PASSWORD, name: 'A' })
        .expect(201);
      const res = await b
        .http()
        .post('/auth/register-customer')
        .send({ email: email.toUpperCase(), password: PASSWORD, name: 'B' })
        .expect(409);
      expectErrorShape(res.body, 409);
      expect(res.body.error).toBe('Conflict');
    });

    it('validates input with readable messages and rejects unknown fields', async () => {
      const res = await a
        .http()
        .post('/auth/register-customer')
        .send({ email: 'nope', password: 'short', name: 42 })
        .expect(400);
      expectErrorShape(res.body, 400);
      expect(res.body.message).toEqual(expect.arrayContaining([expect.stringContaining('email')]));
      expect(res.body.message.join(' ')).toMatch(/password/);
      const extra = await a
        .http()
        .post('/auth/register-customer')
        .send({ email: uniqueEmail(), password: PASSWORD, name: 'X', role: 'ADMIN' })
        .expect(400);
      expect(extra.body.message).toEqual(expect.arrayContaining([expect.stringContaining('role')]));
    });

    it('logs in, and answers the same 401 for a bad password and an unknown email', async () => {
      const customer = await registerCustomer(a);
      const ok = await login(b, customer.user.email).expect(200);
      expect(ok.body.user.id).toBe(customer.user.id);
      const badPassword = await b
        .http()
        .post('/auth/login')
        .send({ email: customer.user.email, password: 'wrong-password' })
        .expect(401);
      const unknown = await b
        .http()
        .post('/auth/login')
        .send({ email: uniqueEmail(), password: 'wrong-password' })
        .expect(401);
      expectErrorShape(badPassword.body, 401);
      expect(unknown.body).toEqual(badPassword.body);
    });

    it('bootstraps the admin from ADMIN_EMAIL / ADMIN_PASSWORD', async () => {
      const admin = await loginAdmin(a);
      expect(admin.user.role).toBe('ADMIN');
    });

    it('answers GET /users/me with stats', async () => {
      const customer = await registerCustomer(a);
      const res = await b
        .http()
        .get('/users/me')
        .set(...bearer(customer))
        .expect(200);
      expect(res.body).toMatchObject({
        id: customer.user.id,
        role: 'CUSTOMER',
        stats: { bookingsCount: 0, deliveredCount: 0, spentCents: 0 },
      });
    });
  });

  describe('bad tokens are 401', () => {
    let customer: Awaited<ReturnType<typeof registerCustomer>>;
    beforeAll(async () => {
      customer = await registerCustomer(a);
    });
    const claims = () =>
      JSON.parse(Buffer.from(customer.accessToken.split('.')[1], 'base64url').toString());

    it.each([
      ['no header', undefined],
      ['not bearer', 'Basic abc'],
      ['garbage', 'Bearer not-a-token'],
    ])('%s', async (_name, header) => {
      const req = a.http().get('/users/me');
      if (header) req.set('Authorization', header);
      const res = await req.expect(401);
      expectErrorShape(res.body, 401);
    });

    it('signed with another secret', async () => {
      const { iat: _iat, exp: _exp, ...payload } = claims();
      const forged = new JwtService().sign(payload, { secret: 'another-secret', expiresIn: 600 });
      await a.http().get('/users/me').set('Authorization', `Bearer ${forged}`).expect(401);
    });

    it('alg none', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const body = Buffer.from(JSON.stringify(claims())).toString('base64url');
      await a.http().get('/users/me').set('Authorization', `Bearer ${header}.${body}.`).expect(401);
    });

    it('expired', async () => {
      const { iat: _iat, exp: _exp, ...payload } = claims();
      const expired = new JwtService().sign(
        { ...payload, exp: Math.floor(Date.now() / 1000) - 10 },
        { secret: a.config.jwt.accessSecret },
      );
      await a.http().get('/users/me').set('Authorization', `Bearer ${expired}`).expect(401);
    });

    it('a refresh token used as an access token', async () => {
      await a
        .http()
        .get('/users/me')
        .set('Authorization', `Bearer ${customer.refreshToken}`)
        .expect(401);
    });
  });

  describe('revocation and sessions', () => {
    it('logout kills the access token on another instance at once, and its refresh token', async () => {
      const customer = await registerCustomer(a);
      await b
        .http()
        .get('/users/me')
        .set(...bearer(customer))
        .expect(200);
      await a
        .http()
        .post('/auth/logout')
        .set(...bearer(customer))
        .expect(204);
      await b
        .http()
        .get('/users/me')
        .set(...bearer(customer))
        .expect(401);
      await b
        .http()
        .post('/auth/refresh-token')
        .send({ refreshToken: customer.refreshToken })
        .expect(401);
    });

    it('says "revoked" for a logged-out token and "session not found" for an unknown session', async () => {
      const customer = await registerCustomer(a);
      // Another deployment prefix: a valid token whose session this Redis never held.
      const elsewhere = await stack.startApi({ REDIS_KEY_PREFIX: `${stack.prefix}elsewhere:` });
      try {
        const unknown = await elsewhere
          .http()
          .get('/users/me')
          .set(...bearer(customer))
          .expect(401);
        expect(unknown.body).toEqual({
          statusCode: 401,
          error: 'Unauthorized',
          message: 'Session not found or expired',
        });
      } finally {
        await stack.stop(elsewhere.app);
      }
      await a
        .http()
        .post('/auth/logout')
        .set(...bearer(customer))
        .expect(204);
      const revoked = await b
        .http()
        .get('/users/me')
        .set(...bearer(customer))
        .expect(401);
      expect(revoked.body.message).toBe('Token has been revoked');
    });

    it('rotates refresh tokens; reusing one kills the newer tokens too', async () => {
      const customer = await registerCustomer(a);
      const first = await a
        .http()
        .post('/auth/refresh-token')
        .send({ refreshToken: customer.refreshToken })
        .expect(200);
      expect(first.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
      });
      await b
        .http()
        .get('/users/me')
        .set(...bearer(first.body))
        .expect(200);
      const reuse = await b
        .http()
        .post('/auth/refresh-token')
        .send({ refreshToken: customer.refreshToken })
        .expect(401);
      expectErrorShape(reuse.body, 401);
      await a
        .http()
        .get('/users/me')
        .set(...bearer(first.body))
        .expect(401);
      await a
        .http()
        .post('/auth/refresh-token')
        .send({ refreshToken: first.body.refreshToken })
        .expect(401);
    });

    it('of two concurrent refreshes with one token exactly one succeeds', async () => {
      const customer = await registerCustomer(a);
      const results = await Promise.all(
        [a, b, a, b].map((api) =>
          api.http().post('/auth/refresh-token').send({ refreshToken: customer.refreshToken }),
        ),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    });

    it('logout-all kills every session; a login right after works', async () => {
      const customer = await registerCustomer(a);
      const phone = await login(b, customer.user.email, UA_PHONE).expect(200);
      await a
        .http()
        .post('/auth/logout-all')
        .set(...bearer(customer))
        .expect(204);
      await a
        .http()
        .get('/users/me')
        .set(...bearer(customer))
        .expect(401);
      await b
        .http()
        .get('/users/me')
        .set(...bearer(phone.body))
        .expect(401);
      await b
        .http()
        .post('/auth/refresh-token')
        .send({ refreshToken: phone.body.refreshToken })
        .expect(401);
      const again = await login(a, customer.user.email).expect(200);
      await b
        .http()
        .get('/users/me')
        .set(...bearer(again.body))
        .expect(200);
    });

    it('admin force-logout kills every token of that user; non-admins get 403', async () => {
      const admin = await loginAdmin(a);
      const customer = await registerCustomer(a);
      const other = await registerCustomer(a);
      await a
        .http()
        .post(`/admin/users/${customer.user.id}/force-logout`)
        .set(...bearer(other))
        .expect(403);
      await a
        .http()
        .post(`/admin/users/${customer.user.id}/force-logout`)
        .set(...bearer(admin))
        .expect(204);
      await b
        .http()
        .get('/users/me')
        .set(...bearer(customer))
        .expect(401);
      await b
        .http()
        .get('/users/me')
        .set(...bearer(other))
        .expect(200);
      await a
        .http()
        .post('/admin/users/not-a-uuid/force-logout')
        .set(...bearer(admin))
        .expect(400);
      await a
        .http()
        .post('/admin/users/00000000-0000-4000-8000-000000000000/force-logout')
        .set(...bearer(admin))
        .expect(404);
    });

    it('lists sessions with user agent and IP, and deleting one kills only that one', async () => {
      const customer = await registerCustomer(a);
      const phone = await login(b, customer.user.email, UA_PHONE).expect(200);
      const list = await a
        .http()
        .get('/auth/sessions')
        .set(...bearer(phone.body))
        .expect(200);
      expect(list.body).toHaveLength(2);
      const current = list.body.find((s: { current: boolean }) => s.current);
      expect(current).toMatchObject({
        userAgent: UA_PHONE,
        ip: expect.stringMatching(/127\.0\.0\.1/),
        createdAt: expect.any(String),
        lastSeenAt: expect.any(String),
      });
      const other = list.body.find((s: { current: boolean }) => !s.current);
      await a
        .http()
        .delete(`/auth/sessions/${other.id}`)
        .set(...bearer(phone.body))
        .expect(204);
      await b
        .http()
        .get('/users/me')
        .set(...bearer(customer))
        .expect(401);
      await b
        .http()
        .get('/users/me')
        .set(...bearer(phone.body))
        .expect(200);
      await a
        .http()
        .delete(`/auth/sessions/${other.id}`)
        .set(...bearer(phone.body))
        .expect(404);
    });

    it('cannot delete another user’s session', async () => {
      const alice = await registerCustomer(a);
      const bob = await registerCustomer(a);
      const [bobSession] = (
        await a
          .http()
          .get('/auth/sessions')
          .set(...bearer(bob))
          .expect(200)
      ).body;
      await a
        .http()
        .delete(`/auth/sessions/${bobSession.id}`)
        .set(...bearer(alice))
        .expect(404);
      await a
        .http()
        .get('/users/me')
        .set(...bearer(bob))
        .expect(200);
    });

    it('leaves no session or revocation key without a TTL', async () => {
      const redis = stack.redis();
      const keys = await redis.keys(`${stack.prefix}auth:*`);
      expect(keys.length).toBeGreaterThan(0);
      const ttls = await Promise.all(keys.map((k) => redis.ttl(k)));
      expect(ttls.filter((t) => t < 0)).toEqual([]);
    });
  });

  describe('new-device alerts', () => {
    it('a login from a new user agent makes exactly one notification and one email; the same device again makes none', async () => {
      const email = uniqueEmail();
      await a
        .http()
        .post('/auth/register-customer')
        .set('User-Agent', UA_LAPTOP)
        .send({ email, password: PASSWORD, name: 'N' })
        .expect(201);
      const sameDevice = await login(a, email, UA_LAPTOP).expect(200);
      let notifications = await a
        .http()
        .get('/notifications')
        .set(...bearer(sameDevice.body))
        .expect(200);
      expect(notifications.body.items).toHaveLength(0);

      const phone = await login(b, email, UA_PHONE).expect(200);
      await login(a, email, UA_PHONE).expect(200);
      notifications = await a
        .http()
        .get('/notifications')
        .set(...bearer(phone.body))
        .expect(200);
      expect(notifications.body.items).toHaveLength(1);
      expect(notifications.body.items[0]).toMatchObject({
        type: 'security.new_device',
        readAt: null,
      });
      expect(notifications.body.unreadCount).toBe(1);
      const emails = await stack.sql('SELECT "to", event FROM email_outbox WHERE "to" = $1', [
        email,
      ]);
      expect(emails).toEqual([{ to: email, event: 'security.new_device' }]);
    });
  });

  describe('admin bootstrap (ADMIN_EMAIL, ADMIN_PASSWORD)', () => {
    const campaign = { name: 'Hi', subject: 'Hi', html: '<p>Hi</p>', audience: 'ALL' };

    it('refuses to start rather than promote an existing customer, who stays a customer', async () => {
      const customer = await registerCustomer(a);
      const env = { ADMIN_EMAIL: customer.user.email, ADMIN_PASSWORD: 'takeover-password-1' };
      // Built as startApi does, to see the start-up error and close what was opened.
      const app = await NestFactory.create<NestExpressApplication>(
        AppModule.forRoot(stack.config(env)),
        { bodyParser: false, abortOnError: false, bufferLogs: true },
      );
      try {
        configureApp(app, stack.config(env));
        await expect(app.init()).rejects.toThrow(
          `Invalid configuration (ADMIN_EMAIL): is the email of an existing CUSTOMER account`,
        );
      } finally {
        await app.close();
      }
      await a
        .http()
        .post('/admin/campaigns')
        .set(...bearer(customer))
        .send(campaign)
        .expect(403);
      const me = await a
        .http()
        .post('/auth/refresh-token')
        .send({ refreshToken: customer.refreshToken })
        .expect(200);
      await a
        .http()
        .get('/admin/dashboard/summary')
        .set(...bearer(me.body))
        .expect(403);
      await a
        .http()
        .post('/auth/login')
        .send({ email: customer.user.email, password: env.ADMIN_PASSWORD })
        .expect(401);
      const own = await login(a, customer.user.email).expect(200);
      expect(own.body.user.role).toBe('CUSTOMER');
    });

    it('a new ADMIN_PASSWORD revokes every session of that admin; the same one revokes none', async () => {
      const email = uniqueEmail('bootstrap.admin');
      const first = { ADMIN_EMAIL: email, ADMIN_PASSWORD: 'first-admin-password' };
      const started = await stack.startApi(first);
      const session = (
        await a
          .http()
          .post('/auth/login')
          .send({ email, password: first.ADMIN_PASSWORD })
          .expect(200)
      ).body;
      await a
        .http()
        .get('/admin/dashboard/summary')
        .set(...bearer(session))
        .expect(200);

      // A restart with the same password signs nobody out.
      const same = await stack.startApi(first);
      await b
        .http()
        .get('/admin/dashboard/summary')
        .set(...bearer(session))
        .expect(200);

      const changed = await stack.startApi({ ...first, ADMIN_PASSWORD: 'second-admin-password' });
      await b
        .http()
        .get('/admin/dashboard/summary')
        .set(...bearer(session))
        .expect(401);
      await a
        .http()
        .post('/auth/refresh-token')
        .send({ refreshToken: session.refreshToken })
        .expect(401);
      await a
        .http()
        .post('/auth/login')
        .send({ email, password: first.ADMIN_PASSWORD })
        .expect(401);
      const next = await a
        .http()
        .post('/auth/login')
        .send({ email, password: 'second-admin-password' })
        .expect(200);
      expect(next.body.user.role).toBe('ADMIN');
      await Promise.all([started, same, changed].map((api) => stack.stop(api.app)));
    });
  });

  describe('when Redis is unreachable', () => {
    it('fails closed: an authenticated route answers 503 in the error shape, quickly', async () => {
      const stackLocal = await TestStack.create();
      try {
        const api = await stackLocal.startApi();
        const customer = await registerCustomer(api);
        const { RedisService } = await import('../src/redis');
        api.app.get(RedisService).client.disconnect();
        const started = Date.now();
        const res = await api
          .http()
          .get('/users/me')
          .set(...bearer(customer));
        expect(res.status).toBe(503);
        expectErrorShape(res.body, 503);
        expect(Date.now() - started).toBeLessThan(NEVER_HANGS_MS);
        const health = await api.http().get('/health');
        expect(health.status).toBe(503);
      } finally {
        await stackLocal.close();
      }
    });
  });
});
