#!/usr/bin/env bash
# A real audience against the service: for each audience size, build/streampulse (--threads T,
# its default settings) and `streampulse simulate` (every viewer heartbeats
# every 750 ms and long-polls the count, as the player page) for D seconds; one markdown row per
# size on stdout. Then the baseline at the same number of keep-alive connections: nginx serving a
# small static file and the service's /healthz, each by `wrk -c N` for D seconds, and their ratio.
#
#   bench/audience.sh ["1000 2000 4000 8000"] [duration_s=30] [warmup_s=10]
#   BENCH_THREADS  the service's --threads and nginx's workers [all cores]
#   BENCH_PORT     [18594; nginx on the next port]
#   BENCH_STREAMS  the second table's streams [1000]; 0: no second table
#   BENCH_STREAM_SKEW  their Zipf skew (simulate --stream-skew) [1.0]
#   BENCH_BASELINE 0: no nginx / wrk baseline [1]
#
# Columns: heartbeat latency p50/p99 (ms, the simulator's, request to answer) over the whole run,
# the arrival of all N viewers within 750 ms included, and p50/p99/max in the steady state (past
# the warm-up); accuracy, the
# fraction of steady-state samples (after the warm-up) in which a sampled viewer's count was
# within 0.5 % of the true audience; publishes/s of the count; deliveries per viewer per second;
# the service's CPU seconds per thread over the run (/proc/PID/task/*/stat utime+stime, by
# thread name); its RSS growth per viewer (VmRSS before the load and at the end); the
# simulator's own CPU and timer lag p99, the whole run's and the steady state's (past 50 ms in
# the steady state the figures are the simulator's).
# The service runs with its defaults (caps sized from its open-file limit); the simulator
# connects each viewer from its own loopback address, so the per-address bounds hold as they are.
#
# Several streams (issue 15): for each size, the same audience spread over BENCH_STREAMS streams
# sim-1 .. sim-S with a skew (`simulate --streams S --stream-skew K --create-streams`), judged by
# the same standard: each viewer's count against its own stream's true audience (exact per
# stream), the publishes the viewers saw (each stream's topic apart) and the service's own
# (streampulse_count_publishes_total and streampulse_stream_count_publishes_total: the default
# stream's and the others', the latter bounded by --max-stream-count-publishes-per-s), deliveries
# per viewer. Memory per stream: VmRSS after S empty streams are put in the catalog (then 3 s of
# ticks, for their histories) less before, over S; and the growth per viewer with the audience
# spread, beside the one-stream table's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib/nginx.sh
source bench/lib/wait.sh
sizes="${1:-1000 2000 4000 8000}"
duration="${2:-30}"
warmup="${3:-10}"
threads="${BENCH_THREADS:-$(nproc)}"
bin="${STREAMPULSE_BIN:-build/streampulse}"
port="${BENCH_PORT:-18594}"
work="$(mktemp -d)"
pid=""
trap 'if [[ -n "$pid" ]]; then kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; fi; nginx_stop; rm -rf "$work"' EXIT

start_server() {  # viewers
  local n="$1"
  STREAMPULSE_LOG_LEVEL=warn "$bin" serve --listen "127.0.0.1:$port" --threads "$threads" \
    --admin-token bench-admin >"$work/server.log" 2>&1 &
  pid=$!
  wait_until_up "http://127.0.0.1:$port/healthz"
}
stop_server() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
thread_cpu() {  # "tid name ticks" per thread (ticks: 1/100 s)
  for t in /proc/"$pid"/task/*; do
    printf '%s %s %s\n' "${t##*/}" "$(tr ' ' _ <"$t/comm")" "$(awk '{print $14 + $15}' "$t/stat")"
  done
}
json() { python3 -c "import json,sys; r=json.load(open('$1')); print($2)"; }
metric() { curl -fs "http://127.0.0.1:$port/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }
put_streams() {  # S: sim-1 .. sim-S, as simulate --create-streams names them, on one connection
  python3 - "$port" "$1" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for k in range(1, int(sys.argv[2]) + 1):
    body = json.dumps({"name": f"Simulated sim-{k}", "url": "/media/sample/master.m3u8"})
    c.request("PUT", f"/api/streams/sim-{k}", body,
              {"authorization": "Bearer bench-admin", "content-type": "application/json"})
    r = c.getresponse(); r.read()
    if r.status not in (200, 201): sys.exit(f"PUT sim-{k}: {r.status}")
PY
}
cpu_of() {  # cpu0 cpu1 pid
  awk -v pid="$3" 'NR == FNR { before[$1] = $3; next }
    { d = ($3 - ($1 in before ? before[$1] : 0)) / 100
      name = ($1 == pid) ? "main" : ($2 == "streampulse" ? "t" (++k) : $2)
      if (d > 0) { printf "%s%s %.1f", (n++ ? ", " : ""), name, d } }' "$1" "$2"
}

echo "audience for ${duration} s each (warm-up ${warmup} s); service --threads $threads; $(nproc) cores shared with the simulator"
echo
echo "| audience | heartbeat p50 / p99 ms, whole run | steady p50 / p99 / max ms | within 0.5 % | exact | publishes/s | deliveries/viewer/s | service CPU s per thread | service RSS per viewer | simulator CPU, lag p99 whole run / steady |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for n in $sizes; do
  start_server "$n"
  rss0="$(rss_kib)"
  thread_cpu >"$work/cpu0"
  "$bin" simulate --target "http://127.0.0.1:$port" --players "$n" --duration "$duration" \
    --warmup "$warmup" --report-every 0 --json "$work/r.json" 2>"$work/sim.log" || true
  thread_cpu >"$work/cpu1"
  rss1="$(rss_kib)"
  server_pid="$pid"
  stop_server
  if [[ ! -s "$work/r.json" ]]; then
    echo "| $n | simulator failed: $(tail -1 "$work/sim.log") |"
    continue
  fi
  # Threads by id; the first is the process's main thread (the state loop runs there). Named
  # threads show their name; unnamed ones (all "streampulse") show as t1, t2...
  cpu="$(awk -v pid="$server_pid" 'NR == FNR { before[$1] = $3; next }
    { d = ($3 - ($1 in before ? before[$1] : 0)) / 100
      name = ($1 == pid) ? "main" : ($2 == "streampulse" ? "t" (++k) : $2)
      printf "%s%s %.1f", (FNR > 1 ? ", " : ""), name, d }' "$work/cpu0" "$work/cpu1")"
  r="$work/r.json"
  printf '| %s | %.1f / %.1f | %.1f / %.1f / %.0f | %.4f | %.4f | %.2f | %.2f | %s | %s B | %.0f %%, %.1f / %.1f ms |\n' "$n" \
    "$(json "$r" 'r["heartbeats"]["latencyMs"]["p50"]')" \
    "$(json "$r" 'r["heartbeats"]["latencyMs"]["p99"]')" \
    "$(json "$r" 'r["heartbeats"]["steadyLatencyMs"]["p50"]')" \
    "$(json "$r" 'r["heartbeats"]["steadyLatencyMs"]["p99"]')" \
    "$(json "$r" 'r["heartbeats"]["steadyLatencyMs"]["max"]')" \
    "$(json "$r" 'r["accuracy"]["steadyWithinHalfPercent"] if r["accuracy"]["steadySamples"] else float("nan")')" \
    "$(json "$r" 'r["accuracy"]["steadyExact"] if r["accuracy"]["steadySamples"] else float("nan")')" \
    "$(json "$r" 'r["publishesPerSecond"]')" \
    "$(json "$r" 'r["deliveries"]["perViewerPerSecond"]')" \
    "$cpu" "$(( (rss1 - rss0) * 1024 / n ))" \
    "$(json "$r" 'r["simulator"]["cpuPercentOfOneCore"]')" \
    "$(json "$r" 'r["simulator"]["lagMsP99"]')" \
    "$(json "$r" 'r["simulator"]["steadyLagMsP99"]')"
done

streams="${BENCH_STREAMS:-1000}"
skew="${BENCH_STREAM_SKEW:-1.0}"
if [[ "$streams" -gt 0 ]]; then
  echo
  echo "The same audience over $streams streams (--stream-skew $skew, --create-streams), ${duration} s each (warm-up ${warmup} s):"
  echo
  echo "| audience | streams with viewers | heartbeat p50 / p99 ms, whole run | steady p50 / p99 / max ms | within 0.5 % | exact (own stream) | publishes/s seen | service publishes/s: default + others (deferred) | deliveries/viewer/s | service CPU s per thread | RSS per empty stream | RSS per viewer, spread |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  for n in $sizes; do
    start_server "$n"
    sleep 1
    rss0="$(rss_kib)"
    put_streams "$streams"
    sleep 3
    rss_catalog="$(rss_kib)"
    p0="$(metric streampulse_count_publishes_total)"
    q0="$(metric streampulse_stream_count_publishes_total)"
    d0="$(metric streampulse_stream_count_publishes_deferred_total)"
    thread_cpu >"$work/cpu0"
    "$bin" simulate --target "http://127.0.0.1:$port" --players "$n" --duration "$duration" \
      --warmup "$warmup" --report-every 0 --streams "$streams" --stream-skew "$skew" \
      --create-streams --admin-token bench-admin --json "$work/r.json" 2>"$work/sim.log" || true
    thread_cpu >"$work/cpu1"
    rss1="$(rss_kib)"
    # Streams whose count was being published at the end: those with viewers (the default aside).
    counted="$(metric streampulse_streams_counted)"
    p1="$(metric streampulse_count_publishes_total)"
    q1="$(metric streampulse_stream_count_publishes_total)"
    d1="$(metric streampulse_stream_count_publishes_deferred_total)"
    server_pid="$pid"
    stop_server
    if [[ ! -s "$work/r.json" ]]; then
      echo "| $n | simulator failed: $(tail -1 "$work/sim.log") |"
      continue
    fi
    r="$work/r.json"
    wall="$(json "$r" 'r["durationS"]')"
    printf '| %s | %s | %.1f / %.1f | %.1f / %.1f / %.0f | %.4f | %.4f | %.2f | %s | %.2f | %s | %s B | %s B |\n' "$n" "$counted" \
      "$(json "$r" 'r["heartbeats"]["latencyMs"]["p50"]')" \
      "$(json "$r" 'r["heartbeats"]["latencyMs"]["p99"]')" \
      "$(json "$r" 'r["heartbeats"]["steadyLatencyMs"]["p50"]')" \
      "$(json "$r" 'r["heartbeats"]["steadyLatencyMs"]["p99"]')" \
      "$(json "$r" 'r["heartbeats"]["steadyLatencyMs"]["max"]')" \
      "$(json "$r" 'r["accuracy"]["steadyWithinHalfPercent"] if r["accuracy"]["steadySamples"] else float("nan")')" \
      "$(json "$r" 'r["accuracy"]["steadyExact"] if r["accuracy"]["steadySamples"] else float("nan")')" \
      "$(json "$r" 'r["publishesPerSecond"]')" \
      "$(awk -v a="$p0" -v b="$p1" -v c="$q0" -v d="$q1" -v e="$d0" -v f="$d1" -v w="$wall" \
          'BEGIN { printf "%.2f + %.1f (%d)", (b - a) / w, (d - c) / w, f - e }')" \
      "$(json "$r" 'r["deliveries"]["perViewerPerSecond"]')" \
      "$(cpu_of "$work/cpu0" "$work/cpu1" "$server_pid")" \
      "$(( (rss_catalog - rss0) * 1024 / streams ))" "$(( (rss1 - rss_catalog) * 1024 / n ))"
  done
fi

if [[ "${BENCH_BASELINE:-1}" == 0 ]]; then exit 0; fi
echo
echo "Baseline at the same number of keep-alive connections (wrk -t1, ${duration} s):"
echo
echo "| connections | nginx static file req/s | streampulse /healthz req/s | healthz / nginx |"
echo "|---|---|---|---|"
mkdir -p "$work/static"
printf '42' >"$work/static/count.txt"
BENCH_THREADS="$threads" NGINX_WORKER_CONNECTIONS=$(( $(echo "$sizes" | tr ' ' '\n' | sort -n | tail -1) + 256 )) \
  nginx_start "$((port + 1))" "$work/static"
for n in $sizes; do
  start_server "$n"
  a="$(wrk -t1 -c"$n" -d"${duration}s" "http://127.0.0.1:$((port + 1))/media/count.txt" |
    awk '/Requests\/sec/ {print $2}')"
  b="$(wrk -t1 -c"$n" -d"${duration}s" "http://127.0.0.1:$port/healthz" |
    awk '/Requests\/sec/ {print $2}')"
  stop_server
  printf '| %s | %s | %s | %s |\n' "$n" "$a" "$b" \
    "$(awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }')"
done
