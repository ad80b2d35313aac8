import { randomUUID } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { connect } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { ADMIN_ENV, bearer, registerCustomer } from './support/fixtures';
import {
  documentedOperations,
  everyRole,
  fillPath,
  Operation,
  RawRequest,
  refusalProblems,
  Role,
  sendAsEveryRole,
} from './support/openapi';
import { ApiInstance, TestStack } from './support/test-stack';

/** The contract's HTTP conventions that every route shares. */
describe('HTTP conventions', () => {
  let stack: TestStack;
  let api: ApiInstance;
  beforeAll(async () => {
    stack = await TestStack.create(ADMIN_ENV);
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

  describe('input PostgreSQL cannot store, and prototype keys, on every documented operation', () => {
    const NUL_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';
    let operations: Operation[];
    let roles: Role[];

    beforeAll(async () => {
      operations = await documentedOperations(api);
      roles = await everyRole(api);
    });

    const asEveryRole = (op: Operation, request: RawRequest) =>
      sendAsEveryRole(api, roles, op, request);

    it('NUL or a lone surrogate in any body field is 400 naming the field', async () => {
      const problems: string[] = [];
      const withBody = operations.filter((op) => op.body?.properties);
      expect(withBody.length).toBeGreaterThan(8);
      for (const op of withBody) {
        for (const field of Object.keys(op.body!.properties!)) {
          for (const bad of ['a\u0000b', 'a\ud800b', '\udfff']) {
            const raw = JSON.stringify({ [field]: bad });
            problems.push(
              ...refusalProblems(
                op,
                `${field}=${JSON.stringify(bad)}`,
                await asEveryRole(op, { raw }),
                `${field} ${NUL_MESSAGE}`,
              ),
            );
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('NUL in any query parameter or path parameter is 400 naming it', async () => {
      const problems: string[] = [];
      for (const op of operations) {
        for (const param of op.parameters.filter((p) => p.in === 'query')) {
          const query = `${encodeURIComponent(param.name)}=x%00y`;
          problems.push(
            ...refusalProblems(
              op,
              query,
              await asEveryRole(op, { query }),
              `${param.name} ${NUL_MESSAGE}`,
            ),
          );
        }
        for (const param of op.parameters.filter((p) => p.in === 'path')) {
          const path = fillPath(op.path, (name) => (name === param.name ? '%00' : randomUUID()));
          problems.push(
            ...refusalProblems(
              op,
              `${param.name}=%00`,
              await asEveryRole(op, { path }),
              `${param.name} ${NUL_MESSAGE}`,
            ),
          );
        }
      }
      expect(problems).toEqual([]);
    });

    it('__proto__ and constructor are refused like any unknown field, in bodies and query strings', async () => {
      const problems: string[] = [];
      for (const op of operations) {
        for (const key of ['__proto__', 'constructor']) {
          const message = `property ${key} should not exist`;
          if (op.body) {
            const raw = `{"${key}":{"isAdmin":true}}`;
            problems.push(...refusalProblems(op, raw, await asEveryRole(op, { raw }), message));
          }
          if (op.parameters.some((p) => p.in === 'query')) {
            const query = `${key}=1`;
            problems.push(...refusalProblems(op, query, await asEveryRole(op, { query }), message));
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('a nested __proto__ key is refused too, and a urlencoded one', async () => {
      const nested = await api
        .http()
        .post('/auth/login')
        .set('Content-Type', 'application/json')
        .send('{"email":"a@example.com","password":"x","extra":{"__proto__":{"x":1}}}')
        .expect(400);
      expect(nested.body.message).toContain('property extra.__proto__ should not exist');
      for (const key of ['__proto__', '%5F%5Fproto%5F%5F', 'constructor']) {
        const form = await api
          .http()
          .post('/auth/login')
          .set('Content-Type', 'application/x-www-form-urlencoded')
          .send(`email=a%40example.com&password=x&${key}=1`)
          .expect(400);
        expectError(form.body, 400, 'Bad Request');
        expect(form.body.message).toEqual([
          expect.stringMatching(/property (__proto__|constructor) should not exist/),
        ]);
      }
    });

    it('GET /companies/%00 is 400, not a database error', async () => {
      const res = await api.http().get('/companies/%00').expect(400);
      expectError(res.body, 400, 'Bad Request');
      await api.http().get('/companies/%E0%A4%A').expect(400);
    });
  });

  it('requests Node refuses before any route (oversized URL, malformed request line) get the error shape', async () => {
    const long = await fetch(`${api.url}/shipments/search?origin=${'x'.repeat(20_000)}`);
    expect(long.status).toBe(431);
    expectError(await long.json(), 431, 'Request Header Fields Too Large');

    const { port } = new URL(api.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write('NOT HTTP AT ALL\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expectError(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)), 400, 'Bad Request');
  });

  describe('Content-Encoding', () => {
    const LOGIN = '{"email":"nobody@example.com","password":"wrong password"}';
    const post = async (encoding: string, body: Buffer) => {
      const res = await fetch(`${api.url}/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding },
        body,
      });
      return { status: res.status, body: await res.json() };
    };

    it.each(['gzip', 'deflate', 'br', 'GZIP'])(
      'a body that is not %s-compressed is 400 in the error shape',
      async (encoding) => {
        const res = await post(encoding, Buffer.from(LOGIN));
        expect(res.status).toBe(400);
        expectError(res.body, 400, 'Bad Request');
      },
    );

    it('a truncated or empty compressed body is 400', async () => {
      expect((await post('gzip', gzipSync(LOGIN).subarray(0, 12))).status).toBe(400);
      expect((await post('gzip', Buffer.alloc(0))).status).toBe(400);
    });

    it('a body over 100 kB that is not the gzip it claims is 400, and the server goes on', async () => {
      const res = await post('gzip', Buffer.alloc(150_000, 'x'));
      expect(res.status).toBe(400);
      expectError(res.body, 400, 'Bad Request');
      expect((await fetch(`${api.url}/health/live`)).status).toBe(200);
    });

    it('a compressed body over 100 kB once decoded is 413', async () => {
      const res = await post('gzip', gzipSync(`{"email":"${'x'.repeat(150_000)}"}`));
      expect(res.status).toBe(413);
      expectError(res.body, 413, 'Payload Too Large');
    });

    it('an unknown encoding is 415', async () => {
      for (const encoding of ['compress', 'x-unknown', 'gzip, br']) {
        const res = await post(encoding, Buffer.from(LOGIN));
        expect(res.status).toBe(415);
        expectError(res.body, 415, 'Unsupported Media Type');
      }
    });

    it('a body that matches its encoding is read (here: a wrong password, 401)', async () => {
      for (const [encoding, body] of [
        ['gzip', gzipSync(LOGIN)],
        ['deflate', deflateSync(LOGIN)],
        ['br', brotliCompressSync(LOGIN)],
        ['identity', Buffer.from(LOGIN)],
      ] as const) {
        expect({ encoding, status: (await post(encoding, body)).status }).toEqual({
          encoding,
          status: 401,
        });
      }
    });
  });

  /**
   * What the API answers whatever its HTTP adapter: written when the API was ported to Fastify
   * (issue 22; measured, not adopted: docs/benchmarks.md, `adapter`), whose defaults differ on
   * each of these, and run on Express. Raw fetch: some of these answers (304, a path spelled
   * differently) are not operations of the OpenAPI document.
   */
  describe('conventions the HTTP adapter must keep', () => {
    const raw = (path: string, init?: RequestInit) => fetch(`${api.url}${path}`, init);

    it('paths match case-insensitively and with a trailing slash', async () => {
      for (const path of ['/health/live/', '/HEALTH/Live']) {
        expect({ path, status: (await raw(path)).status }).toEqual({ path, status: 200 });
      }
    });

    it("a body sends a weak ETag, and a GET that still matches it gets 304; other methods don't", async () => {
      // node:http: fetch adds `Cache-Control: no-cache` to a conditional request (never fresh).
      const get = (headers: Record<string, string> = {}) =>
        new Promise<{ status: number; etag?: string; body: string }>((resolve, reject) => {
          httpGet(`${api.url}/health/live`, { headers }, (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, body }),
            );
          }).on('error', reject);
        });
      const first = await get();
      expect(first.etag).toMatch(/^W\/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/);
      expect(await get({ 'If-None-Match': first.etag! })).toEqual({
        status: 304,
        etag: first.etag,
        body: '',
      });
      const noCache = { 'If-None-Match': first.etag!, 'Cache-Control': 'no-cache' };
      expect((await get(noCache)).status).toBe(200);
      const post = await raw('/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'If-None-Match': '*' },
        body: '{}',
      });
      expect(post.status).toBe(400);
    });

    it('an empty JSON body is {}, and a body of another type is not read (validation answers)', async () => {
      for (const [type, body] of [
        ['application/json', ''],
        ['text/plain', 'email=a@example.com'],
        ['application/xml', '<a/>'],
      ]) {
        const res = await raw('/auth/login', {
          method: 'POST',
          headers: { 'Content-Type': type },
          body,
        });
        expect({ type, status: res.status }).toEqual({ type, status: 400 });
        expect(((await res.json()) as { message: unknown }).message).toEqual(
          expect.arrayContaining([expect.any(String)]),
        );
      }
    });

    it("JSON whose top level is not an object or an array is 400 with JSON.parse's words", async () => {
      const res = await raw('/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: 'null',
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: unknown }).message).toBe(
        'Unexpected token \'n\', "null" is not valid JSON',
      );
    });

    it('a GET body is read like any other: a malformed one is 400', async () => {
      const { port } = new URL(api.url);
      const head = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write(
            'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n' +
              'Content-Type: application/json\r\nContent-Length: 5\r\n\r\n{"a":',
          ),
        );
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(head).toMatch(/^HTTP\/1\.1 400 /);
    });

    it('a path that does not percent-decode is 400 with the security headers', async () => {
      const res = await raw('/companies/%ff');
      expect(res.status).toBe(400);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: "Failed to decode param '%ff'",
      });
    });

    it('a body its headers refuse is that error even on a malformed path (415 before 400)', async () => {
      const res = await raw('/companies/%ff', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=latin1' },
        body: '{}',
      });
      expect(res.status).toBe(415);
    });

    it('HTTP metrics are labelled by route pattern, errors included', async () => {
      await raw('/companies/not-a-real-company-slug');
      const metrics = await (await raw('/metrics')).text();
      expect(metrics).toMatch(
        /parcsal_http_requests_total\{method="GET",route="\/companies\/:id",status="404"\} [1-9]/,
      );
    });

    it('an HTML page names its charset', async () => {
      const res = await raw('/docs');
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    });
  });
});
