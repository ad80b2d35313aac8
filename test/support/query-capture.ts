import { Client } from 'pg';

/** One statement as the application sent it to PostgreSQL. */
export interface CapturedQuery {
  text: string;
  values: unknown[];
}

type QueryConfigLike = string | { text?: string; values?: unknown[] };

/**
 * Records the statements this process sends through `pg` (the driver the in-process API
 * instances use) while `fn` runs, so a test can EXPLAIN the query a service really sends rather
 * than SQL written in the test. `pg`'s Pool runs every query through Client#query, so one hook
 * on the prototype sees them all; it is removed afterwards whatever happens.
 */
export async function captureQueries<T>(
  fn: () => Promise<T>,
  wanted: (text: string) => boolean = () => true,
): Promise<{ result: T; queries: CapturedQuery[] }> {
  const queries: CapturedQuery[] = [];
  const proto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: Client, ...args: unknown[]) {
    const [config, values] = args as [QueryConfigLike, unknown];
    const text = typeof config === 'string' ? config : config?.text;
    if (text && wanted(text)) {
      const params =
        (Array.isArray(values) ? values : undefined) ??
        (typeof config === 'object' ? config.values : undefined) ??
        [];
      queries.push({ text, values: [...params] });
    }
    return original.apply(this, args);
  };
  try {
    return { result: await fn(), queries };
  } finally {
    proto.query = original;
  }
}
