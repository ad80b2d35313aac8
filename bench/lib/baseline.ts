import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { progress } from './log';
import { ROOT } from './stack';

/** Where built checkouts of other commits are kept between runs (one per commit, never committed). */
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'parcsal-bench');

function git(...args: string[]): string {
  return execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim();
}

/**
 * A built copy of the API at another commit, for comparing this build with an earlier one in the
 * same run (issue 22: the real API on Express, before the move to Fastify, against this build).
 * The commit's files come from `git archive` (the repository's history, no network), its
 * dependencies from its own lockfile (`npm ci`, from the npm cache when it holds them), and its
 * `dist/` from its own build script. Kept under node_modules/.cache keyed by commit, so only the
 * first run pays for it (~1–2 min on 2 cores). Returns the checkout's root.
 */
export function builtCheckout(ref: string): { root: string; commit: string } {
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  const root = join(CACHE_DIR, commit);
  const done = join(root, 'dist', 'main.js');
  if (existsSync(done)) return { root, commit };
  progress(`building ${commit.slice(0, 7)} in ${root} (npm ci + build, once)`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  try {
    execFileSync('sh', ['-c', `git -C "${ROOT}" archive "${commit}" | tar -x -C "${root}"`]);
    const quiet = { cwd: root, stdio: 'ignore' as const };
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], quiet);
    execFileSync('npm', ['run', 'build'], quiet);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`could not build ${commit.slice(0, 7)}: ${(error as Error).message}`);
  }
  return { root, commit };
}
