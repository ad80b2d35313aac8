/**
 * A Jest reporter that fails the run when a test was skipped without an explanation: CI must
 * not turn green on tests that never ran. A skipped test passes only when
 *  - its name says why and where it is tracked (`skipped: <reason>, tracked in <issue>`), or
 *  - it is one of the explained exclusions given as the `exclusions` option (the Cluster run's
 *    list, test/support/cluster-exclusions.js); each of them must still match a test of its
 *    file, or the run fails too.
 * A developer's own `-t`/`--testNamePattern` filter (any other pattern) turns the check off.
 * Static skips (`it.skip`, `xit`, ...) are refused earlier by `npm run lint`
 * (scripts/check-skipped-tests.ts).
 */
const { relative } = require('node:path');

const EXPLAINED_NAME = /skipped: .+, tracked in \S+/;
const SKIPPED = new Set(['pending', 'skipped', 'todo', 'disabled', 'focused']);

class SkippedTestsReporter {
  constructor(globalConfig, options = {}) {
    this.globalConfig = globalConfig;
    this.exclusions = options.exclusions ?? [];
    this.pattern = options.pattern ?? null;
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    const filter = this.globalConfig.testNamePattern;
    if (filter && filter !== this.pattern) {
      process.stderr.write(`skipped-tests check: off (-t ${filter} filters tests on purpose)\n`);
      return;
    }
    const root = this.globalConfig.rootDir;
    const ran = new Set();
    const skipped = [];
    for (const file of results.testResults) {
      const path = relative(root, file.testFilePath);
      ran.add(path);
      for (const test of file.testResults) {
        if (SKIPPED.has(test.status)) skipped.push({ path, name: test.fullName });
      }
    }
    const exclusionOf = (test) =>
      this.exclusions.find((e) => e.file === test.path && test.name.includes(e.name));
    const unexplained = skipped.filter((t) => !EXPLAINED_NAME.test(t.name) && !exclusionOf(t));
    const stale = this.exclusions.filter(
      (e) => ran.has(e.file) && !skipped.some((t) => t.path === e.file && t.name.includes(e.name)),
    );

    const lines = [];
    for (const test of skipped) {
      const exclusion = exclusionOf(test);
      if (exclusion) {
        lines.push(`  excluded: ${test.path} › ${test.name}`);
        lines.push(`    why: ${exclusion.reason}; covered by ${exclusion.coveredBy}`);
      }
    }
    if (lines.length) process.stderr.write(`Tests excluded by design:\n${lines.join('\n')}\n`);

    const problems = [
      ...unexplained.map((t) => `skipped without an explanation: ${t.path} › ${t.name}`),
      ...stale.map((e) => `exclusion matches no test of ${e.file}: "${e.name}" (renamed?)`),
    ];
    if (problems.length) {
      this.error = new Error(`skipped-tests check failed:\n  ${problems.join('\n  ')}`);
      process.stderr.write(`${this.error.message}\n`);
    }
  }

  getLastError() {
    return this.error;
  }
}

module.exports = SkippedTestsReporter;
