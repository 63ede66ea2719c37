#!/usr/bin/env bash
# The browser test on the Momento backend: starts the fake Momento (test/fake_momento) and
# streampulse with STREAMPULSE_BACKEND=momento, a v1 key and STREAMPULSE_MOMENTO_BASE_URL at the
# fake, then runs test/e2e/momento.mjs: the player page plays and shows the count while its
# topic traffic goes to the fake, not to the service; then test/e2e/streams.mjs on Momento (two
# streams, the overview and each drill-down). Stops both processes it started.
#
#   STREAMPULSE_BIN  the service binary [build/streampulse]
#   FAKE_MOMENTO_BIN the fake [build/test/fake_momento]
#   E2E_MOMENTO_PORT the service's port [18481]
# Logs: test-artifacts/e2e-momento-{service,fake}.log
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
bin="${STREAMPULSE_BIN:-build/streampulse}"
fake_bin="${FAKE_MOMENTO_BIN:-$(dirname "$bin")/test/fake_momento}"
port="${E2E_MOMENTO_PORT:-18481}"
url="http://127.0.0.1:$port"
for b in "$bin" "$fake_bin"; do
  [[ -x "$b" ]] || { echo "with-fake-momento: $b is missing (build it first)" >&2; exit 1; }
done
bash scripts/make-sample-media.sh
bash scripts/vendor-assets.sh
mkdir -p test-artifacts
fake_log="test-artifacts/e2e-momento-fake.log"
log="test-artifacts/e2e-momento-service.log"

pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap stop_all EXIT

"$fake_bin" --listen 127.0.0.1:0 --cache video --long-poll-ms 5000 >"$fake_log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '^MOMENTO_API_KEY=' "$fake_log" && break; sleep 0.05; done
fake_url="http://$(sed -n 's/^listening on //p' "$fake_log")"
api_key="$(sed -n 's/^MOMENTO_API_KEY=//p' "$fake_log")"
[[ -n "$api_key" ]] || { echo "with-fake-momento: the fake did not start:" >&2; cat "$fake_log" >&2; exit 1; }

STREAMPULSE_LISTEN="127.0.0.1:$port" \
STREAMPULSE_BACKEND=momento \
MOMENTO_API_KEY="$api_key" \
STREAMPULSE_MOMENTO_BASE_URL="$fake_url" \
STREAMPULSE_MEDIA_DIR="$root/media" \
STREAMPULSE_STATIC_DIR="$root/static" \
STREAMPULSE_LOG_LEVEL=info \
STREAMPULSE_ADMIN_TOKEN=e2e-momento-admin \
  "$bin" serve >"$log" 2>&1 &
pids+=($!)
ready=0
for _ in $(seq 100); do
  curl -fsS -o /dev/null "$url/readyz" 2>/dev/null && { ready=1; break; }
  sleep 0.1
done
if [[ $ready -ne 1 ]]; then
  echo "with-fake-momento: the service never became ready on $url; its log:" >&2
  cat "$log" >&2
  exit 1
fi
echo "with-fake-momento: service on $url, fake Momento on $fake_url"

status=0
STREAMPULSE_URL="$url" FAKE_MOMENTO_URL="$fake_url" node test/e2e/momento.mjs || status=1
# Several streams on Momento: two streams, players on each, the overview and each drill-down.
STREAMPULSE_URL="$url" E2E_ADMIN_TOKEN=e2e-momento-admin node test/e2e/streams.mjs || status=1
if [[ $status -ne 0 ]]; then
  echo "--- service log" >&2; tail -n 30 "$log" >&2 || true
  echo "--- fake log" >&2; tail -n 10 "$fake_log" >&2 || true
fi
exit $status
