import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request, { type Response } from 'supertest';
import { bearer, registerCustomer } from './support/fixtures';
import { checkedAgent, OpenApiResponses } from './support/openapi-responses';
import { ApiInstance, TestStack } from './support/test-stack';

type Schema = { properties: Record<string, Record<string, unknown>> };

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { in: string; name: string; schema?: Record<string, unknown> }[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

/** The OpenAPI document the API serves, and the response checks every e2e suite relies on. */
describe('OpenAPI document', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let document: { paths: Record<string, Record<string, Operation>> };
  let operations: [string, Operation][];
  beforeAll(async () => {
    stack = await TestStack.create();
    api = await stack.startApi();
    document = (await api.http().get('/docs-json').expect(200)).body;
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]): [string, Operation] => [
        `${method.toUpperCase()} ${path}`,
        op,
      ]),
    );
  });
  afterAll(() => stack.close());

  it('equals the committed docs/openapi.json (run `npm run openapi:export` after an API change)', () => {
    const committed: unknown = JSON.parse(
      readFileSync(join(__dirname, '..', 'docs', 'openapi.json'), 'utf8'),
    );
    expect(document).toEqual(committed);
  });

  it('gives every operation a readable id, a summary, a tag and its security', () => {
    for (const [where, op] of operations) {
      expect({ where, id: op.operationId }).toEqual({
        where,
        id: expect.stringMatching(/^[a-z][a-zA-Z]+$/),
      });
      expect({ where, summary: op.summary }).toEqual({ where, summary: expect.any(String) });
      expect({ where, tags: op.tags?.length }).toEqual({ where, tags: 1 });
      expect({ where, security: Array.isArray(op.security) }).toEqual({ where, security: true });
    }
    const ids = operations.map(([, op]) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents every error in the error shape, and 401 wherever a token is needed', () => {
    // Three errors add fields to the shape (ErrorResponse's subclasses): a declined payment (402)
    // names the payment, an unhealthy /health (503) carries the health report, an unready
    // /health/ready (503) says why.
    const errorSchemas = [
      'ErrorResponse',
      'PaymentDeclinedResponse',
      'HealthUnavailableResponse',
      'NotReadyResponse',
    ];
    for (const [where, op] of operations) {
      if ((op.security ?? []).length > 0)
        expect({ where, has401: '401' in op.responses }).toEqual({ where, has401: true });
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const ref = response.content?.['application/json']?.schema?.$ref ?? '';
        expect({ where, status, schema: ref.split('/').pop() }).toEqual({
          where,
          status,
          schema: errorSchemas.includes(ref.split('/').pop() ?? '')
            ? ref.split('/').pop()
            : 'ErrorResponse',
        });
      }
    }
  });

  it('types path ids as UUIDs and has one parameter name per path position', () => {
    const booking = document.paths['/bookings/{id}'].get;
    expect(booking.parameters).toContainEqual(
      expect.objectContaining({
        name: 'id',
        in: 'path',
        schema: expect.objectContaining({ format: 'uuid' }),
      }),
    );
    // GET /companies/{id} takes an id or a slug: not a UUID there.
    expect(document.paths['/companies/{id}'].get.parameters?.[0].schema?.format).toBeUndefined();
    expect(document.paths['/companies/{id}'].patch.parameters?.[0].schema?.format).toBe('uuid');
    expect(
      Object.keys(document.paths).filter((p) => p.startsWith('/companies/{idOrSlug}')),
    ).toEqual([]);
  });

  it("copies the DTOs' validation rules and formats: ranges, lengths, integers, dates", () => {
    const schemas = (document as unknown as { components: { schemas: Record<string, Schema> } })
      .components.schemas;
    const props = (name: string) => schemas[name].properties;
    expect(props('RegisterCustomerDto').email).toMatchObject({ format: 'email', maxLength: 254 });
    expect(props('RegisterCustomerDto').password).toMatchObject({ minLength: 8, maxLength: 256 });
    expect(props('CreateShipmentDto').pricePerKgCents).toMatchObject({
      type: 'integer',
      minimum: 0,
    });
    expect(props('CreateShipmentDto').capacityKg).toMatchObject({ type: 'number' });
    expect(props('CampaignDto').startedAt).toMatchObject({
      type: 'string',
      format: 'date-time',
      nullable: true,
    });
    expect(props('BookingView').priceCents).toMatchObject({ type: 'integer' });
    const search = document.paths['/shipments/search'].get.parameters ?? [];
    expect(search.find((p) => p.name === 'limit')?.schema).toMatchObject({
      type: 'integer',
      maximum: 100,
    });
  });

  describe('the response check every suite runs', () => {
    let responses: OpenApiResponses;
    beforeAll(() => {
      responses = new OpenApiResponses(document);
    });
    const response = (status: number, body: unknown, contentType = 'application/json') =>
      ({
        status,
        body,
        text: JSON.stringify(body),
        headers: { 'content-type': contentType },
      }) as unknown as Response;
    const user = {
      id: '6f1c2a52-8a7e-4c43-9d6c-0c7b8a1e2f3a',
      email: 'ada@example.com',
      name: 'Ada',
      role: 'CUSTOMER',
      companyId: null,
      companyRole: null,
      createdAt: '2030-01-01T00:00:00.000Z',
    };
    const stats = { bookingsCount: 0, deliveredCount: 0, spentCents: 0 };

    it('accepts a documented response', () => {
      expect(responses.problems('GET', '/users/me', response(200, { ...user, stats }))).toEqual([]);
    });

    it('refuses an undocumented status, field, format, content type or route', () => {
      const problems = [
        responses.problems('GET', '/users/me', response(418, { ...user, stats })),
        responses.problems(
          'GET',
          '/users/me',
          response(200, { ...user, stats, passwordHash: 'x' }),
        ),
        responses.problems('GET', '/users/me', response(200, { ...user, id: 'nope', stats })),
        responses.problems('GET', '/users/me', response(200, { ...user, stats }, 'text/html')),
        responses.problems('GET', '/users/me', response(500, { statusCode: 500 })),
        responses.problems('POST', '/users/me', response(200, {})),
      ];
      for (const found of problems) expect(found).toHaveLength(1);
    });

    it('fails the request of a test that receives an undocumented response', async () => {
      const customer = await registerCustomer(api);
      // The real app's 200 of GET /users/me, seen through a document without that status.
      const strict = new OpenApiResponses({
        paths: { '/users/me': { get: { operationId: 'getMe', responses: {} } } },
      });
      const http = () =>
        checkedAgent(
          () => request(api.app.getHttpServer()),
          () => Promise.resolve(strict),
        );
      await expect(
        http()
          .get('/users/me')
          .set(...bearer(customer))
          .expect(200),
      ).rejects.toThrow(/GET \/users\/me → 200 \(getMe\): status 200 is not documented/);
      // The suites' own http() checks against the served document: the same request passes.
      await api
        .http()
        .get('/users/me')
        .set(...bearer(customer))
        .expect(200);
    });
  });
});
