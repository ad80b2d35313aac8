import { bearer, registerCustomer } from '../support/fixtures';
import { TcpProxy } from '../support/tcp-proxy';
import { ApiInstance, TestStack } from '../support/test-stack';

/**
 * "Never hangs" bound: a request needing the unreachable database answers 503 before this
 * (the pool gives up connecting after 5 s); later means it hung. Not a latency measurement.
 */
const NEVER_HANGS_MS = 15_000;

/**
 * PostgreSQL briefly unreachable (a proxy between this API instance and the shared server is
 * cut): requests that need the database answer 503 in the error shape, quickly, and everything
 * recovers without restarting the process.
 */
describe('resilience: PostgreSQL outage', () => {
  let stack: TestStack;
  let proxy: TcpProxy;
  let api: ApiInstance;

  beforeAll(async () => {
    stack = await TestStack.create();
    proxy = await TcpProxy.forUrl(stack.databaseUrl, 5432);
    api = await stack.startApi({ DATABASE_URL: proxy.url(stack.databaseUrl) });
  });
  afterAll(async () => {
    await stack.close();
    await proxy.close();
  });

  it('answers 503 while the database is unreachable and recovers by itself', async () => {
    const customer = await registerCustomer(api);
    await api
      .http()
      .get('/users/me')
      .set(...bearer(customer))
      .expect(200);

    proxy.cut();
    const started = Date.now();
    // A route that must read the database answers 503...
    const during = await api
      .http()
      .get('/notifications')
      .set(...bearer(customer));
    expect(during.status).toBe(503);
    expect(during.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.any(String),
    });
    expect(Date.now() - started).toBeLessThan(NEVER_HANGS_MS);
    // ...while a cached profile is still served: checking the token needs Redis only.
    const cachedProfile = await api
      .http()
      .get('/users/me')
      .set(...bearer(customer))
      .expect(200);
    expect(cachedProfile.headers['x-cache']).toBe('HIT');
    const login = await api
      .http()
      .post('/auth/login')
      .send({ email: customer.user.email, password: customer.password });
    expect(login.status).toBe(503);
    expect((await api.http().get('/health')).status).toBe(503);

    proxy.restore();
    const recoveredAt = Date.now();
    let status = 0;
    while (status !== 200 && Date.now() - recoveredAt < 10_000) {
      status = (
        await api
          .http()
          .get('/notifications')
          .set(...bearer(customer))
      ).status;
    }
    expect(status).toBe(200);
    await api.http().get('/health').expect(200);
  });
});
