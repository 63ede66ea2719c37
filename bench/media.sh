#!/usr/bin/env bash
# The media origin against nginx serving the same files, in one run on one machine.
#
#   BENCH_THREADS=N bench/media.sh [duration_s=8] [connections=32]
#
# Starts build/streampulse with N connection threads (--threads, default 1; media folder
# media/, made by scripts/make-sample-media.sh) and nginx with N workers (sendfile;
# bench/lib/nginx.sh) on loopback, then runs wrk (1 thread, keep-alive)
# on the sample's master manifest and on one segment from each, alternating, two rounds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib/nginx.sh
source bench/lib/wait.sh
duration="${1:-8}"
conns="${2:-32}"
bin="${STREAMPULSE_BIN:-build/streampulse}"
port="${BENCH_PORT:-18594}"
nport="$((port + 1))"
media="$(pwd)/media"
bash scripts/make-sample-media.sh >/dev/null
segment="$(cd "$media" && ls sample/v720p/*.ts | head -1)"
STREAMPULSE_LOG_LEVEL=warn "$bin" serve --listen "127.0.0.1:$port" --media-dir "$media" \
  --threads "${BENCH_THREADS:-1}" \
  >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; nginx_stop' EXIT
wait_until_up "http://127.0.0.1:$port/healthz"
nginx_start "$nport" "$media"
echo "segment $segment ($(stat -c %s "$media/$segment") bytes), manifest sample/master.m3u8"

declare -A rps
run() {  # label url
  local out r p50 p99
  out="$(wrk -t1 -c"$conns" -d"${duration}s" --latency "$2")"
  r="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  printf '%-26s %10s req/s  p50 %8s  p99 %8s\n' "$1" "$r" "$p50" "$p99"
  rps[$1]="${rps[$1]:-} $r"
}
for round in 1 2; do
  run "streampulse manifest" "http://127.0.0.1:$port/media/sample/master.m3u8"
  run "nginx manifest" "http://127.0.0.1:$nport/media/sample/master.m3u8"
  run "streampulse segment" "http://127.0.0.1:$port/media/$segment"
  run "nginx segment" "http://127.0.0.1:$nport/media/$segment"
done
for what in manifest segment; do
  python3 - "$what" "${rps[streampulse $what]}" "${rps[nginx $what]}" <<'PY'
import sys
what, ours, theirs = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
print(f"{what}: streampulse / nginx = {sum(ours) / sum(theirs):.2f}")
PY
done
