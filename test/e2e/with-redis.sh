#!/usr/bin/env bash
# The browser test on the Redis backend: starts a redis-server of its own (a Unix socket in a
# temporary folder, no persistence; never the machine's 6379) and two streampulse instances on
# it, then runs test/e2e/redis.mjs (players on both instances, the dashboard on the second).
# Skips, saying so, when redis-server is not installed. Stops everything it started.
#
#   STREAMPULSE_BIN  the service binary [build/streampulse]
#   E2E_REDIS_PORT   the first instance's port [18491; the second on the next]
# Logs: test-artifacts/e2e-redis-{a,b}.log
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
bin="${STREAMPULSE_BIN:-build/streampulse}"
port="${E2E_REDIS_PORT:-18491}"
[[ -x "$bin" ]] || { echo "with-redis: $bin is missing (build it first)" >&2; exit 1; }
if ! command -v redis-server >/dev/null; then
  echo "with-redis: SKIPPED: redis-server is not installed (scripts/lib/deps.sh installs it)"
  exit 0
fi
bash scripts/make-sample-media.sh
bash scripts/vendor-assets.sh
mkdir -p test-artifacts
work="$(mktemp -d)"
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop_all EXIT

redis-server --port 0 --unixsocket "$work/redis.sock" --unixsocketperm 700 --save '' \
  --appendonly no --dir "$work" --logfile "$work/redis.log" --daemonize no &
pids+=($!)
for _ in $(seq 50); do redis-cli -s "$work/redis.sock" ping >/dev/null 2>&1 && break; sleep 0.1; done

for i in 0 1; do
  name=$([[ $i == 0 ]] && echo a || echo b)
  STREAMPULSE_LISTEN="127.0.0.1:$((port + i))" \
  STREAMPULSE_BACKEND=redis \
  STREAMPULSE_REDIS_URL="unix://$work/redis.sock" \
  STREAMPULSE_HEARTBEAT_INTAKE=subscription \
  STREAMPULSE_MEDIA_DIR="$root/media" \
  STREAMPULSE_STATIC_DIR="$root/static" \
  STREAMPULSE_LOG_LEVEL=info \
    "$bin" serve >"test-artifacts/e2e-redis-$name.log" 2>&1 &
  pids+=($!)
  ready=0
  for _ in $(seq 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$((port + i))/readyz" 2>/dev/null && { ready=1; break; }
    sleep 0.1
  done
  if [[ $ready -ne 1 ]]; then
    echo "with-redis: instance $name never became ready on :$((port + i)); its log:" >&2
    cat "test-artifacts/e2e-redis-$name.log" >&2
    exit 1
  fi
done
echo "with-redis: instances on http://127.0.0.1:$port and :$((port + 1)), one Redis"

status=0
STREAMPULSE_URL_A="http://127.0.0.1:$port" STREAMPULSE_URL_B="http://127.0.0.1:$((port + 1))" \
  node test/e2e/redis.mjs || status=1
if [[ $status -ne 0 ]]; then
  for n in a b; do echo "--- instance $n log" >&2; tail -n 20 "test-artifacts/e2e-redis-$n.log" >&2 || true; done
fi
exit $status
