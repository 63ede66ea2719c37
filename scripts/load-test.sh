#!/usr/bin/env bash
# Load test (CI): the real binary on a free loopback port with its default settings, and
# `streampulse simulate` as a real
# audience (every viewer its own token, heartbeats every 750 ms and the count long-poll) with
# --expect-exact: after the warm-up every sampled viewer must see exactly the number of viewers
# watching, and no heartbeat may fail or be refused. Prints the simulator's JSON report; fails on
# its non-zero exit, or when the service dies or does not stop cleanly. Assertions are on
# correctness, not timing.
#
# The service's per-address bounds (tokens, long-polls per client) hold as they are: the
# simulator connects each viewer from its own loopback address (127.1.0.1 upwards), and the
# service sizes its connection and long-poll caps from its open-file limit.
#
# Usage: scripts/load-test.sh
#   LOAD_PLAYERS   viewers [3000]        LOAD_SECONDS   seconds [20]
#   LOAD_BIN       the binary [build/streampulse]
#   LOAD_PORT      the port [a free one]
#   LOAD_THREADS   the service's --threads [0: one per core]
#   LOAD_CHURN_MS  --churn-every for the simulator [0: none]
#   LOAD_OUT       where the logs and the report go [a temp dir, removed after a pass]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

players="${LOAD_PLAYERS:-3000}"
seconds="${LOAD_SECONDS:-20}"
bin="${LOAD_BIN:-build/streampulse}"
threads="${LOAD_THREADS:-0}"
churn="${LOAD_CHURN_MS:-0}"
out="${LOAD_OUT:-}"
keep_out=1
if [[ -z "$out" ]]; then
  out="$(mktemp -d -t streampulse-load.XXXXXX)"
  keep_out=0
fi
mkdir -p "$out"
if [[ ! -x "$bin" ]]; then
  echo "load-test: no binary at $bin (build it, or set LOAD_BIN)" >&2
  exit 1
fi
port="${LOAD_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
url="http://127.0.0.1:$port"
if curl -fsS -o /dev/null "$url/healthz" 2>/dev/null; then
  echo "load-test: something already answers on $url; set LOAD_PORT to a free port" >&2
  exit 1
fi

echo "load-test: $players viewers for $seconds s against $url (threads $threads); out $out"
STREAMPULSE_LOG_LEVEL=warn "$bin" serve --listen "127.0.0.1:$port" --threads "$threads" \
  >"$out/server.log" 2>&1 &
server_pid=$!
cleanup() {
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
  echo "load-test: the service did not start" >&2
  cat "$out/server.log" >&2
  exit 1
fi

sim_status=0
"$bin" simulate --target "$url" --players "$players" --duration "$seconds" --expect-exact \
  --churn-every "$churn" --json "$out/report.json" 2> >(tee "$out/simulate.log" >&2) ||
  sim_status=$?

echo "load-test: the simulator's report ($out/report.json):"
python3 -m json.tool "$out/report.json" 2>/dev/null || cat "$out/report.json" || true
curl -fsS "$url/metrics" 2>/dev/null |
  grep -E '^streampulse_(heartbeats_accepted_total|requests_total\{route="topics_publish"|refusals_total)' \
    >"$out/metrics.txt" || true
echo "load-test: the service's counters after the run:"
cat "$out/metrics.txt"

server_status=0
kill -TERM "$server_pid" 2>/dev/null || true
wait "$server_pid" || server_status=$?

failures=()
(( sim_status == 0 )) || failures+=("the simulator exited with $sim_status (see its 'result:' lines)")
(( server_status == 0 )) || failures+=("the service exited with $server_status after SIGTERM")
if (( ${#failures[@]} > 0 )); then
  printf 'load-test: FAIL: %s\n' "${failures[@]}" >&2
  echo "load-test: logs kept in $out" >&2
  exit 1
fi
echo "load-test: PASS"
if (( keep_out == 0 )); then rm -rf "$out"; fi
