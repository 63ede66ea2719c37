#!/usr/bin/env bash
# Webhook ingest against the same server's /healthz, in one run on one machine.
#
#   bench/ingest.sh [duration_s=10] [connections=32]
#
# Starts build/streampulse on loopback, signs 100,000 distinct players' webhook events, then
# runs wrk (1 thread, keep-alive) on GET /healthz and on POST /webhook, alternately, twice each,
# and prints requests/s, p50 and p99 for both and the ingest/baseline ratio. Then, with the
# players the webhook runs left tracked, the latency of GET /api/dashboard (1 connection).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
duration="${1:-10}"
conns="${2:-32}"
bin="${STREAMPULSE_BIN:-build/streampulse}"
port="${BENCH_PORT:-18590}"
work="$(mktemp -d)"
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT

STREAMPULSE_LOG_LEVEL=warn "$bin" serve --listen "127.0.0.1:$port" --webhook-secret bench-secret \
  >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

run() {  # name, wrk args...
  local name="$1"; shift
  local out
  out="$(wrk -t1 -c"$conns" -d"${duration}s" --latency "$@")"
  local rps p50 p99 non2xx
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  non2xx="$(awk -F= '/non_2xx/ {print $2}' <<<"$out")"
  printf '%-8s %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}"
  echo "$rps" >>"$work/$name.rps"
}

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
rss_start="$(rss_kib)"
for round in 1 2; do
  run healthz -s bench/healthz.lua "http://127.0.0.1:$port/healthz"
  python3 bench/make_webhook_requests.py bench-secret "${BENCH_PLAYERS:-100000}" "$work/events.tsv"
  EVENTS_FILE="$work/events.tsv" run webhook -s bench/webhook.lua "http://127.0.0.1:$port/webhook"
done
awk 'NR==FNR {h+=$1; n++; next} {w+=$1; m++} END {printf "ingest/baseline = %.2f\n", (w/m)/(h/n)}' \
  "$work/healthz.rps" "$work/webhook.rps"
out="$(wrk -t1 -c1 -d5s --latency "http://127.0.0.1:$port/api/dashboard")"
echo "dashboard p50 $(awk '$1=="50%" {print $2}' <<<"$out")  p99 $(awk '$1=="99%" {print $2}' <<<"$out")  $(awk '/Requests\/sec/ {print $2}' <<<"$out") req/s"
players="$(curl -s "http://127.0.0.1:$port/api/dashboard" | python3 -c 'import sys,json; print(json.load(sys.stdin)["players"]["total"])')"
echo "players tracked: $players; server RSS $rss_start KiB -> $(rss_kib) KiB," \
  "$(( ($(rss_kib) - rss_start) * 1024 / players )) bytes per player (includes buffers of the run)"
