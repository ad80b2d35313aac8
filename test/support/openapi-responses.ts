import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { appendFileSync } from 'node:fs';
import request, { type Response, type Test } from 'supertest';

type TestAgent = ReturnType<typeof request>;

/**
 * Every response an e2e suite receives through `http()` is checked against the OpenAPI document
 * the running app serves (GET /docs-json): the status must be documented for the operation, the
 * content type must be one it documents, and the body must match its schema. Objects are checked
 * strictly (a field the document does not list is a problem), so the document cannot fall behind
 * what the handlers send. A problem fails the test that got the response, after the test's own
 * assertions; `OPENAPI_RESPONSES=report` logs problems to OPENAPI_REPORT instead (for surveying).
 *
 * Paths outside the API's document on purpose: the document itself and Swagger UI, the queue
 * dashboard (an HTML app), Socket.IO's transport. Any other path that matches no operation may
 * only answer the 404 of an unknown route. OPTIONS requests are CORS preflights, answered by the
 * CORS middleware (CORS_ORIGINS) for every path before any route: not operations of the document.
 */
const UNDOCUMENTED_PATHS = [/^\/docs(-json)?(\/|$)/, /^\/admin\/queues(\/|$)/, /^\/socket\.io\//];
const REPORT_ONLY = process.env.OPENAPI_RESPONSES === 'report';
const REPORT_FILE = process.env.OPENAPI_REPORT ?? '/tmp/openapi-responses.jsonl';

type Schema = Record<string, unknown>;
interface MediaType {
  schema?: Schema;
}
interface ResponseDoc {
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  responses: Record<string, ResponseDoc>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}
interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  literals: number;
  operation: Operation;
}

const ERROR_REF = '#/components/schemas/ErrorResponse';

/** What the check reads of a response: supertest's Response, or one built from a fetch Response. */
export interface ReceivedResponse {
  status: number;
  headers: Record<string, string>;
  /** The parsed body when it is JSON. */
  body: unknown;
  text: string;
}

/** OpenAPI 3.0 schema → JSON Schema: `nullable`, refs into the registered document, strict objects. */
function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const { nullable, example: _example, ...rest } = schema as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(rest)) {
    if (key === '$ref' && typeof value === 'string') out.$ref = `openapi${value}`;
    else if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Schema).map(([name, s]) => [name, toJsonSchema(s)]),
      );
    } else out[key] = toJsonSchema(value);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}

export class OpenApiResponses {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly routes: Route[] = [];
  private readonly compiled = new Map<Schema, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'openapi', ...(toJsonSchema(document) as Schema) });
    for (const [template, item] of Object.entries(document.paths)) {
      const segments = template.split('/');
      const pattern = new RegExp(
        `^${segments.map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : escape(s))).join('/')}$`,
      );
      const literals = segments.filter((s) => !/^\{.+\}$/.test(s)).length;
      for (const [method, operation] of Object.entries(item)) {
        this.routes.push({ method: method.toUpperCase(), template, pattern, literals, operation });
      }
    }
    // The most literal template first: /shipments/search before /shipments/{id}.
    this.routes.sort((a, b) => b.literals - a.literals);
  }

  /** What is wrong with this response, according to the document (empty: nothing). */
  problems(method: string, url: string, res: ReceivedResponse): string[] {
    // The path as sent: the server matches it raw (`/shipments/..` is not `/`).
    const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '').split(/[?#]/)[0];
    if (method === 'OPTIONS' || UNDOCUMENTED_PATHS.some((p) => p.test(path))) return [];
    const route = this.routes.find((r) => r.method === method && r.pattern.test(path));
    const where = `${method} ${path} → ${res.status}`;
    if (!route) {
      if (res.status === 404) return this.bodyProblems(where, { $ref: ERROR_REF }, res);
      return [`${where}: no operation of the OpenAPI document has this method and path`];
    }
    const name = `${where} (${route.operation.operationId ?? route.template})`;
    const statusClass = `${String(res.status)[0]}XX`;
    const documented =
      route.operation.responses[String(res.status)] ??
      route.operation.responses[statusClass] ??
      route.operation.responses.default;
    if (!documented) {
      const known = Object.keys(route.operation.responses).join(', ');
      return [`${name}: status ${res.status} is not documented (documented: ${known})`];
    }
    const content = documented.content ?? {};
    const contentType = String(res.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    if (Object.keys(content).length === 0) {
      const body = res.text ?? '';
      return body === '' ? [] : [`${name}: documented without a body, but one was sent`];
    }
    const media = content[contentType];
    if (!media) {
      return [
        `${name}: content type "${contentType}" is not documented (documented: ${Object.keys(content).join(', ')})`,
      ];
    }
    return media.schema ? this.bodyProblems(name, media.schema, res) : [];
  }

  private bodyProblems(name: string, schema: Schema, res: ReceivedResponse): string[] {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as Schema);
      this.compiled.set(schema, validate);
    }
    const body: unknown = /json/.test(String(res.headers['content-type'])) ? res.body : res.text;
    if (validate(body)) return [];
    const errors = (validate.errors ?? []).map(
      (e) => `${e.instancePath || '(body)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    );
    return [
      `${name}: the body does not match its schema:\n  ${errors.join('\n  ')}\n  body: ${JSON.stringify(body).slice(0, 500)}`,
    ];
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;
type Callback = (err: unknown, res: Response) => void;
interface AssertingTest {
  assert(resError: unknown, res: Response, fn: Callback): void;
}

/**
 * A supertest agent whose every response is checked against `responses` (the document of the
 * app behind it, see documentOf).
 */
export function checkedAgent(
  agent: () => TestAgent,
  responses: () => Promise<OpenApiResponses>,
): TestAgent {
  const checked = agent();
  const methods = checked as unknown as Record<string, (url: string) => Test>;
  for (const method of METHODS) {
    const start = methods[method].bind(checked);
    methods[method] = (url: string) => check(start(url), method.toUpperCase(), url, responses);
  }
  return checked;
}

function check(
  test: Test,
  method: string,
  url: string,
  responses: () => Promise<OpenApiResponses>,
): Test {
  const asserting = test as unknown as AssertingTest;
  const assert = asserting.assert.bind(test);
  asserting.assert = (resError, res, fn) =>
    assert(resError, res, (err, response) => {
      // The test's own assertions come first; a failed request has nothing to check.
      if (err || !response) return fn(err, response);
      responses()
        .then((r) => r.problems(method, url, response))
        .then(
          (problems) => {
            if (problems.length === 0) return fn(null, response);
            if (REPORT_ONLY) {
              appendFileSync(REPORT_FILE, `${JSON.stringify({ test: testName(), problems })}\n`);
              return fn(null, response);
            }
            fn(
              new Error(`Response not as documented in OpenAPI:\n${problems.join('\n')}`),
              response,
            );
          },
          (error) => fn(error, response),
        );
    });
  return test;
}

function testName(): string {
  return expect.getState().currentTestName ?? '(outside a test)';
}

/** The document of the app behind `agent`, compiled once. */
export function documentOf(agent: () => TestAgent): () => Promise<OpenApiResponses> {
  let loaded: Promise<OpenApiResponses> | null = null;
  return () =>
    (loaded ??= agent()
      .get('/docs-json')
      .then((res) => {
        if (res.status !== 200) throw new Error(`GET /docs-json answered ${res.status}`);
        return new OpenApiResponses(res.body as OpenApiDocument);
      }));
}
