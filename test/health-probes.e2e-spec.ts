import { DrainState } from '../src/health/drain-state';
import { TcpProxy } from './support/tcp-proxy';
import { TEST_REDIS_URL } from './support/test-env';
import { ApiInstance, TestStack } from './support/test-stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await TestStack.create();
});

afterAll(async () => {
  await stack.close();
});

describe('GET /health/live and /health/ready', () => {
  let api: ApiInstance;

  beforeAll(async () => {
    api = await stack.startApi();
  });

  it('live answers 200 while the process runs', async () => {
    const res = await api.http().get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('ready answers 200 with every dependency up', async () => {
    const res = await api.http().get('/health/ready').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      checks: { database: 'up', redis: 'up', queue: 'up' },
    });
  });

  it('keeps GET /health as it was', async () => {
    const res = await api.http().get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok' });
  });

  it('documents both probes in the OpenAPI document', async () => {
    const { body } = await api.http().get('/docs-json').expect(200);
    const paths = body.paths as Record<string, { get: { responses: Record<string, unknown> } }>;
    expect(Object.keys(paths['/health/live'].get.responses)).toEqual(['200']);
    expect(Object.keys(paths['/health/ready'].get.responses).sort()).toEqual(['200', '503']);
  });
});

describe('probes are not rate-limited', () => {
  it('answers 200 past the GLOBAL limit, without rate-limit headers', async () => {
    const api = await stack.startApi({ THROTTLE_ENABLED: 'true', THROTTLE_GLOBAL: '2/60' });
    for (let i = 0; i < 5; i++) {
      for (const path of ['/health/live', '/health/ready']) {
        const res = await api.http().get(path).expect(200);
        expect(res.headers['ratelimit-limit']).toBeUndefined();
      }
    }
    await stack.stop(api.app);
  });
});

describe('readiness is false while draining', () => {
  it('answers 503 in the error shape once SIGTERM started the drain; live stays 200', async () => {
    const api = await stack.startApi();
    api.app.get(DrainState).start();
    const res = await api.http().get('/health/ready').expect(503);
    expect(res.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'not ready: draining',
      status: 'draining',
      checks: { database: 'up', redis: 'up', queue: 'up' },
    });
    await api.http().get('/health/live').expect(200);
    await stack.stop(api.app);
  });
});

describe('with Redis unreachable', () => {
  let proxy: TcpProxy;

  beforeAll(async () => {
    proxy = await TcpProxy.forUrl(TEST_REDIS_URL, 6379);
  });

  afterAll(async () => {
    await proxy.close();
  });

  it('live stays 200 (it never touches Redis or the database); ready answers 503, then 200 again', async () => {
    const api = await stack.startApi({ REDIS_URL: proxy.url(TEST_REDIS_URL) });
    await api.http().get('/health/ready').expect(200);
    proxy.cut();
    await api.http().get('/health/live').expect(200);
    const res = await api.http().get('/health/ready').expect(503);
    expect(res.body).toMatchObject({
      status: 'unavailable',
      message: expect.stringMatching(/redis down/),
      checks: { redis: 'down', database: 'up' },
    });
    proxy.restore();
    // And ready again once Redis is back (bounded: "never hangs").
    const deadline = Date.now() + 20_000;
    while ((await api.http().get('/health/ready')).status !== 200) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await stack.stop(api.app);
  });
});
