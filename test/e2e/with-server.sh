#!/usr/bin/env bash
# Runs the browser tests against a freshly started streampulse on loopback:
#   1. makes the sample stream (scripts/make-sample-media.sh) and the vendored page assets
#      (scripts/vendor-assets.sh) when they are missing,
#   2. starts `streampulse serve` on 127.0.0.1:$E2E_PORT with the sample media and an admin token,
#   3. runs the agent and heartbeat-schedule unit tests, test/e2e/run.mjs and the other checks
#      (quality, agent names, streams, viewers, dashboard truth, accessibility) against it,
#   4. stops the server it started (and only that one).
#
#   STREAMPULSE_BIN  the binary [the first of build/streampulse, build-*/streampulse]
#   E2E_PORT         the port [18480]
# The server's log goes to test-artifacts/e2e-server.log, screenshots to test-artifacts/.
# Usage: test/e2e/with-server.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

bin="${STREAMPULSE_BIN:-}"
if [[ -z "$bin" ]]; then
  for candidate in build/streampulse build-*/streampulse; do
    if [[ -x "$candidate" ]]; then bin="$candidate"; break; fi
  done
fi
if [[ -z "$bin" || ! -x "$bin" ]]; then
  echo "with-server: no streampulse binary (build it, or set STREAMPULSE_BIN)" >&2
  exit 1
fi
port="${E2E_PORT:-18480}"
url="http://127.0.0.1:$port"

bash scripts/make-sample-media.sh
bash scripts/vendor-assets.sh

mkdir -p test-artifacts
log="test-artifacts/e2e-server.log"
admin="e2e-admin-$RANDOM$RANDOM"

if curl -fsS -o /dev/null "$url/healthz" 2>/dev/null; then
  echo "with-server: something already answers on $url; set E2E_PORT to a free port" >&2
  exit 1
fi

STREAMPULSE_LISTEN="127.0.0.1:$port" \
STREAMPULSE_MEDIA_DIR="$root/media" \
STREAMPULSE_STATIC_DIR="$root/static" \
STREAMPULSE_ADMIN_TOKEN="$admin" \
STREAMPULSE_LOG_LEVEL="${STREAMPULSE_LOG_LEVEL:-info}" \
  "$bin" serve >"$log" 2>&1 &
server_pid=$!
stop_server() {
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" 2>/dev/null || true
}
trap stop_server EXIT

for _ in $(seq 100); do
  if curl -fsS -o /dev/null "$url/api/dashboard" 2>/dev/null; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "with-server: $bin exited at start; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "with-server: $bin serving on $url (pid $server_pid, log $log)"

status=0
node --test test/e2e/agent.test.mjs test/e2e/heartbeat.test.mjs || status=1
STREAMPULSE_URL="$url" E2E_ADMIN_TOKEN="$admin" node test/e2e/run.mjs || status=1
STREAMPULSE_URL="$url" node test/e2e/quality.mjs || status=1
STREAMPULSE_URL="$url" E2E_ADMIN_TOKEN="$admin" node test/e2e/agent-names.mjs || status=1
STREAMPULSE_URL="$url" E2E_ADMIN_TOKEN="$admin" node test/e2e/streams.mjs || status=1
STREAMPULSE_URL="$url" node test/e2e/viewers.mjs || status=1
STREAMPULSE_URL="$url" E2E_ADMIN_TOKEN="$admin" node test/e2e/dashboard-truth.mjs || status=1
STREAMPULSE_URL="$url" E2E_ADMIN_TOKEN="$admin" node test/e2e/a11y.mjs || status=1
if [[ $status -ne 0 ]]; then
  echo "with-server: failures; last lines of the server log:" >&2
  tail -n 30 "$log" >&2 || true
fi
exit $status
