import type { SeededLogins } from './seed';
import type { SmtpSink } from './smtp-sink';
import type { ApiProc, BenchStack, Env } from './stack';
import { must } from './http';

export interface Table {
  title: string;
  /**
   * How its figures were taken, shown under the title: e.g. "median of 3 alternating runs
   * (spread: min–max over the runs)" or "single pass". Required: no figure without its method.
   */
  taken: string;
  columns: string[];
  rows: (string | number)[][];
}

export interface Bar {
  label: string;
  value: number;
  /** Bars of one group share a colour (e.g. "queued" vs "synchronous"). */
  group?: string;
}

export interface Chart {
  /** File name under docs/, e.g. bench-email-latency.svg */
  file: string;
  title: string;
  unit: string;
  bars: Bar[];
  /** Draw with a log scale (values spanning orders of magnitude). */
  log?: boolean;
  /** Replaces the default subtitle note ("median of the runs"). */
  note?: string;
}

export interface ScenarioResult {
  /** One-line headline figures, shown at the top of the report. */
  headline: string[];
  tables: Table[];
  charts: Chart[];
  notes: string[];
  /** Machine-readable figures for bench/results/latest.json. */
  data: Record<string, unknown>;
  /** Answers to the analysis' claims (docs/benchmarks.md, "The analysis' claims, measured"). */
  claims?: Claim[];
  /** Tables shown with the claims (e.g. the Redis memory table). */
  claimTables?: Table[];
  /** Capacity-planning statements derived from the figures. */
  capacity?: string[];
  /** Figures with a target (issue 18's table), shown together at the top of the report. */
  goals?: Goal[];
  /** "Where the time goes": a CPU profile's summary, shown in its own section. */
  profile?: { tables: Table[]; notes: string[] };
}

/** One figure against its target; the verdict is computed from the figures, never written by hand. */
export interface Goal {
  figure: string;
  measured: string;
  target: string;
  verdict: string;
}

export interface Claim {
  topic: string;
  /** What the analysis (/work/shared/seed/redis-adoption-analysis.md) says. */
  analysis: string;
  measured: string;
}

/** Thrown by a scenario whose feature is not there (yet): reported as skipped, with the reason. */
export class SkipScenario extends Error {}

export interface Scenario {
  id: string;
  title: string;
  /** Hard bound on the scenario's wall time; past it the run moves on. */
  budgetSeconds: number;
  /** What it reproduces, for the report (how to reproduce, what is compared). */
  method: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

/**
 * What scenarios share: the stack, the SMTP sink, seeded logins, lazily started default API
 * instances and worker, signed-in tokens, and figures other scenarios refer to (the ceiling).
 */
export class BenchContext {
  /** Run lengths are multiplied by this (BENCH_SCALE, default 1). */
  readonly scale = Number(process.env.BENCH_SCALE ?? 1) || 1;
  readonly figures: Record<string, number> = {};
  private readonly apis = new Map<string, Promise<ApiProc>>();
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(
    readonly stack: BenchStack,
    readonly sink: SmtpSink,
    readonly seed: SeededLogins,
  ) {}

  seconds(base: number): number {
    return Math.max(0.5, base * this.scale);
  }

  /** The default API instances ("A", "B"): cache on, limits off, SMTP to the sink. */
  api(name: 'A' | 'B' = 'A'): Promise<ApiProc> {
    let api = this.apis.get(name);
    if (!api) {
      api = this.stack.startApi(`api-${name}`, this.defaultApiEnv());
      this.apis.set(name, api);
    }
    return api;
  }

  defaultApiEnv(): Env {
    return {
      SMTP_URL: this.sink.url,
      ADMIN_EMAIL: this.seed.adminEmail,
      ADMIN_PASSWORD: this.seed.password,
      JWT_ACCESS_TTL: '2h',
    };
  }

  /** Forgets the default instances (after the stack stopped them). */
  forgetApis(): void {
    this.apis.clear();
  }

  /** Forgets signed-in tokens (after their sessions were deleted). */
  forgetTokens(): void {
    this.tokens.clear();
  }

  /** An access token for a seeded user (signed in once per run through instance A). */
  token(email: string): Promise<string> {
    let token = this.tokens.get(email);
    if (!token) {
      token = this.api('A').then(async (api) => {
        const body = await must<{ accessToken: string }>(api.url, 'POST', '/auth/login', {
          body: { email, password: this.seed.password },
        });
        return body.accessToken;
      });
      this.tokens.set(email, token);
      token.catch(() => this.tokens.delete(email));
    }
    return token;
  }

  admin(): Promise<string> {
    return this.token(this.seed.adminEmail);
  }
}
