# shellcheck shell=bash disable=SC2034  # sets variables for the sourcing script
# Sourced helper: makes a Docker engine usable on a Debian 12 machine like the project's
# (no engine running, no image registry), or says plainly why it cannot.
#
#   source scripts/lib/docker-engine.sh
#   if ! docker_engine_ensure; then echo "no Docker: $DOCKER_ENGINE_REASON"; fi
#   ...
#   docker_engine_release      # stops dockerd again, only if docker_engine_ensure started it
#
# docker_engine_ensure, in order, doing only what is missing:
#   1. `docker info` answers?  Then that engine is used as it is (Docker Desktop, a system
#      service, a rootless engine...). Otherwise installs docker.io (Debian) if dockerd is
#      missing and starts `dockerd` in the background (log: $DOCKER_ENGINE_LOG), waiting until
#      it answers. Needs root (or password-less sudo for apt-get; dockerd itself needs root).
#   2. installs docker-compose (v1.29, Debian) when neither `docker-compose` nor `docker compose`
#      is there, and sets DOCKER_COMPOSE to the command to use.
#   3. makes sure the base images exist (debian:bookworm and debian:bookworm-slim, or the
#      arguments given): present images are kept (the cache); missing ones are pulled when a
#      registry answers, else built locally: `debootstrap --variant=minbase bookworm` from the
#      Debian mirror apt uses (40 to 90 s here), then `docker import`ed under each tag
#      (a `-slim` tag without documentation, as Debian's own -slim images).
# It returns 0, or non-zero with the reason in DOCKER_ENGINE_REASON (also printed on stderr).
# It never exits the calling shell and does not change its options.
#
# Settings (environment):
#   DOCKER_ENGINE_LOG          dockerd's log [/tmp/dockerd.log]
#   DOCKER_ENGINE_WAIT_S       how long to wait for a started dockerd [60]
#   DOCKER_ENGINE_BASE_SOURCE  auto | pull | debootstrap: where missing base images come from.
#                              auto pulls only when the registry's name resolves (a DNS lookup,
#                              no connection), and falls back to debootstrap [auto]
#   DOCKER_ENGINE_DEBIAN_MIRROR  mirror for debootstrap [the first Debian URI of apt's sources,
#                              else http://deb.debian.org/debian]
#   DOCKER_ENGINE_NO_INSTALL=1 never install packages; report what is missing instead

DOCKER_ENGINE_REASON=""
DOCKER_ENGINE_STARTED_PID=""
DOCKER_COMPOSE=""
: "${DOCKER_ENGINE_LOG:=/tmp/dockerd.log}"

_docker_engine_say() { echo "docker-engine: $*" >&2; }

_docker_engine_fail() {
  DOCKER_ENGINE_REASON="$*"
  _docker_engine_say "cannot use Docker: $*"
  return 1
}

# Runs a command as root: directly when root, through password-less sudo otherwise.
_docker_engine_as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 126
  fi
}

_docker_engine_can_be_root() {
  [[ $(id -u) -eq 0 ]] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }
}

# Installs Debian packages that are not installed yet.
_docker_engine_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ "${DOCKER_ENGINE_NO_INSTALL:-0}" == 1 ]]; then
    _docker_engine_fail "missing ${missing[*]} (DOCKER_ENGINE_NO_INSTALL=1)"
    return 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    _docker_engine_fail "missing ${missing[*]}, and this is not a Debian system (no apt-get)"
    return 1
  fi
  if ! _docker_engine_can_be_root; then
    _docker_engine_fail "missing ${missing[*]}, and no permission to install them (not root, no password-less sudo)"
    return 1
  fi
  _docker_engine_say "installing ${missing[*]}"
  local log
  log="$(mktemp /tmp/docker-engine-apt.XXXXXX)"
  _docker_engine_as_root apt-get update -qq >"$log" 2>&1 || true
  if ! _docker_engine_as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
    _docker_engine_fail "apt-get could not install ${missing[*]}: $(tail -n 3 "$log" | tr '\n' ' ')"
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

_docker_engine_answers() { docker info >/dev/null 2>&1; }

# Starts dockerd in the background and waits until `docker info` answers.
_docker_engine_start_dockerd() {
  local why
  why="$(docker info 2>&1 | grep -m1 -iE 'permission denied|cannot connect|not found|error' || true)"
  [[ -z "$why" ]] && ! command -v docker >/dev/null 2>&1 && why="no docker command"
  if [[ $(id -u) -ne 0 ]]; then
    _docker_engine_fail "no Docker engine answers (${why:-docker info failed}), and no permission to run dockerd (not root); start Docker, or join the docker group"
    return 1
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    _docker_engine_install docker.io || return 1
  fi
  if [[ -S /var/run/docker.sock ]] && pgrep -x dockerd >/dev/null 2>&1; then
    _docker_engine_say "a dockerd is running but does not answer yet; waiting"
  else
    local dockerd_bin
    dockerd_bin="$(command -v dockerd)"
    _docker_engine_say "starting dockerd (log: $DOCKER_ENGINE_LOG)"
    # A session of its own, no terminal, no inherited output: it must not hold a caller's pipe.
    setsid "$dockerd_bin" </dev/null >"$DOCKER_ENGINE_LOG" 2>&1 &
    DOCKER_ENGINE_STARTED_PID=$!
    echo "$DOCKER_ENGINE_STARTED_PID" >/tmp/dockerd.started-by-streampulse.pid 2>/dev/null || true
  fi
  local waited=0 limit="${DOCKER_ENGINE_WAIT_S:-60}"
  while ! _docker_engine_answers; do
    if [[ -n "$DOCKER_ENGINE_STARTED_PID" ]] && ! kill -0 "$DOCKER_ENGINE_STARTED_PID" 2>/dev/null; then
      DOCKER_ENGINE_STARTED_PID=""
      _docker_engine_fail "dockerd exited at start: $(tail -n 3 "$DOCKER_ENGINE_LOG" 2>/dev/null | tr '\n' ' ')"
      return 1
    fi
    if (( waited >= limit * 2 )); then
      _docker_engine_fail "dockerd did not answer within ${limit} s (see $DOCKER_ENGINE_LOG)"
      return 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  _docker_engine_say "dockerd answers ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
}

_docker_engine_compose() {
  if command -v docker-compose >/dev/null 2>&1; then
    DOCKER_COMPOSE="docker-compose"
    return 0
  fi
  if docker compose version >/dev/null 2>&1; then
    DOCKER_COMPOSE="docker compose"
    return 0
  fi
  _docker_engine_install docker-compose || return 1
  DOCKER_COMPOSE="docker-compose"
}

_docker_engine_mirror() {
  if [[ -n "${DOCKER_ENGINE_DEBIAN_MIRROR:-}" ]]; then
    echo "$DOCKER_ENGINE_DEBIAN_MIRROR"
    return
  fi
  local uri
  uri="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ {print $2}' | grep -m1 -E '/debian/?$')"
  [[ -z "$uri" ]] && uri="$(grep -hsE '^deb .*/debian/? bookworm' /etc/apt/sources.list \
    /etc/apt/sources.list.d/*.list | awk '{print $2}' | head -n1)"
  echo "${uri:-http://deb.debian.org/debian}"
}

# Builds a bookworm minbase root file system and imports it under every tag given.
_docker_engine_debootstrap_import() {
  local mirror rootfs started=$SECONDS
  if ! command -v debootstrap >/dev/null 2>&1; then
    _docker_engine_install debootstrap || return 1
  fi
  if [[ $(id -u) -ne 0 ]]; then
    _docker_engine_fail "base images $* are missing, no registry answers, and debootstrap needs root"
    return 1
  fi
  mirror="$(_docker_engine_mirror)"
  rootfs="$(mktemp -d /tmp/streampulse-rootfs.XXXXXX)"
  _docker_engine_say "no registry: building $1 with debootstrap (bookworm minbase from $mirror)"
  if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
    _docker_engine_fail "debootstrap failed: $(tail -n 3 "$rootfs.log" | tr '\n' ' ')"
    rm -rf "$rootfs" "$rootfs.log"
    return 1
  fi
  # The same apt sources as Debian's official image (updates and security included), and no
  # package lists or caches in the image.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian*}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # The tweaks of Debian's official images: dpkg without fsync (much faster under overlayfs),
  # no apt binary caches or translations, and no service starts in builds.
  echo 'force-unsafe-io' >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  printf '%s\n' 'Dir::Cache::pkgcache "";' 'Dir::Cache::srcpkgcache "";' \
    >"$rootfs/etc/apt/apt.conf.d/docker-clean"
  echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Acquire::GzipIndexes "true";' >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' \
    >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
  rm -rf "${rootfs:?}"/var/lib/apt/lists/* "${rootfs:?}"/var/cache/apt/*.bin \
    "${rootfs:?}"/var/cache/apt/archives/*.deb "${rootfs:?}"/var/log/*.log "${rootfs:?}"/tmp/*
  local tag full=() slim=() rc=0
  for tag in "$@"; do
    if [[ "$tag" == *-slim ]]; then slim+=("$tag"); else full+=("$tag"); fi
  done
  if [[ ${#full[@]} -gt 0 ]]; then
    _docker_engine_import "$rootfs" "${full[@]}" || rc=1
  fi
  if [[ $rc -eq 0 && ${#slim[@]} -gt 0 ]]; then
    _docker_engine_slim "$rootfs"
    _docker_engine_import "$rootfs" "${slim[@]}" || rc=1
  fi
  rm -rf "${rootfs:?}" "$rootfs.log"
  [[ $rc -eq 0 ]] || return 1
  _docker_engine_say "imported $* ($((SECONDS - started)) s)"
}

# _docker_engine_slim ROOTFS: as Debian's -slim images, no documentation, manual pages or
# translations in the root file system, now or in packages installed later.
_docker_engine_slim() {
  local root="${1:?}"
  [[ -d "$root/etc/dpkg" && "$root" != / ]] || return 1
  mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/groff/*' \
    'path-exclude /usr/share/info/*' 'path-exclude /usr/share/lintian/*' \
    'path-exclude /usr/share/linda/*' 'path-exclude /usr/share/locale/*' \
    >"$root/etc/dpkg/dpkg.cfg.d/docker-slim"
  find "$root/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete 2>/dev/null
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null
  local d
  for d in man groff info lintian linda locale; do
    [[ -d "$root/usr/share/$d" ]] && find "$root/usr/share/$d" -mindepth 1 -delete
  done
  return 0
}

# _docker_engine_import ROOTFS TAG...: imports a root file system under the tags.
_docker_engine_import() {
  local rootfs="$1" first="$2" tag
  if ! tar -C "$rootfs" --numeric-owner -c . |
      docker import --change 'CMD ["bash"]' \
        --change 'LABEL org.opencontainers.image.description=debootstrap-bookworm-minbase' \
        - "$first" >/dev/null; then
    _docker_engine_fail "docker import of the debootstrapped root as $first failed"
    return 1
  fi
  for tag in "${@:3}"; do docker tag "$first" "$tag" || return 1; done
}

# docker_engine_base_images [IMAGE...]: makes sure the base images exist.
docker_engine_base_images() {
  local images=("$@") missing=() img
  [[ ${#images[@]} -eq 0 ]] && images=(debian:bookworm debian:bookworm-slim)
  for img in "${images[@]}"; do
    docker image inspect "$img" >/dev/null 2>&1 || missing+=("$img")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local source="${DOCKER_ENGINE_BASE_SOURCE:-auto}"
  if [[ "$source" == auto ]]; then
    # Only a name lookup decides: no connection is attempted where the registry is not reachable.
    if timeout 5 getent hosts registry-1.docker.io >/dev/null 2>&1; then source=pull; else source=debootstrap; fi
  fi
  if [[ "$source" == pull ]]; then
    local left=()
    for img in "${missing[@]}"; do
      _docker_engine_say "pulling $img"
      timeout 300 docker pull -q "$img" >/dev/null 2>&1 || left+=("$img")
    done
    [[ ${#left[@]} -eq 0 ]] && return 0
    if [[ "${DOCKER_ENGINE_BASE_SOURCE:-auto}" == pull ]]; then
      _docker_engine_fail "could not pull ${left[*]}"
      return 1
    fi
    missing=("${left[@]}")
  fi
  _docker_engine_debootstrap_import "${missing[@]}"
}

# docker_engine_ensure [BASE_IMAGE...]: engine answering, compose known, base images present.
docker_engine_ensure() {
  DOCKER_ENGINE_REASON=""
  if ! _docker_engine_answers; then
    _docker_engine_start_dockerd || return 1
  fi
  _docker_engine_compose || return 1
  docker_engine_base_images "$@" || return 1
}

# Stops the dockerd that docker_engine_ensure started (and only that one); a no-op otherwise.
# Images and build cache stay in /var/lib/docker for the next run.
docker_engine_release() {
  local pid="$DOCKER_ENGINE_STARTED_PID"
  [[ -z "$pid" ]] && return 0
  DOCKER_ENGINE_STARTED_PID=""
  kill -0 "$pid" 2>/dev/null || return 0
  _docker_engine_say "stopping the dockerd this script started (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  rm -f /tmp/dockerd.started-by-streampulse.pid
}
