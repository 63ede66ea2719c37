# shellcheck shell=bash disable=SC2034  # sets variables for the sourcing script
# Sourced by the compose smoke tests (container-smoke-test.sh, compose-redis-smoke.sh): the
# Docker engine or a skip, a free port on loopback, the environment compose is run with, and
# a container's health.
#
#   source scripts/lib/compose-smoke.sh   # sources scripts/lib/docker-engine.sh too
# shellcheck source=scripts/lib/docker-engine.sh
source "$(dirname "${BASH_SOURCE[0]}")/docker-engine.sh"

# smoke_engine_or_skip NAME: a usable Docker engine (docker_engine_ensure), or "NAME SKIPPED:
# <reason>" and exit 0 (exit 1 with REQUIRE_DOCKER=1). Call it after setting the EXIT trap.
smoke_engine_or_skip() {
  if ! docker_engine_ensure debian:bookworm debian:bookworm-slim; then
    echo "$1 SKIPPED: $DOCKER_ENGINE_REASON"
    [[ "${REQUIRE_DOCKER:-0}" == 1 ]] && exit 1
    exit 0
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# smoke_port: SMOKE_PORT, or a free port on loopback; fails when none is found.
smoke_port() {
  local candidate
  if [[ -n "${SMOKE_PORT:-}" ]]; then
    echo "$SMOKE_PORT"
    return 0
  fi
  for _ in $(seq 50); do
    candidate=$((20000 + RANDOM % 20000))
    if ! port_in_use "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# smoke_compose_env: the environment compose runs with. Extra CA certificates for the image
# build's npm downloads where a proxy intercepts TLS: STREAMPULSE_BUILD_CA_CERTS, else the
# machine's local CAs (Debian's /usr/local/share/ca-certificates), if any: the same build
# argument in every smoke test, so one's image cache serves the other. The caller's
# STREAMPULSE_* and MOMENTO_* variables are cleared (they would win over the env file).
# Sets compose_cmd, the compose command as an array.
smoke_compose_env() {
  local build_ca="${STREAMPULSE_BUILD_CA_CERTS:-}" v
  if [[ -z "$build_ca" ]] && compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    build_ca="$(cat /usr/local/share/ca-certificates/*.crt)"
  fi
  for v in $(compgen -e | grep -E '^(STREAMPULSE_|MOMENTO_)' || true); do unset "$v"; done
  export STREAMPULSE_BUILD_CA_CERTS="$build_ca"
  read -ra compose_cmd <<<"$DOCKER_COMPOSE"
}

# smoke_engine_versions: "docker <version>, <compose command> (<its version>)", for the log.
smoke_engine_versions() {
  echo "docker $(docker version -f '{{.Server.Version}}' 2>/dev/null), $DOCKER_COMPOSE ($("${compose_cmd[@]}" version --short 2>/dev/null || echo '?'))"
}

# health CONTAINER: "<health> <state>", e.g. "healthy running".
health() {
  docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.Status}}' "$1" 2>/dev/null
}

# field JSON OBJECT MEMBER: a number in the dashboard's JSON, e.g. field "$dash" players total
# (the service writes compact JSON).
field() {
  local re="\"$2\":\\{[^}]*\"$3\":([0-9]+)"
  [[ "$1" =~ $re ]] && echo "${BASH_REMATCH[1]}"
}
