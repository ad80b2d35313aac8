import { ADMIN_ENV } from './support/fixtures';
import {
  Answer,
  documentedOperations,
  everyRole,
  Operation,
  RawRequest,
  refusalProblems,
  Role,
  Schema,
  sendAsEveryRole,
} from './support/openapi';
import { ApiInstance, TestStack } from './support/test-stack';

/** A documented field: a body property or a query parameter. */
interface Field {
  op: Operation;
  name: string;
  schema: Schema;
  in: 'body' | 'query';
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Messages about a field start with its name ("capacityKg must be ..."). */
const aboutField = (name: string) => new RegExp(`^${escape(name)} `);

/**
 * The contract: numbers outside a field's documented range or precision, and timestamps that are
 * not ISO-8601 strings between 0001-01-01 and 9999-12-31 UTC, are 400 — read from the OpenAPI
 * document, so every field of every operation is held to what it documents.
 */
/** Each sweep sends a few hundred requests one by one: generous on a loaded 2-core machine. */
const SWEEP_NEVER_HANGS_MS = 180_000;

describe('documented ranges of numbers and timestamps', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let roles: Role[];
  let fields: Field[];

  beforeAll(async () => {
    stack = await TestStack.create(ADMIN_ENV);
    api = await stack.startApi();
    roles = await everyRole(api);
    fields = (await documentedOperations(api)).flatMap((op) => [
      ...Object.entries(op.body?.properties ?? {}).map(([name, schema]) => ({
        op,
        name,
        schema,
        in: 'body' as const,
      })),
      ...op.parameters
        .filter((p) => p.in === 'query' && p.schema)
        .map((p) => ({ op, name: p.name, schema: p.schema!, in: 'query' as const })),
    ]);
  });
  afterAll(() => stack.close());

  const isNumeric = (f: Field) => f.schema.type === 'number' || f.schema.type === 'integer';
  const isDateTime = (f: Field) => f.schema.format === 'date-time';

  /** The field alone (a body of one property, or a query of one parameter). */
  const send = (field: Field, value: unknown): Promise<Answer[]> => {
    const request: RawRequest =
      field.in === 'body'
        ? { raw: `{${JSON.stringify(field.name)}:${rawJson(value)}}` }
        : { query: `${encodeURIComponent(field.name)}=${encodeURIComponent(String(value))}` };
    return sendAsEveryRole(api, roles, field.op, request);
  };
  /** JSON text of a value, numbers as written (so 1e300 and -0 reach the parser as such). */
  const rawJson = (value: unknown) =>
    typeof value === 'number' ? numberText(value) : JSON.stringify(value);
  const numberText = (value: number) => (Object.is(value, -0) ? '-0' : String(value));

  /** No 5xx, and no role told the value of this field is wrong. */
  const acceptanceProblems = (field: Field, value: unknown, answers: Answer[]) =>
    answers
      .filter(
        ({ status, body }) =>
          status >= 500 ||
          (status === 400 &&
            Array.isArray(body.message) &&
            (body.message as string[]).some((m) => aboutField(field.name).test(m))),
      )
      .map(
        ({ status, body }) =>
          `${field.op.method.toUpperCase()} ${field.op.path} ${field.name}=${rawJson(value)} refused: ${status} ${JSON.stringify(body.message)}`,
      );

  it('documents a minimum, a maximum and, for decimals, a precision for every number', () => {
    const numeric = fields.filter(isNumeric);
    expect(numeric.map((f) => f.name)).toEqual(
      expect.arrayContaining([
        'capacityKg',
        'pricePerKgCents',
        'weightKg',
        'rating',
        'page',
        'limit',
        'days',
        'minAvailableKg',
      ]),
    );
    const undocumented = numeric
      .filter(
        (f) =>
          typeof f.schema.minimum !== 'number' ||
          typeof f.schema.maximum !== 'number' ||
          (f.schema.type === 'number' && typeof f.schema.multipleOf !== 'number'),
      )
      .map((f) => `${f.op.method} ${f.op.path} ${f.name}: ${JSON.stringify(f.schema)}`);
    expect(undocumented).toEqual([]);
  });

  it(
    'refuses every number outside its documented range or precision, accepts the edges',
    async () => {
      const problems: string[] = [];
      for (const field of fields.filter(isNumeric)) {
        const { minimum: min, maximum: max } = field.schema as { minimum: number; maximum: number };
        const step = field.schema.type === 'integer' ? 1 : field.schema.multipleOf!;
        const outside = [min - step, max + step, 1e300, -1e300, Number.MAX_SAFE_INTEGER + 2, -0.5];
        // Finer than the precision: exponent forms crashed class-validator's IsNumber (a 500).
        outside.push(step / 2 + Math.max(min, 0), 1e-7);
        if (min > 0) outside.push(0, -0);
        for (const value of outside.filter((v) => v < min || v > max || !isMultiple(v, step))) {
          const answers = await send(field, value);
          problems.push(
            ...refusalProblems(
              field.op,
              `${field.name}=${numberText(value)}`,
              answers,
              aboutField(field.name),
            ),
          );
        }
        for (const value of [min, max, Math.min(max, min + step * 7)]) {
          problems.push(...acceptanceProblems(field, value, await send(field, value)));
        }
      }
      expect(problems).toEqual([]);
    },
    SWEEP_NEVER_HANGS_MS,
  );

  it(
    'refuses every timestamp that is not an ISO-8601 string from 0001-01-01 to 9999-12-31 UTC',
    async () => {
      const dates = fields.filter(isDateTime);
      expect(dates.map((f) => f.name)).toEqual(
        expect.arrayContaining(['departureAt', 'arrivalAt', 'scheduledAt', 'from', 'to']),
      );
      const problems: string[] = [];
      for (const field of dates) {
        const outside: unknown[] = [
          '0000-12-31T23:59:59.999Z',
          '0001-01-01T00:00:00+00:01',
          '9999-12-31T23:59:59-14:00',
          '+010000-01-01T00:00:00Z',
          '+275760-09-13T00:00:00Z',
          '2031-02-29T00:00:00Z',
          '1',
          'true',
          '8.64e15',
        ];
        if (field.in === 'body')
          outside.push(true, 1, 8.64e15, -8.64e15, 0, { date: '2030-01-01' });
        for (const value of outside) {
          const answers = await send(field, value);
          problems.push(
            ...refusalProblems(
              field.op,
              `${field.name}=${rawJson(value)}`,
              answers,
              aboutField(field.name),
            ),
          );
        }
        for (const value of [
          '0001-01-01T00:00:00Z',
          '9999-12-31T23:59:59.999Z',
          '2032-02-29T12:00:00+14:00',
        ]) {
          problems.push(...acceptanceProblems(field, value, await send(field, value)));
        }
      }
      expect(problems).toEqual([]);
    },
    SWEEP_NEVER_HANGS_MS,
  );
});

/** `value` is a whole number of `step`s, up to floating-point noise. */
function isMultiple(value: number, step: number): boolean {
  const steps = value / step;
  return Math.abs(steps - Math.round(steps)) <= 1e-9 * Math.max(1, Math.abs(steps));
}
