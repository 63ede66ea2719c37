#!/usr/bin/env bash
# libFuzzer targets (test/fuzz): builds them with clang++ in their own folder and runs each on
# its seed corpus. Fails on the first crash, leak, timeout, sanitizer report or broken invariant.
#
# Usage: ./scripts/fuzz.sh smoke [seconds]   each target for 20 s by default (the test stage)
#        ./scripts/fuzz.sh long [seconds]    each target for 600 s by default
#        ./scripts/fuzz.sh build             only build
# Env:   FUZZ_BUILD_DIR (build-fuzz), FUZZ_TARGETS ("heartbeat webhook ..."), FUZZ_OUT (where
#        logs, new inputs and crash artifacts go; a fresh temp dir by default, never the repo).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode="${1:-smoke}"
case "$mode" in
  smoke) seconds="${2:-20}" ;;
  long) seconds="${2:-600}" ;;
  build) seconds=0 ;;
  *) echo "usage: $0 smoke|long|build [seconds]" >&2; exit 2 ;;
esac
build_dir="${FUZZ_BUILD_DIR:-build-fuzz}"
targets=(${FUZZ_TARGETS:-heartbeat webhook subscribe_query media_path grpc_web credentials request resp})

echo "fuzz: building ($build_dir, clang++)"
export CCACHE_NOHASHDIR=1
if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTREAMPULSE_FUZZ=ON >/dev/null
fi
# Two jobs at most: the machine has two cores and they are shared.
nice -n 10 cmake --build "$build_dir" --target fuzz_targets -j2
[[ "$mode" == build ]] && exit 0

out="${FUZZ_OUT:-$(mktemp -d /tmp/streampulse-fuzz.XXXXXX)}"
mkdir -p "$out"
echo "fuzz: $mode, ${seconds} s per target; logs, new inputs and artifacts in $out"
# Leaks count as failures; symbolized stacks in the logs.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

failed=()
for t in "${targets[@]}"; do
  seeds="test/fuzz/corpus/$t"
  work="$out/corpus/$t"  # libFuzzer adds new inputs to the first folder only
  mkdir -p "$work" "$out/artifacts/$t"
  log="$out/$t.log"
  status=ok
  # -timeout: one input slower than 10 s is a hang; -rss_limit_mb: runaway allocation.
  nice -n 10 "$build_dir/test/fuzz/${t}_fuzz" "$work" "$seeds" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/$t/" >"$log" 2>&1 || status=FAILED
  stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  printf 'fuzz: %-16s %s  runs %s  exec/s %s  %s  corpus %s seeds + %s new\n' "$t" "$status" \
    "$(stat number_of_executed_units)" "$(stat average_exec_per_sec)" "$cov" \
    "$(ls "$seeds" | wc -l)" "$(ls "$work" | wc -l)"
  if [[ $status != ok ]]; then
    failed+=("$t")
    grep -E -m5 'ERROR|invariant failed|runtime error|SUMMARY|Test unit written' "$log" >&2 || true
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: FAILED: ${failed[*]} (logs and reproducers in $out)" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets clean"
