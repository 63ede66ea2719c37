#!/usr/bin/env bash
# Compose smoke test of docker-compose.yml's redis profile (Redis, three streampulse instances on the Redis
# backend, nginx in front), used as a user would, through the load balancer only, over loopback:
#   - build (the service image's cache from the container smoke test is reused), up -d (a
#     project of its own, a free host port on 127.0.0.1 via STREAMPULSE_PORT); Redis and the
#     three instances healthy (/readyz), the load balancer answering
#   - 12 viewers: GET /api/player-config, then heartbeats POSTed to /topics/video/stream with
#     each viewer's token, every 500 ms; they land on at least two instances (each instance's
#     /metrics, read with docker-compose exec)
#   - /api/dashboard read several times through the load balancer (so from different
#     instances): players active 12, total 12 every time; a long-poll of /topics/video/viewerCount
#     reads 12
#   - failover: the instance holding the count duty (streampulse_count_publisher 1) is killed
#     (docker-compose kill: SIGKILL) while the heartbeats go on; within 5 s another instance holds
#     the duty, and a long-poll through the load balancer still answers with a count
# `docker-compose down -v` always runs at the end. Timings are printed.
#
# When Docker cannot be used here (scripts/lib/docker-engine.sh says why), prints
# "compose redis smoke test SKIPPED: <reason>" and exits 0, or 1 with REQUIRE_DOCKER=1.
# Exits non-zero on a failed check, with the containers' logs printed.
#
#   REQUIRE_DOCKER=1   fail instead of skipping when Docker cannot be used
#   SKIP_CONTAINER_SMOKE=1 or SKIP_COMPOSE_REDIS_SMOKE=1   skip on purpose (prints SKIPPED, exits 0)
#   SMOKE_PORT=N       host port of the load balancer [a free one]
#   SMOKE_KEEP=1       leave the compose project up at the end (for a look); `down -v` it yourself
#   STREAMPULSE_BUILD_CA_CERTS  PEM of extra CAs for the image build's npm downloads
#                      [the files in /usr/local/share/ca-certificates, if any]
# Usage: scripts/compose-redis-smoke.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/compose-smoke.sh

passed=0
failed=0
project="spredis$$"
started_at=$SECONDS
compose=()
envfile=""
workdir=""
hb_pid=""
viewers=12
instances=(streampulse-1 streampulse-2 streampulse-3)

say() { echo "compose-redis: $*"; }
pass() { passed=$((passed + 1)); echo "  PASS  $*"; }

logs() {
  [[ ${#compose[@]} -gt 0 ]] || return 0
  echo "----- container logs (docker-compose logs) -----"
  "${compose[@]}" logs --no-color --tail=80 2>&1 || true
  echo "------------------------------------------------"
}

fail() {
  failed=$((failed + 1))
  echo "  FAIL  $*"
  logs
  echo "compose redis smoke test: $passed passed, $failed failed"
  exit 1
}

cleanup() {
  local rc=$?
  set +e
  [[ -n "$hb_pid" ]] && kill "$hb_pid" 2>/dev/null && wait "$hb_pid" 2>/dev/null
  if [[ ${#compose[@]} -gt 0 ]]; then
    if [[ "${SMOKE_KEEP:-0}" == 1 ]]; then
      say "SMOKE_KEEP=1: leaving project $project up (${compose[*]} down -v)"
    else
      "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1
    fi
  fi
  [[ -n "$envfile" ]] && rm -f "$envfile"
  [[ -n "$workdir" ]] && rm -rf "$workdir"
  docker_engine_release
  exit $rc
}

# --- Can Docker be used here? ----------------------------------------------------------------
for knob in SKIP_CONTAINER_SMOKE SKIP_COMPOSE_REDIS_SMOKE; do
  if [[ "${!knob:-0}" == 1 ]]; then
    echo "compose redis smoke test SKIPPED: $knob=1"
    exit 0
  fi
done
command -v curl >/dev/null 2>&1 || { echo "compose-redis: curl is needed (Debian: apt-get install curl)" >&2; exit 1; }
trap cleanup EXIT
smoke_engine_or_skip "compose redis smoke test"

# Port: the one given, or a free one; published on loopback only.
port="$(smoke_port)" || fail "no free port found"
base="http://127.0.0.1:$port"

# An env file of its own: a developer's .env does not change what is tested.
envfile="$(mktemp /tmp/streampulse-compose-redis-env.XXXXXX)"
cat >"$envfile" <<EOF
STREAMPULSE_BIND=127.0.0.1
STREAMPULSE_PORT=$port
EOF
smoke_compose_env  # the container smoke test's build argument: its cache serves here
compose=("${compose_cmd[@]}" --project-name "$project" --env-file "$envfile" -f docker-compose.yml --profile redis)
workdir="$(mktemp -d /tmp/streampulse-compose-redis.XXXXXX)"

# --- Helpers (no `producer | grep -q` pipes: under pipefail an early-closing reader fails them)
wait_healthy() { # wait_healthy SERVICE SECONDS
  local c limit="$2" t0=$SECONDS h
  c="$("${compose[@]}" ps -q "$1")"
  [[ -n "$c" ]] || { echo "  no container for $1"; return 1; }
  while true; do
    h="$(health "$c")"
    case "$h" in
      "healthy running") return 0 ;;
      unhealthy*) echo "  $1 is unhealthy"; return 1 ;;
      *" exited"|*" dead") echo "  $1 stopped: $h"; return 1 ;;
    esac
    if (( SECONDS - t0 >= limit )); then echo "  $1 not healthy after ${limit} s: $h"; return 1; fi
    sleep 1
  done
}

get() { # get PATH [AUTH]: body on stdout, fails unless 200
  local out code auth=()
  [[ -n "${2:-}" ]] && auth=(-H "Authorization: $2")
  out="$workdir/get.$$.$RANDOM"
  code="$(curl -sS -o "$out" -w '%{http_code}' --max-time 35 "${auth[@]}" "$base$1")" || code="curl-error"
  if [[ "$code" != 200 ]]; then
    echo "GET $1 answered $code: $(head -c 300 "$out" 2>/dev/null)" >&2
    rm -f "$out"
    return 1
  fi
  cat "$out"
  rm -f "$out"
}

metrics() { # metrics SERVICE: its /metrics, read inside its container
  "${compose[@]}" exec -T "$1" wget -qO- --no-proxy --tries=1 --timeout=3 http://127.0.0.1:8080/metrics 2>/dev/null
}

metric_value() { # metric_value METRICS_TEXT 'name{labels}': the value, 0 when absent
  local line
  while IFS= read -r line; do
    if [[ "$line" == "$2 "* ]]; then echo "${line##* }"; return 0; fi
  done <<<"$1"
  echo 0
}

# poll_count [SECONDS]: long-polls /topics/video/viewerCount through the load balancer, from
# sequence 0 on, until an answer's last item holds a count; prints that count.
poll_count() {
  local limit="${1:-10}" t0=$SECONDS seq=0 page=0 body n re_text re_seq re_page re_new_seq re_new_page rest
  re_text='"text":"([0-9]+)"'
  re_seq='"topic_sequence_number":([0-9]+)'
  re_page='"sequence_page":([0-9]+)'
  re_new_seq='"new_topic_sequence":([0-9]+)'
  re_new_page='"new_sequence_page":([0-9]+)'
  while (( SECONDS - t0 < limit )); do
    body="$(get "/topics/video/viewerCount?sequence_number=$seq&sequence_page=$page" "${tokens[0]}")" || { sleep 0.5; continue; }
    n=""
    rest="$body"
    while [[ "$rest" =~ $re_text ]]; do n="${BASH_REMATCH[1]}"; rest="${rest#*"${BASH_REMATCH[0]}"}"; done
    rest="$body"
    while [[ "$rest" =~ $re_seq ]]; do seq=$((BASH_REMATCH[1] + 1)); rest="${rest#*"${BASH_REMATCH[0]}"}"; done
    rest="$body"
    while [[ "$rest" =~ $re_page ]]; do page="${BASH_REMATCH[1]}"; rest="${rest#*"${BASH_REMATCH[0]}"}"; done
    # A discontinuity (a new page) names where to go on.
    [[ "$body" =~ $re_new_seq ]] && seq="${BASH_REMATCH[1]}"
    [[ "$body" =~ $re_new_page ]] && page="${BASH_REMATCH[1]}"
    if [[ -n "$n" ]]; then echo "$n"; return 0; fi
  done
  return 1
}

# --- Build -----------------------------------------------------------------------------------
say "engine: $(smoke_engine_versions)"
say "building (${compose[*]} build): Redis and nginx images, and streampulse:local (the container smoke test's cache)"
t0=$SECONDS
build_log=/tmp/streampulse-compose-redis-build.log
# Before `up`: three services share streampulse:local, which compose v1 would otherwise pull.
if ! nice -n 10 "${compose[@]}" build --force-rm >"$build_log" 2>&1; then
  tail -n 60 "$build_log"
  fail "docker-compose build (full log: $build_log)"
fi
pass "docker-compose build in $((SECONDS - t0)) s"

# --- Up --------------------------------------------------------------------------------------
t0=$SECONDS
if ! "${compose[@]}" up -d >"$workdir/up.log" 2>&1; then
  tail -n 20 "$workdir/up.log"
  fail "docker-compose up -d"
fi
for s in redis "${instances[@]}"; do
  wait_healthy "$s" 90 || fail "$s did not turn healthy"
done
for _ in $(seq 30); do
  get /readyz >/dev/null 2>&1 && break
  sleep 0.5
done
get /readyz >/dev/null || fail "the load balancer does not answer /readyz on $base"
pass "docker-compose up: Redis and 3 instances healthy, load balancer answering on $base in $((SECONDS - t0)) s"

# --- Viewers, heartbeats ---------------------------------------------------------------------
t0=$SECONDS
tokens=()
players=()
re_token='"token":"([^"]+)"'
re_player='"playerId":"([^"]+)"'
for i in $(seq "$viewers"); do
  cfg="$(get /api/player-config)" || fail "GET /api/player-config for viewer $i"
  [[ "$cfg" =~ $re_token ]] || fail "no topics.token in /api/player-config: ${cfg:0:300}"
  tokens+=("${BASH_REMATCH[1]}")
  [[ "$cfg" =~ $re_player ]] || fail "no playerId in /api/player-config: ${cfg:0:300}"
  players+=("${BASH_REMATCH[1]}")
done
pass "$viewers viewers got a token from /api/player-config ($((SECONDS - t0)) s)"

# One curl a round for every viewer (--next), in parallel as players send them: each request
# goes to the instance nginx picks, and one that waits (an instance just killed) holds up no other.
heartbeats() {
  local round=0 args i
  while true; do
    round=$((round + 1))
    args=()
    for i in "${!tokens[@]}"; do
      (( i > 0 )) && args+=(--next)
      args+=(-sS -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 5 -X POST
        -H "Authorization: ${tokens[$i]}" -H 'Content-Type: text/plain'
        --data-binary "{\"playerId\":\"${players[$i]}\",\"bitrate\":1000,\"playTime\":$round}"
        "$base/topics/video/stream")
    done
    curl --parallel --parallel-max "${#tokens[@]}" "${args[@]}" >>"$workdir/heartbeats" 2>>"$workdir/heartbeats.err" || true
    sleep 0.5
  done
}
: >"$workdir/heartbeats"
heartbeats &
hb_pid=$!

hb_codes() { # hb_codes: "N sent, M not 204" so far
  local total bad
  total="$(wc -l <"$workdir/heartbeats")"
  bad="$(grep -cv '^204 ' "$workdir/heartbeats" || true)"
  echo "$total $bad"
}

hb_summary() { # hb_summary FROM_LINE: the answers' codes and the slowest, from that line on
  tail -n +"$1" "$workdir/heartbeats" |
    awk '{n[$1]++; if ($2 > max) max = $2} END {for (c in n) printf "%s x%d, ", c, n[c]; printf "slowest %.0f ms", max * 1000}'
}

# The audience through the load balancer: active 12 and total 12 on every read.
t0=$SECONDS
dash=""
for _ in $(seq 40); do
  dash="$(get /api/dashboard)" || true
  [[ "$(field "$dash" players active)" == "$viewers" ]] && break
  sleep 0.25
done
[[ "$(field "$dash" players active)" == "$viewers" ]] ||
  fail "/api/dashboard never showed $viewers active players: ${dash:0:400}"
pass "/api/dashboard shows $viewers active players $((SECONDS - t0)) s after the first heartbeats"
read -r sent bad < <(hb_codes)
[[ "$sent" -gt 0 && "$bad" == 0 ]] || fail "heartbeats: $sent sent, $bad not answered 204: $(hb_summary 1)"

for r in $(seq 6); do
  dash="$(get /api/dashboard)" || fail "GET /api/dashboard (read $r)"
  a="$(field "$dash" players active)"
  t="$(field "$dash" players total)"
  [[ "$a" == "$viewers" && "$t" == "$viewers" ]] ||
    fail "read $r of /api/dashboard: active ${a:-?}, total ${t:-?}, not $viewers/$viewers: ${dash:0:400}"
done
pass "6 reads of /api/dashboard through the load balancer: active $viewers, total $viewers every time"

# Where the heartbeats and the dashboard reads landed (each instance's own /metrics).
with_hb=0
spread=""
for s in "${instances[@]}"; do
  m="$(metrics "$s")" || fail "docker-compose exec $s wget /metrics"
  hb="$(metric_value "$m" 'streampulse_requests_total{route="topics_publish",code="204"}')"
  ds="$(metric_value "$m" 'streampulse_requests_total{route="dashboard",code="200"}')"
  spread+=" $s: $hb heartbeats, $ds dashboard reads;"
  (( hb > 0 )) && with_hb=$((with_hb + 1))
done
(( with_hb >= 2 )) || fail "the heartbeats did not spread over the instances:$spread"
pass "heartbeats received by $with_hb instances:$spread"

t0=$SECONDS
count="$(poll_count 10)" || fail "no count from a long-poll of /topics/video/viewerCount within 10 s"
[[ "$count" == "$viewers" ]] || fail "the long-poll of /topics/video/viewerCount read $count, not $viewers"
pass "long-poll of /topics/video/viewerCount through the load balancer reads $count ($((SECONDS - t0)) s)"

# --- Failover of the count duty --------------------------------------------------------------
holder=""
holders=0
for s in "${instances[@]}"; do
  m="$(metrics "$s")" || fail "docker-compose exec $s wget /metrics"
  if [[ "$(metric_value "$m" streampulse_count_publisher)" == 1 ]]; then
    holder="$s"
    holders=$((holders + 1))
  fi
done
[[ "$holders" == 1 ]] || fail "$holders instances hold the count duty, not 1"
pass "$holder holds the count duty (streampulse_count_publisher 1)"

# The others are watched with plain `docker exec` (docker-compose's own start-up is about 0.5 s),
# from the moment the engine saw the holder die.
others=()
for s in "${instances[@]}"; do
  [[ "$s" == "$holder" ]] || others+=("$s" "$("${compose[@]}" ps -q "$s")")
done
holder_cid="$("${compose[@]}" ps -q "$holder")"
read -r sent_before _ < <(hb_codes)
"${compose[@]}" kill "$holder" >/dev/null 2>&1 || fail "docker-compose kill $holder"
t_kill="$(date -d "$(docker inspect -f '{{.State.FinishedAt}}' "$holder_cid")" +%s%3N)"
new_holder=""
while (( $(date +%s%3N) - t_kill < 8000 )); do
  for ((k = 0; k < ${#others[@]}; k += 2)); do
    m="$(docker exec "${others[k + 1]}" wget -qO- --no-proxy --tries=1 --timeout=3 http://127.0.0.1:8080/metrics 2>/dev/null)" || continue
    if [[ "$(metric_value "$m" streampulse_count_publisher)" == 1 ]]; then new_holder="${others[k]}"; break 2; fi
  done
  sleep 0.1
done
took_ms=$(( $(date +%s%3N) - t_kill ))
[[ -n "$new_holder" ]] || fail "no instance took the count duty within 8 s of killing $holder"
(( took_ms <= 5500 )) || fail "$new_holder took the count duty only $took_ms ms after $holder was killed"
pass "docker-compose kill $holder (SIGKILL): $new_holder holds the count duty after $took_ms ms"

t0=$(date +%s%3N)
count="$(poll_count 10)" || fail "no count from a long-poll through the load balancer after the failover"
pass "after the failover a long-poll through the load balancer answers with the count $count ($(( $(date +%s%3N) - t0 )) ms after the new holder)"
# What viewers see over the next seconds: the count each long-poll answer ends with.
seen=()
for _ in $(seq 6); do
  seen+=("$(poll_count 5 || echo none)")
  sleep 0.5
done
dash="$(get /api/dashboard)" || fail "GET /api/dashboard after the failover"
read -r sent bad < <(hb_codes)
say "after the kill: heartbeats $(hb_summary $((sent_before + 1))); counts read over the next 5 s: ${seen[*]}; /api/dashboard: active $(field "$dash" players active), total $(field "$dash" players total)"
[[ "${seen[-1]}" == "$viewers" ]] || fail "the count read through the load balancer is ${seen[-1]}, not $viewers, 5 s after the failover"
pass "the count read through the load balancer is back at $viewers"

# The load balancer restarted while an instance is down (as its restart policy would): it must
# start and serve from the two left.
t0=$SECONDS
"${compose[@]}" restart lb >/dev/null 2>&1 || fail "docker-compose restart lb"
for _ in $(seq 40); do
  get /readyz >/dev/null 2>&1 && break
  sleep 0.25
done
get /readyz >/dev/null || fail "the load balancer, restarted while $holder is down, does not answer"
dash="$(get /api/dashboard)" || fail "GET /api/dashboard after the load balancer's restart"
pass "the load balancer restarted with $holder down answers in $((SECONDS - t0)) s (active $(field "$dash" players active))"

say "done in $((SECONDS - started_at)) s"
echo "compose redis smoke test: $passed passed, $failed failed"
