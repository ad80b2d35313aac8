/**
 * `npm run test:cluster` (scripts/test-cluster.sh): the e2e project run against a local Redis
 * Cluster of 3 masters + 3 replicas (TEST_REDIS_CLUSTER_NODES). It runs the Cluster and Sentinel
 * suites (test/cluster/*.cluster-spec.ts, which `npm test` never matches) and the multi-instance
 * behaviour suites unchanged; then, in a second run, the master-kill suite alone.
 */
const { jest: base } = require('./package.json');
const { exclusions, namePattern } = require('./test/support/cluster-exclusions');
const e2e = base.projects.find((project) => project.displayName === 'e2e');

module.exports = {
  ...base,
  projects: undefined,
  ...e2e,
  rootDir: __dirname,
  displayName: 'cluster',
  // Tests that cannot hold on a Cluster are left out by name (scripts/test-cluster.sh passes
  // this pattern), each explained in test/support/cluster-exclusions.js; any other skipped test,
  // or an exclusion that matches nothing, fails the run.
  reporters: [
    'default',
    [
      '<rootDir>/test/support/skipped-tests-reporter.js',
      { exclusions, pattern: process.env.TEST_CLUSTER_FAILOVER ? null : namePattern() },
    ],
  ],
  // TEST_CLUSTER_FAILOVER: the master-kill suite alone (it breaks the Cluster for other suites).
  testMatch: process.env.TEST_CLUSTER_FAILOVER
    ? ['<rootDir>/test/cluster/**/*.failover-spec.ts']
    : [
        '<rootDir>/test/cluster/**/*.cluster-spec.ts',
        // chat across two API instances, worker notifications, revocation disconnects, chat limits
        '<rootDir>/test/realtime.e2e-spec.ts',
        // shared rate limits across instances
        '<rootDir>/test/throttle.e2e-spec.ts',
        // lock exclusion across instances, bookings under locks
        '<rootDir>/test/locks.e2e-spec.ts',
        // the email queue: outbox → BullMQ → SMTP, campaigns
        '<rootDir>/test/email.e2e-spec.ts',
        '<rootDir>/test/campaigns.e2e-spec.ts',
        // the response cache (one script per hit, tags in one slot) and the guard's user facts
        '<rootDir>/test/cache.e2e-spec.ts',
        '<rootDir>/test/user-facts.e2e-spec.ts',
      ],
};
