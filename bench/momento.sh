#!/usr/bin/env bash
# The Momento backend against the fake Momento with injected latency, beside the embedded
# backend, in one run on one machine.
#
#   bench/momento.sh [latency_ms=2] [duration_s=10] [connections=16]
#
# Starts build/test/fake_momento, adds `latency_ms` to every Momento request it answers, starts
# build/streampulse on the Momento backend at it, and runs wrk on POST /webhook with signed
# events of 20,000 distinct players (1 thread, keep-alive). Prints requests/s, p50 and p99, then
# the Momento requests the fake answered per accepted heartbeat (the critical path is one round
# trip: the sorted-set and dictionary writes go out together). Then the same wrk run on the
# embedded backend, for the side-by-side.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib/wait.sh
latency="${1:-2}"
duration="${2:-10}"
conns="${3:-16}"
bin="${STREAMPULSE_BIN:-build/streampulse}"
fake_bin="${FAKE_MOMENTO_BIN:-build/test/fake_momento}"
port="${BENCH_PORT:-18591}"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"$fake_bin" --listen 127.0.0.1:0 >"$work/fake.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '^MOMENTO_API_KEY=' "$work/fake.log" && break; sleep 0.05; done
fake_url="http://$(sed -n 's/^listening on //p' "$work/fake.log")"
api_key="$(sed -n 's/^MOMENTO_API_KEY=//p' "$work/fake.log")"
curl -fsS -X POST -H 'content-type: application/json' \
  -d "{\"latency_ms\": $latency}" "$fake_url/_fake/faults" >/dev/null

python3 bench/make_webhook_requests.py bench-secret "${BENCH_PLAYERS:-20000}" "$work/events.tsv"

run() {  # name, url
  local out rps p50 p99 non2xx
  out="$(EVENTS_FILE="$work/events.tsv" wrk -t1 -c"$conns" -d"${duration}s" --latency \
    -s bench/webhook.lua "$2")"
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  non2xx="$(awk -F= '/non_2xx/ {print $2}' <<<"$out")"
  printf '%-22s %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}"
}

serve() {  # port, extra env...
  local p="$1"; shift
  env STREAMPULSE_LOG_LEVEL=warn STREAMPULSE_WEBHOOK_SECRET=bench-secret "$@" \
    "$bin" serve --listen "127.0.0.1:$p" >>"$work/server.log" 2>&1 &
  pids+=($!)
  wait_until_up "http://127.0.0.1:$p/readyz" 100
}

serve "$port" STREAMPULSE_BACKEND=momento MOMENTO_API_KEY="$api_key" \
  STREAMPULSE_MOMENTO_BASE_URL="$fake_url" STREAMPULSE_HEARTBEAT_INTAKE=webhook
before="$(curl -fsS "$fake_url/_fake/requests")"
run "momento (+${latency} ms)" "http://127.0.0.1:$port/webhook"
after="$(curl -fsS "$fake_url/_fake/requests")"
accepted="$(curl -fsS "http://127.0.0.1:$port/metrics" | awk '$1=="streampulse_heartbeats_accepted_total" {print $2}')"
python3 - "$before" "$after" "$accepted" <<'PY'
import json, sys
before, after, accepted = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
delta = {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0) > 0}
print(f"heartbeats accepted {accepted}; Momento requests during the run:")
for k, v in sorted(delta.items(), key=lambda kv: -kv[1]):
    print(f"  {k:50} {v:8}  {v / max(accepted, 1):.3f} per heartbeat")
PY

serve "$((port + 1))"
run "embedded" "http://127.0.0.1:$((port + 1))/webhook"
