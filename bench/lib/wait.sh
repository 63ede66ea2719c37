# wait_until_up URL [tries=50]: polls URL every 100 ms until it answers 2xx; fails (and says so)
# when it never does, so a benchmark does not measure a server that did not start.
wait_until_up() {
  local url="$1" tries="${2:-50}"
  for _ in $(seq "$tries"); do curl -fs -o /dev/null "$url" && return 0; sleep 0.1; done
  echo "not up: $url" >&2
  return 1
}
