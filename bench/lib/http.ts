import autocannon from 'autocannon';
import { median, percentile } from './stats';

export interface LoadOptions {
  url: string;
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  seconds: number;
  /** A fixed number of requests instead of a duration. */
  amount?: number;
  /** Varies each request (e.g. a different id); called by autocannon per request. */
  setupRequest?: (request: autocannon.Request) => autocannon.Request;
}

export interface LoadRun {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/**
 * One autocannon run; latencies kept raw (float ms) rather than autocannon's integer histogram,
 * and every figure unrounded (rounded only for display).
 */
export async function loadOnce(options: LoadOptions): Promise<LoadRun> {
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  const started = process.hrtime.bigint();
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: options.url + options.path,
        method: options.method ?? 'GET',
        headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
        body: options.body,
        connections: options.connections ?? 10,
        duration: options.seconds,
        amount: options.amount,
        requests: options.setupRequest ? [{ setupRequest: options.setupRequest }] : undefined,
      },
      (error: Error | null, result) => (error ? reject(error) : resolve(result)),
    );
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) {
      ok++;
      latencies.push(ms);
    } else non2xx++;
  });
  const result = await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    rps: ok / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    requests: ok,
    non2xx,
    errors: result.errors + result.timeouts,
  };
}

export interface LoadSummary extends LoadRun {
  runs: LoadRun[];
}

/** A short warm-up, then `runs` measured runs; every figure is the median over the runs. */
export async function load(
  options: LoadOptions & { runs?: number; warmupSeconds?: number },
): Promise<LoadSummary> {
  if (options.warmupSeconds !== 0) {
    await loadOnce({ ...options, seconds: options.warmupSeconds ?? 1 });
  }
  const runs: LoadRun[] = [];
  for (let i = 0; i < (options.runs ?? 3); i++) runs.push(await loadOnce(options));
  return summarise(runs);
}

export function summarise(runs: LoadRun[]): LoadSummary {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    requests: runs.reduce((a, r) => a + r.requests, 0),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    runs,
  };
}

export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A JSON request with fetch (fixtures and one-off calls, not load). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixtures read loosely typed bodies
export async function api<T = any>(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const response = await fetch(url + path, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.headers ?? {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: body as T, headers: response.headers };
}

/** `api` that insists on a 2xx and returns the body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixtures read loosely typed bodies
export async function must<T = any>(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const response = await api<T>(url, method, path, options);
  if (response.status < 200 || response.status >= 300) {
    throw new Error(
      `${method} ${path} answered ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`,
    );
  }
  return response.body;
}

/**
 * Runs `tasks` with at most `concurrency` in flight and times each one (ms): for requests that
 * can only be made once (each accepts a different booking), where autocannon does not fit.
 */
export async function timedPool<T>(
  items: T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++];
      const started = process.hrtime.bigint();
      await task(item);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return times;
}

export interface Variant extends Omit<LoadOptions, 'seconds'> {
  label: string;
}

/**
 * Loads each variant in turn, `runs` rounds (A B A B ...), so drift of a shared 2-core machine
 * hits every variant alike; a 0.5 s warm-up per variant first. Medians per variant.
 */
export async function interleaved(
  variants: Variant[],
  seconds: number,
  runs = 3,
): Promise<Record<string, LoadSummary>> {
  for (const variant of variants) await loadOnce({ ...variant, seconds: 0.5 });
  const all: Record<string, LoadRun[]> = Object.fromEntries(variants.map((v) => [v.label, []]));
  for (let i = 0; i < runs; i++) {
    for (const variant of variants)
      all[variant.label].push(await loadOnce({ ...variant, seconds }));
  }
  return Object.fromEntries(Object.entries(all).map(([label, r]) => [label, summarise(r)]));
}
