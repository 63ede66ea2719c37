#!/usr/bin/env bash
# The unit and integration tests under AddressSanitizer (leaks included) and
# UndefinedBehaviorSanitizer: a Debug build of its own (STREAMPULSE_SANITIZE=ON), then ctest.
# Any sanitizer report fails the run.
#
# Usage: ./scripts/sanitizers.sh       (SANITIZE_BUILD_DIR=build-asan by default)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir="${SANITIZE_BUILD_DIR:-build-asan}"
export CCACHE_NOHASHDIR=1
echo "sanitizers: building ($build_dir, Debug, ASan + UBSan)"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTREAMPULSE_SANITIZE=ON >/dev/null
# The default target: streampulse and every test executable ctest knows (unit_tests,
# integration_tests, and any added later). Two jobs at most: two shared cores.
nice -n 10 cmake --build "$build_dir" -j2

# UBSan recovers by default: halt_on_error makes a report a failing test. The integration tests
# start the real binary too, which inherits these.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
echo "sanitizers: ctest"
ctest --test-dir "$build_dir" -j2 --output-on-failure --repeat until-pass:2
