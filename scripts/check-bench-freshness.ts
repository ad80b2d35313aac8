import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * `npm run lint`: WARNS (never fails) when the benchmark report is older than the code it
 * describes: src/ changed after a commit that bench/results/latest.json says it measured, or a
 * scenario was measured with uncommitted changes. Regenerate with `npm run bench`.
 */

const ROOT = join(__dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results', 'latest.json');

interface Results {
  code?: { commit: string; dirty: boolean };
  scenarios?: { id: string; commit?: string }[];
}

function warn(message: string): void {
  process.stderr.write(`WARNING (bench report): ${message}\n`);
}

function git(args: string): string {
  return execSync(`git ${args}`, {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

function main(): void {
  if (!existsSync(RESULTS)) {
    warn('bench/results/latest.json is missing: run `npm run bench`.');
    return;
  }
  const results = JSON.parse(readFileSync(RESULTS, 'utf8')) as Results;
  // Each scenario states its own commit (a partial run keeps older scenarios' results).
  const measured = new Map<string, string[]>();
  const unknown: string[] = [];
  for (const scenario of results.scenarios ?? []) {
    const commit = scenario.commit ?? results.code?.commit;
    if (commit) measured.set(commit, [...(measured.get(commit) ?? []), scenario.id]);
    else unknown.push(scenario.id);
  }
  if (unknown.length) {
    warn(
      `${unknown.join(', ')}: no commit recorded (measured before reports stated it): run \`npm run bench\`.`,
    );
  }
  for (const [stated, ids] of measured) {
    const commit = stated.replace(/\+dirty$/, '');
    if (stated.endsWith('+dirty')) {
      warn(`${ids.join(', ')} measured uncommitted changes on top of ${commit.slice(0, 12)}.`);
    }
    let changed: string;
    try {
      changed = git(`diff --name-only ${commit} HEAD -- src`);
    } catch {
      warn(`${ids.join(', ')}: commit ${commit.slice(0, 12)} is not in this repository's history.`);
      continue;
    }
    if (changed) {
      const files = changed.split('\n');
      warn(
        `src/ changed since ${commit.slice(0, 12)}, which ${ids.join(', ')} measured ` +
          `(${files.length} file(s), e.g. ${files.slice(0, 3).join(', ')}): docs/benchmarks.md ` +
          'may describe older code; regenerate it with `npm run bench`.',
      );
    }
  }
}

try {
  main();
} catch (error) {
  warn(`could not check: ${(error as Error).message}`);
}
