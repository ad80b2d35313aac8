import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { request, STATUS_CODES } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { IS_PUBLIC } from '../../src/common/public.decorator';
import { ROLES } from '../../src/auth/roles.decorator';
import {
  ADMIN_ENV,
  bearer,
  createShipment,
  loginAdmin,
  registerCompany,
  registerCustomer,
  SignedIn,
} from '../support/fixtures';
import { documentedOperations, Operation, Schema } from '../support/openapi';
import { ApiInstance, TestStack } from '../support/test-stack';

/*
 * Hostile requests to every operation of the OpenAPI document, as every role. Each answer must be
 * below 500, every error in the contract's shape with the HTTP status as its statusCode, and a
 * role that may not use an operation never gets a success.
 *
 * Seeded and reproducible: FUZZ_SEED picks the seed (printed every run), FUZZ_RUNS the number of
 * requests. `npm test` runs a short budget; `npm run fuzz` runs 10,000 requests.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);
/** A generous "never hangs" bound for one request on a loaded machine, not a latency target. */
const REQUEST_TIMEOUT_MS = 20_000;

/** Routes that end the fuzzer's own sessions: every later request would only be a 401. */
const SKIP = new Set(['post /auth/logout', 'post /auth/logout-all']);

// ---------------------------------------------------------------------------------------------
// Values

/** A JSON value whose text is given as is: number literals in exponent form, -0, 1e309, ... */
class RawJson {
  constructor(readonly text: string) {}
}
/** A JSON object written from its entries, so a key may appear twice. */
class JsonObject {
  constructor(readonly entries: [string, Value][]) {}
}
type Value = RawJson | JsonObject | string | boolean | null | Value[] | { [key: string]: Value };

function toJson(value: Value): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof JsonObject) {
    return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return toJson(new JsonObject(Object.entries(value)));
  // JSON.stringify writes a lone surrogate as its \uXXXX escape: it arrives as sent.
  return JSON.stringify(value);
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'a\u0000b',
    '\u0000',
    'lone \ud800 high',
    '\udc00',
    'x\ud83d',
    'x'.repeat(10_000),
    '😀'.repeat(2_600),
    '\u202eevil.exe\u202c',
    'مرحبا بالعالم',
    'שלום \u200f',
    '__proto__',
    'constructor',
    'prototype',
    '',
    '   ',
    '\t\r\n',
    '%00',
    '\\',
    '"',
    "'; DROP TABLE users; --",
    '{{name}}',
    '{{unknown}}',
    '<script>alert(1)</script>',
    '\ufeffbom',
    'null',
    'true',
    '-0',
    '1e-7',
    'NaN',
    'Infinity',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: loneSurrogate, minLength: 1, maxLength: 3 }),
  fc
    .tuple(fc.string({ maxLength: 10 }), loneSurrogate, fc.string({ maxLength: 10 }))
    .map((p) => p.join('')),
);

const dateEdge = fc.constantFrom(
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:00:00.000+00:00',
  '0000-12-31T23:59:59.999Z',
  '0001-01-01T00:00:00+00:01',
  '9999-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59.999-00:01',
  '9999-12-31T23:59:59-14:00',
  '0001-01-01T13:59:00+14:00',
  '+010000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '-000001-01-01T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '2031-02-29T00:00:00Z',
  '2032-02-29T00:00:00Z',
  '2031-13-01',
  '2031-W10',
  '20310305',
  '1970-01-01T00:00:00Z',
  '2030-01-31T24:00:00Z',
  '2030-01-31T08:00:00,5Z',
  '2030-01-31',
  '2030-01-31T08:00',
  '2030-01-31 08:00:00Z',
  'tomorrow',
);
const dateString: fc.Arbitrary<string> = fc.oneof(
  dateEdge,
  fc
    .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z') })
    .filter((d) => !Number.isNaN(d.getTime()))
    .map((d) => d.toISOString()),
  fc
    .integer({ min: -400, max: 400 })
    .map((days) => new Date(Date.now() + days * 86_400_000).toISOString()),
);

/** Number literals as a client may write them, in and out of every range. */
const numberLiteral: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '0',
    '-0',
    '0.0',
    '-0.0',
    '1e-7',
    '1E-7',
    '1.5e-7',
    '1e300',
    '-1e300',
    '1e309',
    '-1e309',
    '5e-324',
    '9007199254740991',
    '9007199254740993',
    '-9007199254740991',
    '1e21',
    '1.0',
    '0.001',
    '0.0005',
    '1000000',
    '1000000.001',
    '1E+6',
    '12.345',
    '0.30000000000000004',
    '2.5',
    '-1',
    '1',
    '5',
    '6',
    '20',
    '100',
    '101',
    '365',
    '366',
  ),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .map((n) => (Object.is(n, -0) ? '-0' : String(n))),
  fc.integer().map(String),
  fc.integer({ min: 0, max: 1_000_000_000 }).map((n) => String(n / 1000)),
);

/**
 * A value for a documented field: mostly plausible for its schema, often hostile; only plausible
 * when `strict` (requests that get past validation reach the services and the database).
 */
function fieldValue(
  schema: Schema | undefined,
  ids: string[],
  strict = false,
  name = '',
): fc.Arbitrary<Value> {
  const hostile: fc.Arbitrary<Value> = fc.oneof(
    hostileString,
    dateString,
    numberLiteral.map((t) => new RawJson(t)),
    fc.constantFrom<Value>(true, false, null, [], {}, ['a', 'b'], { $gt: '' }),
  );
  let plausible: fc.Arbitrary<Value> = hostile;
  if (schema?.enum) plausible = fc.constantFrom(...(schema.enum as string[]));
  else if (schema?.format === 'date-time') plausible = dateString;
  else if (schema?.format === 'uuid') {
    const uuids = ids.filter((id) => /^[0-9a-f-]{36}$/.test(id));
    plausible = fc.oneof(fc.constantFrom(...(strict ? uuids : ids)), fc.uuid());
  } else if (strict && /email/i.test(name)) {
    plausible = fc.nat().map((n) => `fuzz.${n}@example.com`);
  } else if (strict && /password/i.test(name)) {
    plausible = fc.constantFrom(ADMIN_ENV.ADMIN_PASSWORD, 'correct horse battery');
  } else if (schema?.type === 'integer' || schema?.type === 'number') {
    const min = schema.minimum ?? -1e6;
    const max = schema.maximum ?? 1e6;
    const inRange = fc
      .integer({ min: Math.ceil(min), max: Math.floor(Math.min(max, strict ? 1000 : max)) })
      .map((n) => new RawJson(String(n)));
    plausible = strict
      ? inRange
      : fc.oneof(
          inRange,
          numberLiteral.map((t) => new RawJson(t)),
        );
  } else if (schema?.type === 'boolean') plausible = fc.boolean();
  else if (schema?.type === 'string') {
    plausible = fc.oneof(
      fc.emailAddress(),
      fc.string({ minLength: 1, maxLength: 30 }),
      fc.constantFrom('Lyon', 'Berlin', 'correct horse battery', 'Ada'),
    );
  }
  if (strict) return plausible;
  return fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 2, arbitrary: hostile });
}

const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'unknown', 'isAdmin', 'role', 'id'];

/** The documented fields, required ones always, with plausible values only. */
function plausibleBody(schema: Schema | undefined, ids: string[]): fc.Arbitrary<string> {
  const required = new Set(schema?.required ?? []);
  const fields = Object.entries(schema?.properties ?? {}).map(([name, s]) => {
    const field = fieldValue(s, ids, true, name).map((v) => [name, v] as [string, Value]);
    return required.has(name) ? field : fc.option(field);
  });
  return fc
    .tuple(...fields)
    .map((entries) =>
      toJson(new JsonObject(entries.filter((f): f is [string, Value] => f !== null))),
    );
}

/** A JSON body: the documented fields (some missing, some repeated) and a few extra keys. */
function jsonBody(schema: Schema | undefined, ids: string[]): fc.Arbitrary<string> {
  const props = Object.entries(schema?.properties ?? {});
  const documented = props.map(([name, s]) =>
    fc.option(
      fieldValue(s, ids).map((v) => [name, v] as [string, Value]),
      { freq: 5 },
    ),
  );
  const extras = fc.array(fc.tuple(fc.constantFrom(...EXTRA_KEYS), fieldValue(undefined, ids)), {
    maxLength: 2,
  });
  const object = fc
    .tuple(fc.tuple(...documented), extras, fc.boolean())
    .map(([fields, extra, duplicate]) => {
      const entries = fields.filter((f): f is [string, Value] => f !== null);
      if (duplicate && entries.length > 0) entries.push(entries[0]);
      return toJson(new JsonObject([...entries, ...extra]));
    });
  return fc.oneof(
    { weight: 6, arbitrary: object },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{',
        '{"a":}',
        '',
        'null',
        '[]',
        '"str"',
        '{"a":1}garbage',
        '\u0000',
        `${'['.repeat(40)}${']'.repeat(40)}`,
        `{"name":"${'x'.repeat(110_000)}"}`,
      ),
    },
  );
}

type Encoding = 'identity' | 'gzip' | 'deflate' | 'br' | 'gzip-lie' | 'br-lie' | 'unknown';
type BodyType =
  'json' | 'json-charset' | 'json-utf16' | 'form' | 'text' | 'multipart' | 'none-type' | 'xml';

interface FuzzRequest {
  op: Operation;
  role: number;
  path: string;
  query: string;
  body?: string;
  bodyType: BodyType;
  encoding: Encoding;
  idempotencyKey?: string;
  userAgent?: string;
  authorization?: string;
}

const pathValue = (ids: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ids) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom(...ids).map((id) => id.toUpperCase()) },
    { weight: 2, arbitrary: hostileString.map((s) => encodeLoose(s.slice(0, 300))) },
    {
      weight: 2,
      arbitrary: fc.constantFrom('%00', '%ff', '%E0%A4%A', '%ED%A0%80', 'null', '0', '-1', '%20'),
    },
  );

const queryValue = (schema: Schema | undefined, ids: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    fieldValue(schema, ids).map((v) =>
      v instanceof RawJson ? v.text : typeof v === 'string' ? v : JSON.stringify(v),
    ),
    fc.constantFrom('', '%00', '%ff', '[]', '{}'),
  );

function queryString(op: Operation, ids: string[]): fc.Arbitrary<string> {
  const params = op.parameters.filter((p) => p.in === 'query');
  const names = [...params.map((p) => p.name), '__proto__', 'constructor', 'x', 'page', 'limit'];
  const pair = fc
    .constantFrom(...names)
    .chain((name) =>
      queryValue(params.find((p) => p.name === name)?.schema, ids).map((value) => [name, value]),
    );
  // Repeated names (page=1&page=2) come from picking the same name twice.
  return fc.array(pair, { maxLength: 5 }).map((pairs) =>
    pairs
      .map(([name, value]) =>
        // Some values go unencoded: malformed escapes reach the query parser as sent.
        value.startsWith('%') ? `${name}=${value}` : `${name}=${encodeLoose(value)}`,
      )
      .join('&'),
  );
}

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) is sent as the three bytes
 * a careless client would write for it (WTF-8), percent-encoded.
 */
function encodeLoose(text: string): string {
  return text.replace(/[\s\S]/gu, (char) => {
    const code = char.charCodeAt(0);
    if (char.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      const bytes = [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
      return bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    }
    return encodeURIComponent(char);
  });
}

const latin1 = (s: string) => s.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');

function fuzzRequest(op: Operation, role: number, ids: string[]): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 1, arbitrary: plausibleRequest(op, role, ids) },
    { weight: 3, arbitrary: hostileRequest(op, role, ids) },
  );
}

/** Well-formed in every part, so that it gets past validation to the service and the database. */
function plausibleRequest(op: Operation, role: number, ids: string[]): fc.Arbitrary<FuzzRequest> {
  const params = op.parameters.filter((p) => p.in === 'query');
  const query = fc
    .tuple(
      ...params.map((p) =>
        fc.option(
          fieldValue(p.schema, ids, true).map(
            (v) =>
              `${p.name}=${encodeLoose(v instanceof RawJson ? v.text : typeof v === 'string' ? v : JSON.stringify(v))}`,
          ),
        ),
      ),
    )
    .map((pairs) => pairs.filter((pair) => pair !== null).join('&'));
  return fc.record({
    op: fc.constant(op),
    role: fc.constant(role),
    path: fc
      .array(fc.oneof(fc.constantFrom(...ids), fc.uuid()), { minLength: 4, maxLength: 4 })
      .map((values) => {
        let i = 0;
        return op.path.replace(/\{[^}]+\}/g, () => encodeLoose(values[i++ % values.length]));
      }),
    query,
    body: op.body ? plausibleBody(op.body, ids) : fc.constant(undefined),
    bodyType: fc.constant<BodyType>('json'),
    encoding: fc.constant<Encoding>('identity'),
    idempotencyKey: fc.uuid(),
  });
}

function hostileRequest(op: Operation, role: number, ids: string[]): fc.Arbitrary<FuzzRequest> {
  const hasBody = ['post', 'patch', 'put'].includes(op.method);
  return fc.record({
    op: fc.constant(op),
    role: fc.constant(role),
    path: fc.array(pathValue(ids), { minLength: 4, maxLength: 4 }).map((values) => {
      let i = 0;
      return op.path.replace(/\{[^}]+\}/g, () => values[i++ % values.length]);
    }),
    query: queryString(op, ids),
    body: hasBody
      ? jsonBody(op.body, ids)
      : fc.option(jsonBody(op.body, ids), { freq: 8, nil: undefined }),
    bodyType: fc.constantFrom<BodyType>(
      'json',
      'json',
      'json',
      'json',
      'json-charset',
      'json-utf16',
      'form',
      'text',
      'multipart',
      'none-type',
      'xml',
    ),
    encoding: fc.constantFrom<Encoding>(
      'identity',
      'identity',
      'identity',
      'identity',
      'gzip',
      'deflate',
      'br',
      'gzip-lie',
      'br-lie',
      'unknown',
    ),
    idempotencyKey: fc.option(
      fc.oneof(
        fc.uuid(),
        hostileString.map((s) => latin1(s).slice(0, 400)),
      ),
      { nil: undefined },
    ),
    userAgent: fc.option(
      hostileString.map((s) => latin1(s).slice(0, 2000)),
      { nil: undefined },
    ),
    authorization: fc.option(
      fc.constantFrom(
        'Bearer ',
        'Bearer x.y.z',
        'Basic YWRtaW46YWRtaW4=',
        'bearer',
        'Bearer \u00ff',
      ),
      { freq: 10, nil: undefined },
    ),
  });
}

// ---------------------------------------------------------------------------------------------
// Sending

const CONTENT_TYPES: Record<BodyType, string | undefined> = {
  json: 'application/json',
  'json-charset': 'application/json; charset=iso-8859-1',
  'json-utf16': 'application/json; charset=utf-16',
  form: 'application/x-www-form-urlencoded',
  text: 'text/plain',
  multipart: 'multipart/form-data; boundary=xyz',
  'none-type': undefined,
  xml: 'application/xml',
};

function bodyBytes(text: string, type: BodyType): Buffer {
  if (type === 'form') {
    try {
      const fields = JSON.parse(text) as unknown;
      if (fields && typeof fields === 'object' && !Array.isArray(fields)) {
        return Buffer.from(
          Object.entries(fields as Record<string, unknown>)
            .map(([k, v]) => `${encodeLoose(k)}=${encodeLoose(String(v))}`)
            .join('&'),
        );
      }
    } catch {
      // not JSON: sent as it is
    }
  }
  if (type === 'multipart') {
    return Buffer.from(
      `--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n${text}\r\n--xyz--`,
    );
  }
  return Buffer.from(text, type === 'json-utf16' ? 'utf16le' : 'utf8');
}

function encode(bytes: Buffer, encoding: Encoding): { bytes: Buffer; header?: string } {
  switch (encoding) {
    case 'identity':
      return { bytes };
    case 'gzip':
      return { bytes: gzipSync(bytes), header: 'gzip' };
    case 'deflate':
      return { bytes: deflateSync(bytes), header: 'deflate' };
    case 'br':
      return { bytes: brotliCompressSync(bytes), header: 'br' };
    case 'gzip-lie':
      return { bytes, header: 'gzip' };
    case 'br-lie':
      return { bytes, header: 'br' };
    case 'unknown':
      return { bytes, header: 'x-squash' };
  }
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

async function send(baseUrl: string, req: FuzzRequest, session: SignedIn | null): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (session) headers.Authorization = bearer(session)[1];
  else if (req.authorization !== undefined) headers.Authorization = req.authorization;
  if (req.idempotencyKey !== undefined) headers['Idempotency-Key'] = req.idempotencyKey;
  if (req.userAgent !== undefined) headers['User-Agent'] = req.userAgent;
  let body: Buffer | undefined;
  if (req.body !== undefined) {
    const encoded = encode(bodyBytes(req.body, req.bodyType), req.encoding);
    body = encoded.bytes;
    if (encoded.header) headers['Content-Encoding'] = encoded.header;
    const type = CONTENT_TYPES[req.bodyType];
    if (type) headers['Content-Type'] = type;
  }
  return httpRequest(
    baseUrl,
    req.op.method.toUpperCase(),
    `${req.path}${req.query ? `?${req.query}` : ''}`,
    headers,
    body,
  );
}

/** node:http, not fetch: fetch refuses a body on GET, and a client may send one anyway. */
function httpRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, baseUrl),
      { method, headers: body ? { ...headers, 'Content-Length': String(body.length) } : headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('no answer in time')));
    req.on('error', reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------------
// Who may call what: read from the controllers' own @Public / @Roles metadata

interface Access {
  isPublic: boolean;
  roles: string[] | null;
}

function accessRules(api: ApiInstance): Map<string, Access> {
  const rules = new Map<string, Access>();
  for (const module of api.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const prefix = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (method === undefined || paths === undefined) continue;
        const meta = <T>(key: string): T | undefined =>
          (Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller)) as T;
        const access = {
          isPublic: meta<boolean>(IS_PUBLIC) ?? false,
          roles: meta<string[]>(ROLES) ?? null,
        };
        for (const base of prefix) {
          for (const path of ([] as string[]).concat(paths)) {
            const full = `/${[base, path].join('/')}`
              .replace(/\/+/g, '/')
              .replace(/(.)\/$/, '$1')
              .replace(/:([A-Za-z0-9_]+)/g, '{$1}');
            rules.set(`${RequestMethod[method].toLowerCase()} ${full}`, access);
          }
        }
      }
    }
  }
  return rules;
}

// ---------------------------------------------------------------------------------------------

describe('resilience: fuzzed input', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let operations: Operation[];
  let access: Map<string, Access>;
  let sessions: (SignedIn | null)[];
  let ids: string[];

  beforeAll(async () => {
    // Rate limits stay off (TestStack's default): a 429 would hide what the input does.
    stack = await TestStack.create(ADMIN_ENV);
    api = await stack.startApi();
    operations = (await documentedOperations(api)).filter(
      (op) => !SKIP.has(`${op.method} ${op.path}`),
    );
    access = accessRules(api);
    const [customer, company, admin] = [
      await registerCustomer(api),
      await registerCompany(api),
      await loginAdmin(api),
    ];
    sessions = [null, customer, company, admin];
    // Real resources, so that fuzzed ids also hit rows that exist.
    const shipment = await createShipment(api, company);
    const booking = await api
      .http()
      .post('/bookings')
      .set(...bearer(customer))
      .send({ shipmentId: shipment.id, weightKg: 1 })
      .expect(201);
    const campaign = await api
      .http()
      .post('/admin/campaigns')
      .set(...bearer(admin))
      .send({
        name: 'fuzz',
        subject: 'fuzz',
        html: '<p>fuzz</p>',
        audience: 'ALL',
        scheduledAt: '9999-01-01T00:00:00Z',
      })
      .expect(201);
    ids = [
      company.company!.id,
      company.company!.slug,
      shipment.id,
      booking.body.id as string,
      campaign.body.id as string,
      randomUUID(),
    ];
  });
  afterAll(() => stack.close());

  it('knows who may call every documented operation', () => {
    expect(operations.length).toBeGreaterThan(20);
    const unknown = operations.filter((op) => !access.has(`${op.method} ${op.path}`));
    expect(unknown.map((op) => `${op.method} ${op.path}`)).toEqual([]);
  });

  it(
    `${RUNS} hostile requests: never 5xx, errors in the contract shape, no success for a role without access`,
    async () => {
      console.log(
        `fuzz: seed ${SEED}, ${RUNS} requests over ${operations.length} operations × 4 roles ` +
          `(replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npm run fuzz)`,
      );
      const failures: string[] = [];
      let fiveHundreds = 0;
      const statuses = new Map<number, number>();
      for (let i = 0; i < RUNS; i++) {
        // Round-robin over operations × roles, so even a short budget covers every pair.
        const op = operations[i % operations.length];
        const role = Math.floor(i / operations.length) % sessions.length;
        const [req] = fc.sample(fuzzRequest(op, role, ids), { seed: SEED + i, numRuns: 1 });
        const session = sessions[role];
        const label = `#${i} ${op.method.toUpperCase()} ${req.path}?${req.query.slice(0, 200)} as ${session?.user.role ?? 'anonymous'}`;
        let answer: Answer;
        try {
          answer = await send(api.url, req, session);
        } catch (error) {
          failures.push(`${label}: no answer (${(error as Error).message})`);
          continue;
        }
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const problem = judge(answer, access.get(`${op.method} ${op.path}`), session);
        if (answer.status >= 500) fiveHundreds++;
        if (problem) {
          failures.push(
            `${label} [${req.bodyType}, ${req.encoding}] body=${(req.body ?? '').slice(0, 300)} → ${problem}`,
          );
        }
      }
      console.log(
        `fuzz: seed ${SEED}: ${RUNS} requests, ${fiveHundreds} responses >= 500, ` +
          `${failures.length} failures; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
      );
      expect(failures.slice(0, 25)).toEqual([]);
      expect(fiveHundreds).toBe(0);
    },
    Math.max(60_000, RUNS * 200),
  );

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

/** What is wrong with an answer, or null. */
function judge(answer: Answer, rule: Access | undefined, session: SignedIn | null): string | null {
  const { status, contentType, text } = answer;
  const shown = `${status} ${text.slice(0, 300)}`;
  if (status >= 500) return `5xx: ${shown}`;
  if (status >= 400) {
    if (!contentType.includes('application/json')) return `error not JSON: ${shown}`;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return `error body not JSON: ${shown}`;
    }
    const message = body.message;
    const messageOk =
      typeof message === 'string' ||
      (Array.isArray(message) && message.every((m) => typeof m === 'string'));
    if (body.statusCode !== status || body.error !== STATUS_CODES[status] || !messageOk) {
      return `error not in the contract shape: ${shown}`;
    }
    return null;
  }
  if (!rule) return null;
  const allowed =
    rule.isPublic ||
    (session !== null && (rule.roles === null || rule.roles.includes(session.user.role)));
  return allowed ? null : `success for a role without access: ${shown}`;
}
