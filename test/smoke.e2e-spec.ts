import { ApiInstance, TestStack } from './support/test-stack';
import { bearer, registerCustomer } from './support/fixtures';

describe('smoke', () => {
  let stack: TestStack;
  let api: ApiInstance;
  beforeAll(async () => {
    stack = await TestStack.create();
    api = await stack.startApi();
  });
  afterAll(() => stack.close());

  it('health', async () => {
    const res = await api.http().get('/health').expect(200);
    expect(res.body.status).toBe('ok');
  });

  it('register then me', async () => {
    const c = await registerCustomer(api);
    const res = await api
      .http()
      .get('/users/me')
      .set(...bearer(c))
      .expect(200);
    expect(res.body.email).toBe(c.user.email);
  });

  it('malformed json', async () => {
    const res = await api
      .http()
      .post('/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"a":')
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('huge body', async () => {
    const res = await api
      .http()
      .post('/auth/login')
      .send({ email: 'x'.repeat(200_000) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ statusCode: 413 });
  });
});
