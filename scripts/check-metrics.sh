#!/usr/bin/env bash
# Checks what operators scrape and load: starts the real binary, sends signed webhook
# heartbeats (`streampulse simulate`), touches a few routes, fetches /metrics and runs
# `promtool check metrics` on it (any lint problem fails); then `promtool check rules` on
# deploy/monitoring/streampulse-alerts.yml, checks that every streampulse_/process_ name the
# rules and the dashboard use is one /metrics has, and that the dashboard JSON parses.
# promtool comes from Debian's `prometheus` package (scripts/lib/deps.sh); no server is started.
#
# Usage: scripts/check-metrics.sh     (CHECK_METRICS_BIN=build/streampulse by default)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bin="${CHECK_METRICS_BIN:-build/streampulse}"
rules=deploy/monitoring/streampulse-alerts.yml
dashboard=deploy/monitoring/grafana-dashboard.json
for tool in promtool curl python3; do
  command -v "$tool" >/dev/null || { echo "check-metrics: $tool missing" >&2; exit 1; }
done
[[ -x "$bin" ]] || { echo "check-metrics: no binary at $bin" >&2; exit 1; }

out="$(mktemp -d -t streampulse-metrics.XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
secret="check-metrics-$RANDOM$RANDOM"

"$bin" serve --listen "127.0.0.1:$port" --webhook-secret "$secret" --log-level warn \
  >"$out/server.log" 2>&1 &
server_pid=$!
cleanup() {
  kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$out"
}
trap cleanup EXIT

for _ in $(seq 100); do
  curl -fsS -o /dev/null "$url/healthz" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null "$url/readyz"

# Signed heartbeats: players with quality fields, so the summaries have samples too.
"$bin" simulate --webhook "$url/webhook" --secret "$secret" --players 5 --interval-ms 250 \
  --duration 2 --seed 7 >"$out/simulate.log" 2>&1 || {
  cat "$out/simulate.log" >&2
  exit 1
}
# One heartbeat with every quality field (the simulator sends bitrate only), signed like
# Momento's webhook (HMAC-SHA3-256 of the body, hex), so each summary has samples.
python3 - "$url/webhook" "$secret" <<'PY'
import hashlib, hmac, json, sys, time, urllib.request
now = int(time.time() * 1000)
beat = {"playerId": "check-metrics-1", "bitrate": 2000, "playTime": 10, "state": "playing",
        "rebufferCount": 1, "rebufferMs": 300, "startupMs": 800, "throughputBps": 5000000,
        "droppedFrames": 2, "errors": 0}
body = json.dumps({"cache": "video", "topic": "stream", "event_timestamp": now,
                   "publish_timestamp": now, "topic_sequence_number": 1, "token_id": "",
                   "text": json.dumps(beat)}).encode()
sig = hmac.new(sys.argv[2].encode(), body, hashlib.sha3_256).hexdigest()
req = urllib.request.Request(sys.argv[1], body, {"momento-signature": sig,
                                                 "content-type": "application/json"})
urllib.request.urlopen(req, timeout=5)
PY
curl -fsS -o /dev/null "$url/api/dashboard"
curl -fsS -o /dev/null "$url/api/history"
curl -fsS -o /dev/null "$url/metrics"
curl -fsS "$url/metrics" >"$out/metrics.txt"

echo "check-metrics: $(grep -vc '^#' "$out/metrics.txt") samples from $url/metrics"
for family in streampulse_heartbeats_accepted_total streampulse_startup_seconds \
  streampulse_throughput_bps streampulse_bitrate_kbps; do
  awk -v f="$family" '($1 == f || index($1, f "{") == 1) && $2 > 0 { ok = 1 } END { exit !ok }' \
    "$out/metrics.txt" || {
    echo "check-metrics: no sample of $family above 0" >&2
    exit 1
  }
done
# promtool prints problems and exits non-zero on any; be strict about empty output too.
problems="$(promtool check metrics <"$out/metrics.txt" 2>&1)" || {
  echo "check-metrics: promtool check metrics:" >&2
  echo "$problems" >&2
  exit 1
}
[[ -z "$problems" ]] || { echo "$problems" >&2; exit 1; }
echo "check-metrics: promtool check metrics: clean"

promtool check rules "$rules"
python3 -m json.tool "$dashboard" >/dev/null
echo "check-metrics: $dashboard parses"

# Every metric name the rules and the dashboard use must be one /metrics has (histogram and
# summary series by their family name).
# streampulse_memory_limit_bytes is served only under a cgroup memory limit.
{ awk '/^# TYPE/ { print $3 }' "$out/metrics.txt"; echo streampulse_memory_limit_bytes; } |
  sort -u >"$out/names"
grep -ohE '\b(streampulse|process)_[a-z0-9_]+' "$rules" "$dashboard" | sort -u |
  sed -E 's/_(bucket|sum|count)$//' | sort -u >"$out/used"
unknown="$(comm -23 "$out/used" "$out/names")"
if [[ -n "$unknown" ]]; then
  echo "check-metrics: names used in $rules or $dashboard but not in /metrics:" >&2
  echo "$unknown" >&2
  exit 1
fi
echo "check-metrics: the rules and the dashboard use $(wc -l <"$out/used") names, all served"
