import { randomUUID } from 'node:crypto';
import { bearer, loginAdmin, registerCompany, registerCustomer, SignedIn } from './fixtures';
import type { ApiInstance } from './test-stack';

/** The parts of an OpenAPI schema object the tests read. */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  nullable?: boolean;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

/** One operation of the document, its body schema resolved. */
export interface Operation {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** As documented, e.g. `/companies/{id}/reviews`. */
  path: string;
  parameters: Parameter[];
  body?: Schema;
  /** Documented as needing a bearer token. */
  secured: boolean;
}

interface Document {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema> };
}
interface RawOperation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  security?: unknown[];
}

const METHODS = new Set(['get', 'post', 'patch', 'put', 'delete']);

/** Every operation of the running app's OpenAPI document (GET /docs-json). */
export async function documentedOperations(api: ApiInstance): Promise<Operation[]> {
  const doc = (await api.http().get('/docs-json').expect(200)).body as Document;
  const resolve = (schema: Schema | undefined): Schema | undefined =>
    schema?.$ref ? doc.components?.schemas?.[schema.$ref.split('/').pop()!] : schema;
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => ({
        method: method as Operation['method'],
        path,
        parameters: op.parameters ?? [],
        body: resolve(op.requestBody?.content?.['application/json']?.schema),
        secured: (op.security?.length ?? 0) > 0,
      })),
  );
}

/** The documented path with every `{param}` replaced by `value` (already URL-encoded). */
export function fillPath(path: string, value: string | ((name: string) => string)): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    typeof value === 'string' ? value : value(name),
  );
}

export const describeOperation = (op: Pick<Operation, 'method' | 'path'>) =>
  `${op.method.toUpperCase()} ${op.path}`;

/** Who calls: null is anonymous. */
export type Role = SignedIn | null;

/** Anonymous, a customer, a company owner and the admin (start the API with ADMIN_ENV). */
export async function everyRole(api: ApiInstance): Promise<Role[]> {
  return [null, await registerCustomer(api), await registerCompany(api), await loginAdmin(api)];
}

export interface RawRequest {
  /** The URL path, already encoded; default: the documented path with random UUIDs. */
  path?: string;
  query?: string;
  /** A JSON body, sent as written. */
  raw?: string;
}

export interface Answer {
  status: number;
  body: { statusCode?: number; message?: unknown };
}

/** The same request as every role. */
export function sendAsEveryRole(
  api: ApiInstance,
  roles: Role[],
  op: Operation,
  { path, query, raw }: RawRequest,
): Promise<Answer[]> {
  return Promise.all(
    roles.map(async (who) => {
      const url = (path ?? fillPath(op.path, randomUUID())) + (query ? `?${query}` : '');
      // A well-formed Idempotency-Key, so that header's own 400 does not hide the one tested.
      const req = api.http()[op.method](url).set('Idempotency-Key', randomUUID());
      if (who) req.set(...bearer(who));
      const res = raw ? await req.set('Content-Type', 'application/json').send(raw) : await req;
      return { status: res.status, body: res.body as Answer['body'] };
    }),
  );
}

/**
 * The roles allowed to call the operation get 400 with a message containing (or matching)
 * `message`; the others
 * 401/403; nobody a success or a 5xx, and every error body carries the HTTP status. Returns what
 * is wrong, so that one run lists every operation at fault.
 */
export function refusalProblems(
  op: Operation,
  what: string,
  answers: Answer[],
  message: string | RegExp,
): string[] {
  const label = `${describeOperation(op)} with ${what}`;
  const problems = answers
    .filter(({ status, body }) => ![400, 401, 403].includes(status) || body.statusCode !== status)
    .map(({ status, body }) => `${label}: ${status} ${JSON.stringify(body)}`);
  const refused = answers.filter((a) => a.status === 400);
  if (refused.length === 0) problems.push(`${label}: no role got 400`);
  for (const { body } of refused) {
    const messages = Array.isArray(body.message) ? (body.message as string[]) : [];
    const matches = (m: string) =>
      typeof message === 'string' ? m.includes(message) : message.test(m);
    if (!messages.some(matches)) {
      problems.push(`${label}: 400 without "${String(message)}": ${JSON.stringify(body.message)}`);
    }
  }
  return problems;
}
