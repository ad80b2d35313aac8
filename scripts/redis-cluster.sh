#!/usr/bin/env bash
# Starts (or stops) a local 3-master Redis Cluster on loopback for `npm run test:cluster`.
#   scripts/redis-cluster.sh start [BASE_PORT]   → prints REDIS_CLUSTER_NODES
#   scripts/redis-cluster.sh stop  [BASE_PORT]
# Nothing is persisted; each node keeps its cluster config in a temporary directory.
set -euo pipefail
action=${1:-start}
base=${2:-7101}
ports=("$base" "$((base + 1))" "$((base + 2))")
dir=${TMPDIR:-/tmp}/parcsal-redis-cluster-$base

case "$action" in
  start)
    "$0" stop "$base" >/dev/null 2>&1 || true
    mkdir -p "$dir"
    for port in "${ports[@]}"; do
      redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
        --cluster-config-file "$dir/nodes-$port.conf" --dir "$dir" --save "" --appendonly no \
        --daemonize yes --logfile "$dir/redis-$port.log" --maxmemory-policy noeviction
    done
    for port in "${ports[@]}"; do
      for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    done
    redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 0 --cluster-yes >/dev/null
    for _ in $(seq 1 100); do
      [ "$(redis-cli -p "$base" cluster info | tr -d '\r' | grep -c 'cluster_state:ok')" = 1 ] && break
      sleep 0.1
    done
    printf '127.0.0.1:%s,' "${ports[@]}" | sed 's/,$/\n/'
    ;;
  stop)
    for port in "${ports[@]}"; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop [BASE_PORT]" >&2
    exit 2
    ;;
esac
