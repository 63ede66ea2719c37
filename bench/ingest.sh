#!/usr/bin/env bash
# Webhook ingest against the same server's /healthz and against nginx answering a fixed 204,
# in one run on one machine.
#
#   BENCH_THREADS=N bench/ingest.sh [duration_s=10] [connections=32]
#
# Starts build/streampulse with N connection threads (--threads, default 1) and nginx with N
# workers (bench/lib/nginx.sh) on loopback, signs
# 100,000 distinct players' webhook events, then runs wrk (1 thread, keep-alive) on nginx's
# GET /204, GET /healthz and POST /webhook, in turn, twice each, and prints requests/s, p50 and
# p99 and the ratios. Then the latency at a fixed 10,000 heartbeats/s (`streampulse simulate`,
# 7,500 players at 750 ms, webhook mode), and, with the players the runs left tracked, the
# latency of GET /api/dashboard (1 connection).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib/nginx.sh
source bench/lib/wait.sh
duration="${1:-10}"
conns="${2:-32}"
bin="${STREAMPULSE_BIN:-build/streampulse}"
port="${BENCH_PORT:-18590}"
work="$(mktemp -d)"
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; nginx_stop; rm -rf "$work"' EXIT

STREAMPULSE_LOG_LEVEL=warn "$bin" serve --listen "127.0.0.1:$port" --webhook-secret bench-secret \
  --threads "${BENCH_THREADS:-1}" \
  >"$work/server.log" 2>&1 &
pid=$!
wait_until_up "http://127.0.0.1:$port/healthz"
nginx_start "$((port + 1))" "$(pwd)/media"

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
  # A run of errors is not a throughput: say so, and fail the bench at its end.
  if [[ "${non2xx:-0}" != 0 ]]; then
    echo "ERROR: $name answered $non2xx non-2xx responses; its figure is not a throughput" >&2
    failed=1
  fi
  echo "$rps" >>"$work/$name.rps"
}

failed=0
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
rss_start="$(rss_kib)"
for round in 1 2; do
  run nginx -s bench/nginx204.lua "http://127.0.0.1:$((port + 1))/204"
  run healthz -s bench/healthz.lua "http://127.0.0.1:$port/healthz"
  # Signed now: the service refuses events older than its 60 s replay window.
  python3 bench/make_webhook_requests.py bench-secret "${BENCH_PLAYERS:-100000}" "$work/events.tsv"
  EVENTS_FILE="$work/events.tsv" run webhook -s bench/webhook.lua "http://127.0.0.1:$port/webhook"
done
awk 'NR==FNR {h+=$1; n++; next} {w+=$1; m++} END {printf "webhook/healthz = %.2f\n", (w/m)/(h/n)}' \
  "$work/healthz.rps" "$work/webhook.rps"
awk 'NR==FNR {h+=$1; n++; next} {w+=$1; m++} END {printf "webhook/nginx204 = %.2f, healthz/nginx204 = ", (w/m)/(h/n)}' \
  "$work/nginx.rps" "$work/webhook.rps"
awk 'NR==FNR {h+=$1; n++; next} {w+=$1; m++} END {printf "%.2f\n", (w/m)/(h/n)}' \
  "$work/nginx.rps" "$work/healthz.rps"
echo "fixed rate, 10,000 heartbeats/s for 10 s (streampulse simulate, webhook mode, 32 connections):"
"$(dirname "$bin")/streampulse" simulate --webhook "http://127.0.0.1:$port/webhook" \
  --secret bench-secret --players 7500 --duration 10 --connections 32 2>&1 | tail -2
out="$(wrk -t1 -c1 -d5s --latency "http://127.0.0.1:$port/api/dashboard")"
echo "dashboard p50 $(awk '$1=="50%" {print $2}' <<<"$out")  p99 $(awk '$1=="99%" {print $2}' <<<"$out")  $(awk '/Requests\/sec/ {print $2}' <<<"$out") req/s"
players="$(curl -s "http://127.0.0.1:$port/api/dashboard" | python3 -c 'import sys,json; print(json.load(sys.stdin)["players"]["total"])')"
echo "players tracked: $players; server RSS $rss_start KiB -> $(rss_kib) KiB," \
  "$(( ($(rss_kib) - rss_start) * 1024 / players )) bytes per player (includes buffers of the run)"
exit "$failed"
