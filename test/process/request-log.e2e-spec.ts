import { registerCompany, registerCustomer } from '../support/fixtures';
import { ApiProcess, asApiInstance, startApiProcess, stopAllProcesses } from '../support/processes';
import { TestStack } from '../support/test-stack';

/**
 * The request log line (pino-http, LOG_LEVEL=info): one per answered request, with what an
 * operator needs to follow it (request id, method, URL, status, response time, the signed-in
 * user) and nothing a log must not hold (the bearer token, cookies).
 */
let stack: TestStack;
let api: ApiProcess;

beforeAll(async () => {
  stack = await TestStack.create();
  api = await startApiProcess(stack, { LOG_LEVEL: 'info' });
}, 240_000);

afterAll(async () => {
  await stopAllProcesses();
  await stack.close();
});

/** The request log line of the request sent with X-Request-Id `id` (JSON, parsed). */
async function requestLine(id: string, send: () => Promise<unknown>) {
  const line = api.process.waitForLine(
    (l) => l.includes(`"${id}"`) && l.includes('request completed'),
    `request log line of ${id}`,
    10_000,
  );
  await send();
  return JSON.parse(await line) as Record<string, unknown>;
}

it('a signed-in request: id, method, URL, status, response time and the user, no token', async () => {
  const customer = await registerCustomer(asApiInstance(api));
  const line = await requestLine('log-signed-in', () =>
    api
      .http()
      .get('/users/me?x=1')
      .set('Authorization', `Bearer ${customer.accessToken}`)
      .set('Cookie', 'session=secret-cookie')
      .set('X-Request-Id', 'log-signed-in')
      .expect(200),
  );
  expect(line).toMatchObject({
    level: 30,
    msg: 'request completed',
    req: { id: 'log-signed-in', method: 'GET', url: '/users/me?x=1' },
    res: { statusCode: 200 },
    userId: customer.user.id,
  });
  expect(typeof line.responseTime).toBe('number');
  const text = JSON.stringify(line);
  expect(text).not.toContain(customer.accessToken);
  expect(text).not.toContain('secret-cookie');
});

it('a public request: no user; a refused one: its status', async () => {
  const owner = await registerCompany(asApiInstance(api));
  const ok = await requestLine('log-public', () =>
    api
      .http()
      .get(`/companies/${owner.company!.slug}`)
      .set('X-Request-Id', 'log-public')
      .expect(200),
  );
  expect(ok).toMatchObject({
    req: { id: 'log-public', method: 'GET', url: `/companies/${owner.company!.slug}` },
    res: { statusCode: 200 },
  });
  expect(ok).not.toHaveProperty('userId');

  const refused = await requestLine('log-refused', () =>
    api.http().get('/users/me').set('X-Request-Id', 'log-refused').expect(401),
  );
  expect(refused).toMatchObject({
    req: { id: 'log-refused', method: 'GET', url: '/users/me' },
    res: { statusCode: 401 },
  });
  expect(typeof refused.responseTime).toBe('number');
});
