import fc from 'fast-check';
import {
  ADMIN_ENV,
  loginAdmin,
  registerCompany,
  registerCustomer,
  SignedIn,
} from '../support/fixtures';
import { ApiInstance, TestStack } from '../support/test-stack';

interface Route {
  method: 'get' | 'post' | 'patch' | 'delete' | 'put';
  path: string;
}

/** Routes that change who is signed in; fuzzing them would only make every later request 401. */
const SKIP = new Set(['post /auth/logout', 'post /auth/logout-all']);

const anyJson = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.dictionary(
    fc.constantFrom(
      'email',
      'password',
      'name',
      'companyName',
      'origin',
      'destination',
      'departureAt',
      'capacityKg',
      'weightKg',
      'shipmentId',
      'bookingId',
      'rating',
      'text',
      'token',
      'refreshToken',
      'audience',
      'html',
      'subject',
      'mode',
      'page',
      'limit',
      '__proto__',
      'constructor',
    ),
    fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.uuid(),
      fc.date().map((d) => (isNaN(d.getTime()) ? 'x' : d.toISOString())),
      fc.array(fc.string()),
    ),
  ),
);
const queryValue = fc.oneof(
  fc.string(),
  fc.integer().map(String),
  fc.constantFrom('', '-1', '0', '1e309', 'NaN', 'true', '[]', '{}', '%00', '2026-01-01', 'ROAD'),
);
const pathParam = fc.oneof(
  fc.uuid(),
  fc.string({ minLength: 1 }).map(encodeURIComponent),
  fc.constantFrom('..', '%2e%2e', 'null', '0'),
);

/**
 * Random JSON bodies, query strings, headers and path parameters sent to every route of the
 * OpenAPI document, as every role: each answer is a success or a 4xx in the contract's error
 * shape, never a 500 and never a crash.
 */
describe('resilience: fuzzed input', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let routes: Route[];
  let sessions: (SignedIn | null)[];

  beforeAll(async () => {
    stack = await TestStack.create(ADMIN_ENV);
    api = await stack.startApi();
    const doc = (await api.http().get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .map((method) => ({ method: method as Route['method'], path }))
        .filter((r) => !SKIP.has(`${r.method} ${r.path}`)),
    );
    sessions = [
      null,
      await registerCustomer(api),
      await registerCompany(api),
      await loginAdmin(api),
    ];
  });
  afterAll(() => stack.close());

  it('documents the routes it fuzzes', () => {
    expect(routes.length).toBeGreaterThan(10);
  });

  it('never answers 5xx, and every error is in the contract shape', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.nat(3),
        anyJson,
        fc.dictionary(
          fc.constantFrom(
            'page',
            'limit',
            'origin',
            'destination',
            'from',
            'to',
            'minAvailableKg',
            'mode',
            'unread',
            'days',
            'status',
            'x',
          ),
          queryValue,
        ),
        pathParam,
        fc.constantFrom(undefined, 'not-a-key', 'k'.repeat(300), '\u00ff\u00fe'),
        async (routeIndex, who, body, query, param, idempotencyKey) => {
          const route = routes[routeIndex % routes.length];
          const url = route.path.replace(/\{[^}]+\}/g, () => param);
          const req = api.http()[route.method](url).query(query);
          const session = sessions[who];
          if (session) req.set('Authorization', `Bearer ${session.accessToken}`);
          if (idempotencyKey !== undefined)
            req.set('Idempotency-Key', idempotencyKey.replace(/[^\x20-\x7e]/g, '?'));
          const withBody = ['post', 'patch', 'put'].includes(route.method) && body !== undefined;
          const res = withBody
            ? await req.set('Content-Type', 'application/json').send(JSON.stringify(body))
            : await req;
          if (res.status >= 500)
            throw new Error(
              `${route.method.toUpperCase()} ${url} → ${res.status} ${JSON.stringify(res.body)}`,
            );
          if (res.status >= 400 && res.headers['content-type']?.includes('json')) {
            expect(res.body).toEqual(
              expect.objectContaining({
                statusCode: res.status,
                error: expect.any(String),
                message: expect.anything(),
              }),
            );
          }
        },
      ),
      { numRuns: 400, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000) },
    );
  });

  it('handles raw malformed bodies, deep nesting and oversized bodies', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    for (const raw of [
      '{',
      '{"a":}',
      'null',
      '"str"',
      '[]',
      deep,
      `{"email":"${'a'.repeat(150_000)}"}`,
    ]) {
      const res = await api
        .http()
        .post('/auth/login')
        .set('Content-Type', 'application/json')
        .send(raw);
      expect([400, 401, 413]).toContain(res.status);
      expect(res.body).toEqual(
        expect.objectContaining({ statusCode: res.status, error: expect.any(String) }),
      );
    }
    const big = await api
      .http()
      .post('/auth/register-customer')
      .send({ name: 'x'.repeat(200_000) });
    expect(big.status).toBe(413);
  });
});
