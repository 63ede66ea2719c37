#!/usr/bin/env bash
# Container smoke test: builds the image with docker-compose, runs it, and checks it as a user
# and an orchestrator would, over loopback only:
#   - the image: runtime size, non-root user, no network needed (a run with --network none
#     turns healthy)
#   - compose: build, up -d (a project of its own, a free host port on 127.0.0.1), healthy
#   - the player page, hls.js, the sample stream (master playlist, a variant, a segment),
#     /api/dashboard, /healthz, /readyz; JSON logs; the data volume is writable; the capacity
#     sized from compose's open-file limit (the "capacity:" log line)
#   - signed webhook heartbeats (HMAC-SHA3-256, as Momento signs) counted by /api/dashboard,
#     and a badly signed one refused
#   - docker-compose restart comes back healthy; whether the state survived is reported
#     (the players are kept in STREAMPULSE_DATA_DIR on the named volume)
#   - in Chromium (test/e2e/smoke.mjs): the page plays the sample with a viewer count of 1 and
#     the dashboard shows that viewer
#   - docker-compose stop: SIGTERM, graceful stop, exit code 0
# `docker-compose down -v` always runs at the end.
#
# When Docker cannot be used here (scripts/lib/docker-engine.sh says why), prints
# "container smoke test SKIPPED: <reason>" and exits 0, or 1 with REQUIRE_DOCKER=1.
# Exits non-zero on a failed check, with the container's logs printed.
#
#   REQUIRE_DOCKER=1   fail instead of skipping when Docker cannot be used
#   SKIP_CONTAINER_SMOKE=1  skip on purpose (prints SKIPPED, exits 0)
#   SMOKE_PORT=N       host port to publish on [a free one]
#   SMOKE_KEEP=1       leave the compose project up at the end (for a look); `down -v` it yourself
#   STREAMPULSE_BUILD_CA_CERTS  PEM of extra CAs for the image build's npm downloads
#                      [the files in /usr/local/share/ca-certificates, if any]
# Usage: scripts/container-smoke-test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/compose-smoke.sh

passed=0
failed=0
skipped=0
project="spsmoke$$"
offline_name="${project}-offline"
started_at=$SECONDS
compose=()
envfile=""
cid=""

say() { echo "smoke: $*"; }
pass() { passed=$((passed + 1)); echo "  PASS  $*"; }
skip_step() { skipped=$((skipped + 1)); echo "  SKIPPED  $*"; }

logs() {
  [[ ${#compose[@]} -gt 0 ]] || return 0
  echo "----- container logs (docker-compose logs) -----"
  "${compose[@]}" logs --no-color --tail=200 2>&1 || true
  echo "------------------------------------------------"
}

fail() {
  failed=$((failed + 1))
  echo "  FAIL  $*"
  logs
  echo "container smoke test: $passed passed, $failed failed, $skipped skipped"
  exit 1
}

cleanup() {
  local rc=$?
  set +e
  if [[ ${#compose[@]} -gt 0 ]]; then
    if [[ "${SMOKE_KEEP:-0}" == 1 ]]; then
      say "SMOKE_KEEP=1: leaving project $project up (${compose[*]} down -v)"
    else
      "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1
    fi
  fi
  docker rm -f "$offline_name" >/dev/null 2>&1
  [[ -n "$envfile" ]] && rm -f "$envfile"
  docker_engine_release
  exit $rc
}

# --- Can Docker be used here? ----------------------------------------------------------------
if [[ "${SKIP_CONTAINER_SMOKE:-0}" == 1 ]]; then
  echo "container smoke test SKIPPED: SKIP_CONTAINER_SMOKE=1"
  exit 0
fi
for tool in curl openssl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "smoke: $tool is needed (Debian: apt-get install $tool)" >&2; exit 1; }
done
trap cleanup EXIT
smoke_engine_or_skip "container smoke test"

# Port: the one given, or a free one; published on loopback only.
port="$(smoke_port)" || fail "no free port found"
base="http://127.0.0.1:$port"

secret="smoke-secret-$RANDOM$RANDOM"
# An env file of its own: a developer's .env does not change what is tested.
envfile="$(mktemp /tmp/streampulse-smoke-env.XXXXXX)"
cat >"$envfile" <<EOF
COMPOSE_PROFILES=embedded
STREAMPULSE_BIND=127.0.0.1
STREAMPULSE_PORT=$port
STREAMPULSE_BACKEND=embedded
STREAMPULSE_WEBHOOK_SECRET=$secret
STREAMPULSE_ADMIN_TOKEN=smoke-admin-$RANDOM$RANDOM
STREAMPULSE_LOG_FORMAT=json
EOF
smoke_compose_env
compose=("${compose_cmd[@]}" --project-name "$project" --env-file "$envfile" -f docker-compose.yml)

# --- Helpers (no `producer | grep -q` pipes: under pipefail an early-closing reader fails them)
# wait_healthy CONTAINER SECONDS: fails when unhealthy, exited, or not healthy in time.
wait_healthy() {
  local c="$1" limit="$2" t0=$SECONDS h
  while true; do
    h="$(health "$c")"
    case "$h" in
      "healthy running") return 0 ;;
      unhealthy*) echo "  container $c is unhealthy"; return 1 ;;
      *" exited"|*" dead") echo "  container $c stopped: $h"; return 1 ;;
    esac
    if (( SECONDS - t0 >= limit )); then echo "  not healthy after ${limit} s: $h"; return 1; fi
    sleep 1
  done
}

# get PATH: body on stdout, fails unless 200.
get() {
  local out code
  out="$(mktemp)"
  code="$(curl -sS -o "$out" -w '%{http_code}' --max-time 10 "$base$1")" || code="curl-error"
  if [[ "$code" != 200 ]]; then
    rm -f "$out"
    echo "GET $1 answered $code" >&2
    return 1
  fi
  cat "$out"
  rm -f "$out"
}

# first_uri PLAYLIST: its first line that is not a tag or comment (a variant or a segment).
first_uri() {
  local line
  while IFS= read -r line; do
    line="${line%$'\r'}"
    if [[ -n "$line" && "$line" != "#"* ]]; then
      echo "$line"
      return 0
    fi
  done <<<"$1"
  return 1
}

# webhook PLAYER_ID [SECRET]: posts a signed heartbeat event; prints the HTTP status.
webhook() {
  local player="$1" key="${2:-$secret}" now body sig
  now="$(date +%s%3N)"
  body='{"cache":"video","topic":"stream","event_timestamp":'"$now"',"publish_timestamp":'"$now"',"topic_sequence_number":1,"token_id":"","text":"{\"playerId\":\"'"$player"'\",\"bitrate\":1000,\"playTime\":5}"}'
  sig="$(printf '%s' "$body" | openssl dgst -sha3-256 -hmac "$key" | sed 's/^.*= //')"
  curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -H "momento-signature: $sig" \
    -H 'content-type: application/json' --data-binary "$body" "$base/webhook" || echo "curl-error"
}

# --- Build -----------------------------------------------------------------------------------
say "engine: $(smoke_engine_versions)"
say "building streampulse:local (${compose[*]} build); the first build compiles for about 10 min"
t0=$SECONDS
if ! "${compose[@]}" build --force-rm >/tmp/streampulse-smoke-build.log 2>&1; then
  tail -n 60 /tmp/streampulse-smoke-build.log
  fail "docker-compose build (full log: /tmp/streampulse-smoke-build.log)"
fi
size_bytes="$(docker image inspect -f '{{.Size}}' streampulse:local)"
pass "docker-compose build in $((SECONDS - t0)) s; image streampulse:local is $((size_bytes / 1000000)) MB ($size_bytes bytes)"

user="$(docker image inspect -f '{{.Config.User}}' streampulse:local)"
[[ -n "$user" && "$user" != root && "$user" != 0 && "$user" != 0:* ]] ||
  fail "the image runs as root (User='$user')"
pass "image runs as user $user"

# --- No network at run time ------------------------------------------------------------------
docker run -d --name "$offline_name" --network none streampulse:local >/dev/null ||
  fail "docker run --network none"
wait_healthy "$offline_name" 60 || fail "a container without network did not turn healthy"
docker rm -f "$offline_name" >/dev/null
pass "healthy with --network none (needs no network at run time)"

# --- Up ----------------------------------------------------------------------------------------
t0=$SECONDS
up_log="$(mktemp /tmp/streampulse-smoke-up.XXXXXX)"
if ! "${compose[@]}" up -d >"$up_log" 2>&1; then
  tail -n 20 "$up_log"  # compose's own reason (a bad option, a limit the engine refused...)
  fail "docker-compose up -d"
fi
rm -f "$up_log"
cid="$("${compose[@]}" ps -q streampulse)"
[[ -n "$cid" ]] || fail "no container for the service streampulse"
wait_healthy "$cid" 90 || fail "the service did not turn healthy"
pass "docker-compose up: healthy in $((SECONDS - t0)) s on $base"

# --- Pages, assets, media, API ---------------------------------------------------------------
page="$(get /)" || fail "GET /"
[[ "$page" == *"<video"* && "$page" == *"/static/vendor/hls.min.js"* ]] || fail "GET / is not the player page"
pass "GET / is the player page"

hls_size="$(get /static/vendor/hls.min.js | wc -c)" || fail "GET /static/vendor/hls.min.js"
(( hls_size > 100000 )) || fail "hls.min.js is only $hls_size bytes"
get /static/vendor/chart.umd.min.js >/dev/null || fail "GET /static/vendor/chart.umd.min.js"
dash_page="$(get /dashboard)" || fail "GET /dashboard"
[[ "$dash_page" == *chart.umd.min.js* ]] || fail "GET /dashboard is not the dashboard page"
pass "GET /static/vendor/hls.min.js ($hls_size bytes), chart.umd.min.js, /dashboard"

master="$(get /media/sample/master.m3u8)" || fail "GET /media/sample/master.m3u8"
[[ "$master" == "#EXTM3U"* ]] || fail "master.m3u8 is not an HLS playlist"
variant="$(first_uri "$master")" || fail "master.m3u8 names no variant"
playlist="$(get "/media/sample/$variant")" || fail "GET /media/sample/$variant"
segment="$(first_uri "$playlist")" || fail "$variant names no segment"
seg_size="$(get "/media/sample/$(dirname "$variant")/$segment" | wc -c)"
(( seg_size > 10000 )) || fail "segment $segment is only $seg_size bytes"
pass "sample stream: master.m3u8, $variant, $segment ($seg_size bytes)"

get /healthz >/dev/null || fail "GET /healthz"
ready="$(get /readyz)" || fail "GET /readyz"
dash="$(get /api/dashboard)" || fail "GET /api/dashboard"
[[ "$(field "$dash" players total)" == 0 ]] || fail "a new service reports players: $dash"
pass "/healthz, /readyz ($ready), /api/dashboard (no players yet)"

# --- Logs, user, data volume -----------------------------------------------------------------
container_logs="$(docker logs "$cid" 2>&1)"
first_line="${container_logs%%$'\n'*}"
[[ "$first_line" == '{"time":'*'"msg":'*'}' ]] || fail "STREAMPULSE_LOG_FORMAT=json, but a log line is: $first_line"
[[ "$container_logs" == *'players from /var/lib/streampulse'* ]] ||
  fail "no log line about restoring the players from STREAMPULSE_DATA_DIR"
uid="$(docker exec "$cid" id -u)"
[[ "$uid" != 0 ]] || fail "the service runs as root"
docker exec "$cid" sh -c 'test -d "$STREAMPULSE_DATA_DIR" && test -w "$STREAMPULSE_DATA_DIR"' ||
  fail "STREAMPULSE_DATA_DIR is not a writable folder for uid $uid"
pass "JSON logs; runs as uid $uid; /var/lib/streampulse (volume streampulse-data) is writable"

# The open-file limit compose sets (ulimits, STREAMPULSE_NOFILE) sizes the capacity, logged once.
nofile=16384  # compose's default: the caller's STREAMPULSE_* variables are cleared above
capacity="capacity: $((nofile - 64)) connections, $(((nofile - 64) / 2)) long-polls"
[[ "$container_logs" == *"$capacity"*"(open-file limit $nofile"* ]] ||
  fail "no '$capacity ... (open-file limit $nofile' log line: $(grep -o '"msg":"capacity[^"]*"' <<<"$container_logs")"
pass "$capacity (open-file limit $nofile, from compose's ulimits)"

# --- Signed webhook heartbeats ---------------------------------------------------------------
for p in smoke1 smoke2 smoke3; do
  code="$(webhook "$p")"
  [[ "$code" == 204 ]] || fail "signed webhook for $p answered $code, not 204"
done
code="$(webhook smoke4 wrong-secret)"
[[ "$code" == 401 ]] || fail "a webhook signed with the wrong secret answered $code, not 401"
dash="$(get /api/dashboard)" || fail "GET /api/dashboard"
total="$(field "$dash" players total)"
play="$(field "$dash" playTime total)"
rate="$(field "$dash" bitrates average)"
[[ "$total" == 3 && "$play" == 15 && "$rate" == 1000 ]] ||
  fail "after 3 heartbeats /api/dashboard says: $dash"
pass "3 signed heartbeats counted (players.total 3, playTime.total 15, bitrates.average 1000); bad signature 401"

# --- Restart ---------------------------------------------------------------------------------
before="$(docker inspect -f '{{.State.StartedAt}}' "$cid")"
t0=$SECONDS
"${compose[@]}" restart >/dev/null 2>&1 || fail "docker-compose restart"
for _ in $(seq 30); do
  [[ "$(docker inspect -f '{{.State.StartedAt}}' "$cid")" != "$before" ]] && break
  sleep 1
done
[[ "$(docker inspect -f '{{.State.StartedAt}}' "$cid")" != "$before" ]] || fail "the container did not restart"
wait_healthy "$cid" 90 || fail "not healthy after docker-compose restart"
pass "docker-compose restart: healthy again in $((SECONDS - t0)) s"

dash="$(get /api/dashboard)" || fail "GET /api/dashboard after restart"
after_total="$(field "$dash" players total)"
if [[ "$after_total" == 3 ]]; then
  pass "state survived the restart (players.total 3)"
else
  fail "state lost across the restart: players.total $total before, ${after_total:-?} after"
fi

# --- In a browser ----------------------------------------------------------------------------
# What a person sees: the page plays the sample with a count of 1, the dashboard shows that
# viewer. The heartbeats above are past the active window by now.
if [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" && -d node_modules/playwright-core ]]; then
  if out="$(STREAMPULSE_URL="$base" node test/e2e/smoke.mjs 2>&1)"; then
    echo "$out"
    pass "in Chromium: the player plays with a viewer count of 1 and the dashboard shows it"
  else
    echo "$out"
    fail "the browser check against the container"
  fi
else
  skip_step "the browser check (needs Chromium and npm's playwright-core: ./scripts/test.sh installs them)"
fi

# --- Graceful stop -----------------------------------------------------------------------------
t0=$SECONDS
"${compose[@]}" stop >/dev/null 2>&1 || fail "docker-compose stop"
code="$(docker inspect -f '{{.State.ExitCode}}' "$cid")"
[[ "$code" == 0 ]] || fail "after SIGTERM the service exited with $code, not 0"
container_logs="$(docker logs "$cid" 2>&1)"
[[ "$container_logs" == *'"msg":"stopped"'* ]] || fail "no 'stopped' log line after SIGTERM"
pass "docker-compose stop: SIGTERM, exit code 0 in $((SECONDS - t0)) s"

say "done in $((SECONDS - started_at)) s"
echo "container smoke test: $passed passed, $failed failed, $skipped skipped"
