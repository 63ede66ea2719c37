#!/usr/bin/env bash
# Soak: the real binary (embedded backend) driven by `streampulse simulate` at a steady rate of
# heartbeats for a while, its resident memory (VmRSS) and open file descriptors sampled every few
# seconds. Fails when, after the warm-up (every simulated player tracked, and at least
# SOAK_WARMUP_S seconds), RSS grows more than SOAK_RSS_MARGIN_PCT over its first sample after
# the warm-up; or the descriptors that are not sockets change at all; or the sockets pass the
# simulator's connections (SOAK_CONNECTIONS) plus SOAK_FD_SLACK (the listener and such: sockets
# come and go with the simulator's keep-alive connections, which idle out and reopen, and its
# pool grows with the load, so their count is bounded rather than constant; in topics mode each
# simulated player holds its own heartbeat connection, as a browser does, so the bound is the
# players plus the slack); or on any error: a
# failed heartbeat in the simulator, a heartbeat the service counted as failed or invalid, a
# warning or error in the service's log, the service dying or not stopping cleanly, or a rate
# under SOAK_MIN_RATE_PCT of the one asked for.
#
# Usage: scripts/soak.sh [seconds=60] [rate=5000]
#   SOAK_MODE            topics (default: players publish to the service's Topics HTTP API, the
#                        service's intake long-polls the topic) or webhook (signed POST /webhook)
#   SOAK_BIN             the binary [build/streampulse]
#   SOAK_PORT            the port [18490]
#   SOAK_SAMPLE_S        seconds between samples [5]
#   SOAK_WARMUP_S        the shortest warm-up [15]
#   SOAK_RSS_MARGIN_PCT  [10]   SOAK_FD_SLACK [8]   SOAK_MIN_RATE_PCT [90]
#   SOAK_INTERVAL_MS     each player's heartbeat period [750]; players = rate * interval / 1000
#   SOAK_CONNECTIONS     the simulator's connections in webhook mode [64]; topics mode: one per
#                        player (heartbeats only: --no-subscribe)
#   SOAK_OUT             where the logs and samples go [a temp dir, removed after a pass]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${1:-60}"
rate="${2:-5000}"
mode="${SOAK_MODE:-topics}"
bin="${SOAK_BIN:-build/streampulse}"
port="${SOAK_PORT:-18490}"
sample_s="${SOAK_SAMPLE_S:-5}"
warmup_s="${SOAK_WARMUP_S:-15}"
rss_margin="${SOAK_RSS_MARGIN_PCT:-10}"
fd_slack="${SOAK_FD_SLACK:-8}"
min_rate_pct="${SOAK_MIN_RATE_PCT:-90}"
interval_ms="${SOAK_INTERVAL_MS:-750}"
connections="${SOAK_CONNECTIONS:-64}"
out="${SOAK_OUT:-}"
keep_out=1
if [[ -z "$out" ]]; then
  out="$(mktemp -d -t streampulse-soak.XXXXXX)"
  keep_out=0  # removed after a pass; kept (and named) after a failure
fi
mkdir -p "$out"
players=$(( rate * interval_ms / 1000 ))
url="http://127.0.0.1:$port"
secret="soak-secret-$RANDOM$RANDOM"

if [[ ! -x "$bin" ]]; then
  echo "soak: no binary at $bin (build it, or set SOAK_BIN)" >&2
  exit 1
fi
if [[ "$mode" != topics && "$mode" != webhook ]]; then
  echo "soak: SOAK_MODE must be topics or webhook" >&2
  exit 1
fi
if (( seconds < warmup_s + 2 * sample_s )); then
  echo "soak: $seconds s is too short for a ${warmup_s} s warm-up and two samples" >&2
  exit 1
fi
if curl -fsS -o /dev/null "$url/healthz" 2>/dev/null; then
  echo "soak: something already answers on $url; set SOAK_PORT to a free port" >&2
  exit 1
fi

echo "soak: $seconds s at $rate heartbeats/s ($players players every $interval_ms ms, $mode mode)"
echo "soak: logs and samples in $out"

# Topics mode fetches one token per simulated player, all from here: no per-address limit.
STREAMPULSE_LISTEN="127.0.0.1:$port" \
STREAMPULSE_WEBHOOK_SECRET="$secret" \
STREAMPULSE_TOKENS_PER_ADDRESS_PER_MINUTE=0 \
STREAMPULSE_LOG_LEVEL=warn \
STREAMPULSE_STATIC_DIR="$PWD/static" \
  "$bin" serve >"$out/server.log" 2>&1 &
server_pid=$!
sim_pid=""
cleanup() {
  if [[ -n "$sim_pid" ]] && kill -0 "$sim_pid" 2>/dev/null; then kill -TERM "$sim_pid" || true; fi
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

for _ in $(seq 100); do
  curl -fsS -o /dev/null "$url/healthz" 2>/dev/null && break
  sleep 0.1
done
if ! curl -fsS -o /dev/null "$url/healthz"; then
  echo "soak: the service did not start" >&2
  cat "$out/server.log" >&2
  exit 1
fi

sim_args=(simulate --players "$players" --interval-ms "$interval_ms" --duration "$seconds"
          --connections "$connections" --seed 7)
if [[ "$mode" == webhook ]]; then
  sim_args+=(--webhook "$url/webhook" --secret "$secret")
else
  # Heartbeats only (the count long-poll is load-test.sh's): one connection per player.
  sim_args+=(--target "$url" --no-subscribe --report-every "$sample_s")
  connections=$players
fi
"$bin" "${sim_args[@]}" >"$out/simulate.log" 2>&1 &
sim_pid=$!

metric() {  # metric NAME: its value in /metrics, or -1
  { curl -fsS "$url/metrics" 2>/dev/null || true; } |
    awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print -1 }'
}

failures=()
start=$(date +%s)
warm_at=""
base_rss=""
base_fds=""
base_files=""
max_rss=0
max_fds=0
max_sockets=0
max_files=0
warm_fds=0
printf '%8s %10s %6s %6s %9s %11s\n' elapsed rss_kib fds files tracked accepted |
  tee "$out/samples.txt"
while kill -0 "$sim_pid" 2>/dev/null; do
  sleep "$sample_s"
  kill -0 "$sim_pid" 2>/dev/null || break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    failures+=("the service died")
    break
  fi
  now=$(( $(date +%s) - start ))
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status")
  fds=$(ls "/proc/$server_pid/fd" | wc -l)
  files=$(find "/proc/$server_pid/fd" -mindepth 1 -maxdepth 1 ! -lname 'socket:*' | wc -l)
  tracked=$(metric streampulse_players_tracked)
  accepted=$(metric streampulse_heartbeats_accepted_total)
  mark=""
  if [[ -z "$warm_at" ]]; then
    if (( fds > warm_fds )); then warm_fds=$fds; fi
    if [[ "$tracked" == "$players" && $now -ge $warmup_s ]]; then
      warm_at=$now
      base_rss=$rss
      base_fds=$warm_fds
      base_files=$files
      max_files=$files
      mark="  <- warm: baseline"
    fi
  else
    if (( rss > max_rss )); then max_rss=$rss; fi
    if (( fds > max_fds )); then max_fds=$fds; fi
    if (( fds - files > max_sockets )); then max_sockets=$(( fds - files )); fi
    if (( files != base_files )); then max_files=$files; fi
  fi
  printf '%8s %10s %6s %6s %9s %11s%s\n' "${now}s" "$rss" "$fds" "$files" "$tracked" \
    "$accepted" "$mark" | tee -a "$out/samples.txt"
done

sim_status=0
wait "$sim_pid" || sim_status=$?
sim_pid=""
grep -E '^(summary|  rate|  failures|    |result)' "$out/simulate.log" || true

# The figures after the run, before stopping the service.
failed_total=$(metric streampulse_heartbeats_failed_total)
invalid_total=$(metric streampulse_heartbeats_invalid_total)
accepted_total=$(metric streampulse_heartbeats_accepted_total)
final_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status" 2>/dev/null || echo 0)

server_status=0
kill -TERM "$server_pid" 2>/dev/null || true
wait "$server_pid" || server_status=$?

summary_line=$(grep -E '^summary:' "$out/simulate.log" || true)
sim_failed=$(sed -nE 's/.* failed ([0-9]+) .*/\1/p' <<<"$summary_line")
sim_ok=$(sed -nE 's/.* ok ([0-9]+),.*/\1/p' <<<"$summary_line")
got_rate=$(sed -nE 's/^  rate ([0-9.]+)\/s.*/\1/p' "$out/simulate.log")

(( sim_status == 0 )) || failures+=("the simulator exited with $sim_status")
[[ -n "$summary_line" ]] || failures+=("the simulator printed no summary")
[[ "${sim_failed:-1}" == 0 ]] || failures+=("the simulator saw ${sim_failed:-?} failed heartbeats")
[[ "$failed_total" == 0 ]] || failures+=("streampulse_heartbeats_failed_total is $failed_total")
[[ "$invalid_total" == 0 ]] || failures+=("streampulse_heartbeats_invalid_total is $invalid_total")
(( server_status == 0 )) || failures+=("the service exited with $server_status after SIGTERM")
if grep -qE ' (warn|error|critical) ' "$out/server.log"; then
  failures+=("the service logged warnings or errors (see $out/server.log)")
  grep -E ' (warn|error|critical) ' "$out/server.log" | head -5 >&2
fi
if [[ -n "$got_rate" ]] && awk -v g="$got_rate" -v r="$rate" -v p="$min_rate_pct" \
     'BEGIN { exit !(g < r * p / 100) }'; then
  failures+=("the rate was $got_rate/s, under $min_rate_pct% of $rate/s")
fi
if [[ -z "$warm_at" ]]; then
  failures+=("never warm: $players players were not all tracked after ${warmup_s} s")
else
  rss_limit=$(( base_rss + base_rss * rss_margin / 100 ))
  (( max_rss <= rss_limit )) ||
    failures+=("RSS grew from $base_rss KiB to $max_rss KiB (limit $rss_limit, +$rss_margin%)")
  (( max_sockets <= connections + fd_slack )) ||
    failures+=("$max_sockets sockets open, more than $connections connections + $fd_slack")
  (( max_files == base_files )) ||
    failures+=("descriptors other than sockets went from $base_files to $max_files")
  growth=$(awk -v a="$base_rss" -v b="$max_rss" 'BEGIN { printf "%+.1f%%", (b - a) * 100 / a }')
  echo "soak: warm at ${warm_at}s; VmRSS baseline $base_rss KiB, max after $max_rss KiB ($growth)," \
       "at the end $final_rss KiB; fds at most $base_fds up to then, max after $max_fds" \
       "($max_sockets sockets at most, for $connections simulator connections; $base_files not" \
       "sockets)"
fi
echo "soak: simulator ok ${sim_ok:-?}, failed ${sim_failed:-?}, rate ${got_rate:-?}/s;" \
     "service accepted $accepted_total, failed $failed_total, invalid $invalid_total"

if (( ${#failures[@]} > 0 )); then
  printf 'soak: FAIL: %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "soak: PASS"
if (( keep_out == 0 )); then rm -rf "$out"; fi
