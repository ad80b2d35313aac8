#!/usr/bin/env bash
# Starts (or stops) a local Redis Cluster of 3 masters on loopback for `npm run test:cluster`.
#   scripts/redis-cluster.sh start [BASE_PORT] [REPLICAS]   → prints REDIS_CLUSTER_NODES
#   scripts/redis-cluster.sh stop  [BASE_PORT]
# REPLICAS (default 0) replicas per master, on the ports after the masters'. Nodes are declared
# failed after 2 s (cluster-node-timeout), so a replica takes over a killed master within seconds.
# Nothing is persisted; each node keeps its cluster config in a temporary directory.
set -euo pipefail
action=${1:-start}
base=${2:-7101}
replicas=${3:-0}
count=$((3 * (1 + replicas)))
ports=()
for i in $(seq 0 $((count - 1))); do ports+=("$((base + i))"); done
dir=${TMPDIR:-/tmp}/parcsal-redis-cluster-$base

case "$action" in
  start)
    "$0" stop "$base" >/dev/null 2>&1 || true
    mkdir -p "$dir"
    for port in "${ports[@]}"; do
      redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
        --cluster-config-file "$dir/nodes-$port.conf" --cluster-node-timeout 2000 \
        --dir "$dir" --save "" --appendonly no \
        --daemonize yes --logfile "$dir/redis-$port.log" --maxmemory-policy noeviction
    done
    for port in "${ports[@]}"; do
      for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    done
    redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") \
      --cluster-replicas "$replicas" --cluster-yes >/dev/null
    for _ in $(seq 1 100); do
      [ "$(redis-cli -p "$base" cluster info | tr -d '\r' | grep -c 'cluster_state:ok')" = 1 ] && break
      sleep 0.1
    done
    # Replicas must have synced before a master may be killed and replaced.
    for port in "${ports[@]}"; do
      for _ in $(seq 1 100); do
        redis-cli -p "$port" info replication | tr -d '\r' | grep -q 'master_link_status:down' || break
        sleep 0.1
      done
    done
    echo "${ports[@]}" >"$dir/ports"
    printf '127.0.0.1:%s,' "${ports[@]:0:3}" | sed 's/,$/\n/'
    ;;
  stop)
    # The ports it started (replicas included), else the 3 masters'.
    [ -f "$dir/ports" ] && read -r -a ports <"$dir/ports"
    for port in "${ports[@]}"; do
      redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    done
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop [BASE_PORT] [REPLICAS]" >&2
    exit 2
    ;;
esac
