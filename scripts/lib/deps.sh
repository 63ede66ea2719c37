# Sourced by scripts/test.sh and scripts/run.sh: installs what is missing on Debian 12
# (bookworm), from Debian's packages and npm only, then vendors the page assets.
# Safe to run again: it only installs packages that are not there.

STREAMPULSE_BUILD_PACKAGES=(g++ cmake ninja-build ccache pkg-config
  libboost1.81-all-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev
  libprotobuf-dev protobuf-compiler libjemalloc-dev libhiredis-dev ca-certificates curl openssl)
STREAMPULSE_RUNTIME_TOOLS=(ffmpeg)
# prometheus: its promtool checks /metrics and the alert rules (scripts/check-metrics.sh); the
# package's server is not started. redis-server/redis-tools: the Redis client's integration tests
# start their own server per test (a Unix socket, never port 6379).
STREAMPULSE_TEST_PACKAGES=(chromium prometheus redis-server redis-tools)
# The fuzz stage: clang++, libFuzzer and the clang sanitizer runtimes, llvm-symbolizer for stacks.
STREAMPULSE_FUZZ_PACKAGES=(clang libclang-rt-dev llvm)

install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  echo "deps: installing ${missing[*]}" >&2
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    install_packages nodejs npm
  fi
}

# Builds into $1 (a build folder) with CMake and Ninja; $2 is the build type.
build_streampulse() {
  local dir="$1" type="$2"
  export CCACHE_NOHASHDIR=1
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
}
