#!/usr/bin/env bash
# The Redis backend beside the embedded one, in one run: the same audience (`streampulse
# simulate`, every viewer heartbeating every 750 ms and long-polling the count) against
#   1. one instance on the embedded backend (the baseline),
#   2. one instance on Redis,
#   3. three instances on the same Redis, the viewers spread over them round robin,
# each for D seconds after a fresh redis-server (Unix socket, no persistence, started here in a
# temporary folder; never the machine's 6379). One markdown row per run on stdout.
#
#   bench/redis.sh [viewers=2000] [duration_s=25] [warmup_s=10]
#   BENCH_PORT   first service port [18694; the next two for the other instances]
#
# Columns: steady heartbeat p50/p99 (ms, the simulator's, request to answer); the fraction of
# steady samples in which a viewer's count was exact; Redis commands per heartbeat, as the
# instances sent them (streampulse_redis_commands_total, summed) and as Redis ran them, script
# bodies included (INFO commandstats), with the top commands; Redis CPU seconds per 1,000 viewers per minute
# (INFO cpu, used_cpu_user + used_cpu_sys); Redis memory at the end (used_memory).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib/wait.sh
viewers="${1:-2000}"
duration="${2:-25}"
warmup="${3:-10}"
bin="${STREAMPULSE_BIN:-build/streampulse}"
port="${BENCH_PORT:-18694}"
command -v redis-server >/dev/null || { echo "bench/redis.sh: redis-server is not installed" >&2; exit 1; }
work="$(mktemp -d)"
pids=()
redis_pid=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [[ -n "$redis_pid" ]]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
sock="$work/redis.sock"
rcli() { redis-cli -s "$sock" "$@"; }
json() { python3 -c "import json,sys; r=json.load(open('$1')); print($2)"; }

start_redis() {
  redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 --save '' --appendonly no \
    --dir "$work" --logfile "$work/redis.log" --daemonize no &
  redis_pid=$!
  for _ in $(seq 50); do rcli ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "redis-server did not start" >&2; exit 1
}
stop_redis() { kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; redis_pid=""; rm -f "$sock"; }
start_instances() {  # backend count
  local backend="$1" count="$2"
  for i in $(seq 0 $((count - 1))); do
    local p=$((port + i))
    local args=(serve --listen "127.0.0.1:$p" --log-level warn --tokens-per-address-per-minute 0)
    [[ "$backend" == redis ]] && args+=(--backend redis --redis-url "unix://$sock"
      --heartbeat-intake subscription)
    "$bin" "${args[@]}" >"$work/s$i.log" 2>&1 &
    pids+=($!)
    wait_until_up "http://127.0.0.1:$p/readyz"
  done
}
stop_instances() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
}
info_field() { rcli info "$1" | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'; }
sent() {  # commands the instances sent to Redis, summed
  local total=0
  for i in $(seq 0 $(($1 - 1))); do
    total=$((total + $(curl -fs "http://127.0.0.1:$((port + i))/metrics" |
      awk '$1 == "streampulse_redis_commands_total" { print $2 }' || echo 0)))
  done
  echo "$total"
}
commandstats() { rcli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\).*/\1 \2/p'; }

echo "$viewers viewers, ${duration} s each (warm-up ${warmup} s); $(nproc) cores shared by Redis, the instances and the simulator"
echo
echo "| backend | instances | steady p50 / p99 ms | exact | heartbeats | commands sent / heartbeat | commands run / heartbeat (top) | Redis CPU s per 1,000 viewers per minute | Redis memory |"
echo "|---|---|---|---|---|---|---|---|---|"
for run in "embedded 1" "redis 1" "redis 3"; do
  read -r backend count <<<"$run"
  targets=""
  total0=0
  total1=0
  start_redis
  start_instances "$backend" "$count"
  for i in $(seq 0 $((count - 1))); do targets+="${targets:+,}http://127.0.0.1:$((port + i))"; done
  commandstats >"$work/cs0"
  [[ "$backend" == redis ]] && total0="$(sent "$count")"
  cpu0="$(rcli info cpu | tr -d '\r' | awk -F: '$1 == "used_cpu_user" || $1 == "used_cpu_sys" { s += $2 } END { print s }')"
  "$bin" simulate --target "$targets" --players "$viewers" --duration "$duration" \
    --warmup "$warmup" --report-every 0 --json "$work/r.json" 2>"$work/sim.log" || true
  commandstats >"$work/cs1"
  [[ "$backend" == redis ]] && total1="$(sent "$count")"
  cpu1="$(rcli info cpu | tr -d '\r' | awk -F: '$1 == "used_cpu_user" || $1 == "used_cpu_sys" { s += $2 } END { print s }')"
  memory="$(info_field memory used_memory_human)"
  stop_instances
  stop_redis
  if [[ ! -s "$work/r.json" ]]; then
    echo "| $backend | $count | simulator failed: $(tail -1 "$work/sim.log") |"
    continue
  fi
  hb="$(json "$work/r.json" 'r["heartbeats"]["ok"]')"
  if [[ "$backend" == embedded ]]; then
    per_client="-"; per_run="-"; cpu="-"; memory="-"
  else
    per_client="$(awk -v a="$total0" -v b="$total1" -v h="$hb" 'BEGIN { printf "%.2f", (b - a) / h }')"
    per_run="$(python3 - "$work/cs0" "$work/cs1" "$hb" <<'PY'
import sys
read = lambda f: {c: int(n) for c, n in (l.split() for l in open(f) if l.strip())}
a, b, h = read(sys.argv[1]), read(sys.argv[2]), float(sys.argv[3])
d = {c: n - a.get(c, 0) for c, n in b.items() if n - a.get(c, 0) > 0}
top = sorted(d.items(), key=lambda kv: -kv[1])[:4]
print(f"{sum(d.values()) / h:.2f} (" + ", ".join(f"{c} {n / h:.2f}" for c, n in top) + ")")
PY
)"
    cpu="$(awk -v a="$cpu0" -v b="$cpu1" -v v="$viewers" -v d="$duration" \
      'BEGIN { printf "%.2f", (b - a) / (v / 1000) / (d / 60) }')"
  fi
  printf '| %s | %s | %.1f / %.1f | %.4f | %s | %s | %s | %s | %s |\n' "$backend" "$count" \
    "$(json "$work/r.json" 'r["heartbeats"]["steadyLatencyMs"]["p50"]')" \
    "$(json "$work/r.json" 'r["heartbeats"]["steadyLatencyMs"]["p99"]')" \
    "$(json "$work/r.json" 'r["accuracy"]["steadyExact"] if r["accuracy"]["steadySamples"] else float("nan")')" \
    "$hb" "$per_client" "$per_run" "$cpu" "$memory"
done
