import { execSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { elapsedSeconds, progress } from './lib/log';
import { MeasuredCode, writeReport } from './lib/report';
import { BenchContext, Scenario, ScenarioResult, SkipScenario } from './lib/scenario';
import { seedBenchDatabase } from './lib/seed';
import { SmtpSink } from './lib/smtp-sink';
import { BenchStack, ROOT } from './lib/stack';
import { adapter } from './scenarios/adapter';
import { auth } from './scenarios/auth';
import { cache } from './scenarios/cache';
import { ceiling } from './scenarios/ceiling';
import { dataScale } from './scenarios/data-scale';
import { emailLatency } from './scenarios/email-latency';
import { emailThroughput } from './scenarios/email-throughput';
import { locks } from './scenarios/locks';
import { memory } from './scenarios/memory';
import { realtime } from './scenarios/realtime';
import { targets } from './scenarios/targets';
import { throttle } from './scenarios/throttle';

/*
 * `npm run bench` runs every scenario; `npm run bench -- cache throttle` runs those only (the
 * ceiling always runs first: every throughput is also given as a fraction of it). Loopback only,
 * bounded: each scenario has a time budget. Writes docs/benchmarks.md, docs/bench-*.svg and
 * bench/results/latest.json.
 * `npm run bench -- --check locks` is a smoke test of the bench itself: short runs
 * (BENCH_SCALE=0.2 unless set), results printed, nothing written.
 */

/** The whole run stays under 15 minutes: scenarios get what is left at most. */
const TOTAL_BUDGET_SECONDS = Number(process.env.BENCH_TOTAL_SECONDS ?? 840);
const CLEANUP_RESERVE_SECONDS = 15;

/**
 * Order matters: the memory scenario clears the prefix, so only scenarios that sign in afresh on
 * their own processes (data-scale) may follow it.
 */
const SCENARIOS: Scenario[] = [
  ceiling,
  targets,
  adapter,
  emailLatency,
  cache,
  throttle,
  auth,
  realtime,
  locks,
  emailThroughput,
  memory,
  dataScale,
];

export interface ScenarioOutcome {
  id: string;
  title: string;
  method: string;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  seconds: number;
  /** When the run that produced it started (partial runs keep the other scenarios' results). */
  ranAt: string;
  /** The commit that run measured (`+dirty`: with uncommitted changes to the measured code). */
  commit: string;
  result?: ScenarioResult;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when it is missing or older than any source or migration file. */
function buildIfStale(): void {
  if (process.env.BENCH_SKIP_BUILD === '1') {
    progress('BENCH_SKIP_BUILD=1: using dist/ as it is');
    return;
  }
  const main = join(ROOT, 'dist', 'main.js');
  const worker = join(ROOT, 'dist', 'worker.js');
  const sources = Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'drizzle')));
  if (existsSync(main) && existsSync(worker) && statSync(main).mtimeMs >= sources) {
    progress('dist/ is up to date');
    return;
  }
  progress('building dist/ (npx nest build)...');
  // An incremental build-info file left by an earlier build (or by `tsc` runs) makes tsc emit
  // nothing after Nest empties dist/: start the build from scratch.
  rmSync(join(ROOT, 'tsconfig.build.tsbuildinfo'), { force: true });
  execSync('npx nest build', { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (!existsSync(main) || !existsSync(worker)) {
    throw new Error('npx nest build did not produce dist/main.js and dist/worker.js');
  }
}

/** A partial run (`npm run bench -- cache`) replaces only its scenarios in the last results. */
function mergeWithPrevious(
  file: string,
  outcomes: ScenarioOutcome[],
  partial: boolean,
): ScenarioOutcome[] {
  if (!partial || !existsSync(file)) return outcomes;
  try {
    const previous = JSON.parse(readFileSync(file, 'utf8')) as { scenarios?: ScenarioOutcome[] };
    const fresh = new Map(outcomes.map((o) => [o.id, o]));
    const ids = SCENARIOS.map((s) => s.id);
    const all = new Map((previous.scenarios ?? []).map((o) => [o.id, o]));
    for (const [id, o] of fresh) all.set(id, o);
    return ids.filter((id) => all.has(id)).map((id) => all.get(id)!);
  } catch {
    return outcomes;
  }
}

function withBudget<T>(promise: Promise<T>, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`over its ${seconds} s budget`)), seconds * 1000);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The commit measured, and whether the code measured (src, migrations, the bench) differed. */
function measuredCode(): MeasuredCode {
  const git = (args: string) => execSync(`git ${args}`, { cwd: ROOT, encoding: 'utf8' }).trim();
  try {
    const dirtyPaths = git('status --porcelain -- src drizzle bench')
      .split('\n')
      .map((line) => line.slice(3))
      .filter((path) => path && !path.startsWith('bench/results/'));
    return { commit: git('rev-parse HEAD'), dirty: dirtyPaths.length > 0, dirtyPaths };
  } catch {
    return { commit: 'unknown (not a git checkout)', dirty: true, dirtyPaths: ['(unknown)'] };
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  if (check) process.env.BENCH_SCALE ??= '0.2';
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.id === w));
  if (unknown.length) {
    process.stderr.write(
      `unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}\n`,
    );
    process.exit(2);
  }
  const selected = SCENARIOS.filter(
    (s) => wanted.length === 0 || wanted.includes(s.id) || s.id === 'ceiling',
  );

  buildIfStale();
  const code = measuredCode();
  const stack = new BenchStack();
  let sink: SmtpSink | null = null;
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    progress(`${signal}: stopping`);
    void Promise.all([stack.close(), sink?.close()]).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => stack.killAllNow());

  const outcomes: ScenarioOutcome[] = [];
  const started = new Date();
  let seedInfo: { seconds: number; summary: unknown } | null = null;
  try {
    await stack.open();
    sink = await SmtpSink.start();
    progress('seeding the default seed size (scripts/seed-data.ts)...');
    const seeded = await seedBenchDatabase(stack.databaseUrl);
    seedInfo = { seconds: seeded.seconds, summary: seeded.summary };
    progress(`seeded in ${seeded.seconds.toFixed(1)} s`);
    const ctx = new BenchContext(stack, sink, seeded);

    for (const scenario of selected) {
      if (interrupted) break;
      progress(`▶ ${scenario.id}: ${scenario.title} (budget ${scenario.budgetSeconds} s)`);
      const t0 = Date.now();
      const outcome: ScenarioOutcome = {
        id: scenario.id,
        title: scenario.title,
        method: scenario.method,
        status: 'ok',
        seconds: 0,
        ranAt: started.toISOString(),
        commit: `${code.commit}${code.dirty ? '+dirty' : ''}`,
      };
      const left = TOTAL_BUDGET_SECONDS - elapsedSeconds() - CLEANUP_RESERVE_SECONDS;
      try {
        if (left < 20) throw new SkipScenario('the whole run is out of its time budget');
        outcome.result = await withBudget(
          scenario.run(ctx),
          Math.min(scenario.budgetSeconds, left),
        );
        for (const line of outcome.result.headline) progress(`  ✔ ${line}`);
      } catch (error) {
        outcome.status = error instanceof SkipScenario ? 'skipped' : 'failed';
        outcome.reason = (error as Error).message.split('\n').slice(0, 6).join(' | ');
        progress(`  ✘ ${outcome.status}: ${outcome.reason}`);
      }
      outcome.seconds = Math.round((Date.now() - t0) / 100) / 10;
      outcomes.push(outcome);
      // Scenarios own their processes; whatever a failed one left running goes now.
      if (scenario.id !== 'ceiling' && outcome.status !== 'ok') {
        await stack.stopAll();
        ctx.forgetApis();
      }
    }
  } catch (error) {
    progress(`bench failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  } finally {
    await stack.close();
    await sink?.close();
  }

  if (check) {
    for (const o of outcomes) {
      progress(`--check ${o.id}: ${o.status}${o.reason ? ` (${o.reason})` : ''}`);
      for (const t of o.result?.tables ?? []) {
        progress(`  ${t.title} [${t.taken}]`);
        for (const row of t.rows) progress(`    ${row.join(' | ')}`);
      }
      for (const g of o.result?.goals ?? [])
        progress(`  target: ${g.figure}: ${g.measured} (target ${g.target}): ${g.verdict}`);
      for (const t of o.result?.profile?.tables ?? []) {
        progress(`  ${t.title} [${t.taken}]`);
        for (const row of t.rows) progress(`    ${row.join(' | ')}`);
      }
      for (const line of [
        ...(o.result?.profile?.notes ?? []),
        ...(o.result?.notes ?? []),
        ...(o.result?.claims ?? []).map((c) => c.measured),
      ])
        progress(`  ${line}`);
    }
    progress('--check: nothing written');
    process.exit(outcomes.every((o) => o.status === 'ok') ? (process.exitCode ?? 0) : 1);
  }

  if (outcomes.length) {
    const machine = {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      node: process.version,
      privateRedis: stack.privateRedis,
    };
    const resultsDir = join(ROOT, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const merged = mergeWithPrevious(join(resultsDir, 'latest.json'), outcomes, wanted.length > 0);
    const json = {
      code,
      startedAt: started.toISOString(),
      totalSeconds: Math.round(elapsedSeconds()),
      scenariosRequested: wanted.length ? wanted : 'all',
      machine,
      seed: seedInfo,
      scenarios: merged,
    };
    writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(json, null, 2) + '\n');
    writeReport({
      outcomes: merged,
      machine,
      startedAt: started,
      totalSeconds: json.totalSeconds,
      seed: seedInfo,
      partial: wanted.length > 0,
      code,
    });
    progress(
      `wrote docs/benchmarks.md and bench/results/latest.json in ${Math.round(elapsedSeconds())} s`,
    );
  }
  process.exit(process.exitCode ?? 0);
}

void main();
