#!/usr/bin/env bash
# The test command: installs what is missing (Debian packages, npm), builds, and runs every
# test: unit and integration tests (ctest), /metrics and deploy/monitoring under promtool
# (scripts/check-metrics.sh), the fake Momento driven by Momento's official
# JavaScript SDKs (test/momento-sdk), the unit and integration tests under ASan and UBSan
# (scripts/sanitizers.sh), a short libFuzzer run of each fuzz target (scripts/fuzz.sh smoke; FUZZ_SMOKE_SECONDS, 20 by
# default), a 60 s soak at 5,000 heartbeats/s (scripts/soak.sh), a 20 s load test of 3,000
# viewers that must each see the exact audience (scripts/load-test.sh), then the browser tests in
# Chromium against the real service (on the embedded backend, then on the Momento backend
# pointed at the fake Momento), and the container smoke
# test (image build, compose up, health, heartbeats, restart; SKIP_CONTAINER_SMOKE=1 skips it),
# then docker-compose.yml's redis profile as a user runs it (Redis, three instances behind nginx, one
# audience, the count duty's failover: scripts/compose-redis-smoke.sh; skipped the same way).
# Exits non-zero on the first failing stage.
#
# Usage: ./scripts/test.sh            (BUILD_DIR=build by default)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/deps.sh

build_dir="${BUILD_DIR:-build}"

# Each stage's time, printed last (also when a stage fails): where CI's minutes go.
stage_names=()
stage_secs=()
stage_now=""
stage_began=$SECONDS
stage_end() {
  [[ -n $stage_now ]] || return 0
  stage_names+=("$stage_now")
  stage_secs+=($((SECONDS - stage_began)))
  stage_now=""
}
stage() {
  stage_end
  stage_now="$1"
  stage_began=$SECONDS
  echo "== $1"
}
stage_report() {
  local rc=$?
  stage_end
  echo "== stage times (s)"
  for i in "${!stage_names[@]}"; do printf '%6d  %s\n' "${stage_secs[$i]}" "${stage_names[$i]:0:90}"; done
  printf '%6d  in all (exit %d)\n' "$SECONDS" "$rc"
}
trap stage_report EXIT

stage "layers: each folder of src/ includes only the folders below it (scripts/check-layers.sh)"
bash scripts/check-layers.sh

stage "dependencies"
install_packages "${STREAMPULSE_BUILD_PACKAGES[@]}" "${STREAMPULSE_RUNTIME_TOOLS[@]}" \
  "${STREAMPULSE_TEST_PACKAGES[@]}" "${STREAMPULSE_FUZZ_PACKAGES[@]}"
ensure_node
bash scripts/vendor-assets.sh
bash scripts/make-sample-media.sh

stage "build ($build_dir)"
build_streampulse "$build_dir" RelWithDebInfo

stage "unit and integration tests"
ctest --test-dir "$build_dir" -j2 --output-on-failure --repeat until-pass:2

stage "/metrics under promtool, the alert rules and the dashboard (scripts/check-metrics.sh)"
CHECK_METRICS_BIN="$build_dir/streampulse" bash scripts/check-metrics.sh

stage "the OpenAPI description (static/openapi.json) against the OpenAPI 3.1 schema"
node test/openapi/check.mjs

stage "the fake Momento refereed by Momento's official SDKs (test/momento-sdk)"
FAKE_MOMENTO_BIN="$build_dir/test/fake_momento" bash test/momento-sdk/run.sh

stage "unit and integration tests under ASan and UBSan (build-asan)"
bash scripts/sanitizers.sh

stage "fuzz smoke (build-fuzz, clang)"
bash scripts/fuzz.sh smoke "${FUZZ_SMOKE_SECONDS:-20}"

stage "soak: 60 s at 5,000 heartbeats/s, memory and descriptors flat (scripts/soak.sh)"
SOAK_BIN="$build_dir/streampulse" bash scripts/soak.sh 60

stage "load test: 3,000 viewers with the count long-poll, --expect-exact (scripts/load-test.sh)"
LOAD_BIN="$build_dir/streampulse" bash scripts/load-test.sh

stage "browser tests"
STREAMPULSE_BIN="$build_dir/streampulse" bash test/e2e/with-server.sh

stage "browser test on the Momento backend (against the fake Momento)"
STREAMPULSE_BIN="$build_dir/streampulse" bash test/e2e/with-fake-momento.sh

stage "browser test on the Redis backend (two instances on a redis-server of its own)"
STREAMPULSE_BIN="$build_dir/streampulse" bash test/e2e/with-redis.sh

stage "container smoke test (skipped, and says why, where Docker cannot be used)"
bash scripts/container-smoke-test.sh

stage "compose smoke test on Redis: docker compose --profile redis, 3 instances behind nginx (skipped as above)"
bash scripts/compose-redis-smoke.sh

echo "== all tests passed"
