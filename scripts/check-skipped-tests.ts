import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/*
 * `npm run lint`: refuses tests that would not run. A skipped or focused test (`it.skip`, `xit`,
 * `describe.skip`, `test.todo`, `it.only`, a conditional `cond ? it : it.skip`, ...) fails the
 * check unless its line carries `// tracked: <reason>` naming why and where it is tracked; its
 * name must then say `skipped: <reason>, tracked in <issue>` too, or the skipped-tests reporter
 * (test/support/skipped-tests-reporter.js) fails the test run. Exit code 1 on any finding.
 */

const ROOT = join(__dirname, '..');
const TEST_FILE = /\.(spec|e2e-spec|cluster-spec|failover-spec)\.ts$/;
/** `it.skip(`, `describe.only(`, `test.todo(`, `xit(`, `fdescribe(`, and `it.skip` used as a value. */
const SKIPPING =
  /\b(?:(?:it|test|describe)\s*\.\s*(?:skip|only|todo|failing)\b|(?:x|f)(?:it|test|describe)\s*\()/;
const TRACKED = /\/\/\s*tracked:\s*\S.{8,}/;

function* testFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* testFiles(path);
    else if (TEST_FILE.test(entry.name)) yield path;
  }
}

const findings: string[] = [];
for (const base of ['src', 'test']) {
  for (const file of testFiles(join(ROOT, base))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (SKIPPING.test(line) && !TRACKED.test(line)) {
          findings.push(`${relative(ROOT, file)}:${index + 1}: ${line.trim()}`);
        }
      });
  }
}

if (findings.length) {
  process.stderr.write(
    `Skipped or focused tests without a "// tracked: <reason>" comment (a test that does not run must say why):\n  ${findings.join('\n  ')}\n`,
  );
  process.exit(1);
}
process.stdout.write('check-skipped-tests: no untracked skipped or focused tests\n');
