import { bearer, registerCustomer } from './support/fixtures';
import { ApiInstance, TestStack } from './support/test-stack';

/** The contract's HTTP conventions that every route shares. */
describe('HTTP conventions', () => {
  let stack: TestStack;
  let api: ApiInstance;
  beforeAll(async () => {
    stack = await TestStack.create();
    api = await stack.startApi();
  });
  afterAll(() => stack.close());

  const expectError = (body: unknown, statusCode: number, error: string) =>
    expect(body).toEqual({ statusCode, error, message: expect.anything() });

  it('GET /health is 200 with status ok when Redis and the database answer', async () => {
    const res = await api.http().get('/health').expect(200);
    expect(res.body.status).toBe('ok');
  });

  it('registers, then GET /users/me answers the user', async () => {
    const customer = await registerCustomer(api);
    const res = await api
      .http()
      .get('/users/me')
      .set(...bearer(customer))
      .expect(200);
    expect(res.body.email).toBe(customer.user.email);
  });

  it('malformed JSON is 400 in the error shape', async () => {
    const res = await api
      .http()
      .post('/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"a":')
      .expect(400);
    expectError(res.body, 400, 'Bad Request');
  });

  it('a body over 100 kB is 413 in the error shape', async () => {
    const res = await api
      .http()
      .post('/auth/login')
      .send({ email: 'x'.repeat(200_000) })
      .expect(413);
    expectError(res.body, 413, 'Payload Too Large');
  });

  it('an unknown route is 404 in the error shape', async () => {
    const res = await api.http().get('/no/such/route').expect(404);
    expectError(res.body, 404, 'Not Found');
  });

  it('list limits above 100 are 400 with readable messages', async () => {
    const res = await api.http().get('/shipments/search?limit=101').expect(400);
    expectError(res.body, 400, 'Bad Request');
    expect(res.body.message).toEqual([expect.stringContaining('limit')]);
  });

  it('serves the OpenAPI UI and document', async () => {
    await api.http().get('/docs').redirects(1).expect(200);
    const doc = await api.http().get('/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/auth/login', '/bookings', '/shipments/search']),
    );
  });

  it('exposes Prometheus metrics, request counts included', async () => {
    const res = await api.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('parcsal_http_requests_total');
  });

  it('echoes a request id', async () => {
    const res = await api.http().get('/health').set('X-Request-Id', 'trace-123').expect(200);
    expect(res.headers['x-request-id']).toBe('trace-123');
  });
});
