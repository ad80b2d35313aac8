#!/usr/bin/env bash
# `npm run test:cluster`: starts a local Redis Cluster of 3 masters with one replica each
# (scripts/redis-cluster.sh), runs the Cluster suite and the multi-instance e2e suites on it
# (jest.cluster.config.js), then the master-kill suite alone (it fails a master over), and stops
# the cluster at the end, on failure too. Extra arguments go to the first jest run.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${REDIS_CLUSTER_BASE_PORT:-7101}
nodes=$(scripts/redis-cluster.sh start "$base" 1)
trap 'scripts/redis-cluster.sh stop "$base"' EXIT

# Tests these suites hold that cannot hold on a Cluster by design are left out by name; each is
# listed with its reason and what covers it on the Cluster in test/support/cluster-exclusions.js,
# and the run fails if any other test is skipped (test/support/skipped-tests-reporter.js).
pattern=$(node -p "require('./test/support/cluster-exclusions').namePattern()")

TEST_REDIS_CLUSTER_NODES=$nodes npx jest --config jest.cluster.config.js \
  --testNamePattern "$pattern" "$@"
TEST_REDIS_CLUSTER_NODES=$nodes TEST_CLUSTER_FAILOVER=1 npx jest --config jest.cluster.config.js
