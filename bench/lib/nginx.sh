# nginx as the baseline server in the benchmarks: as many worker processes as streampulse has
# threads (BENCH_THREADS, default 1), access log off, keep-alive, sendfile. Source this file, then
#   nginx_start PORT MEDIA_DIR     # GET /204 answers 204; GET /media/... serves MEDIA_DIR
#   nginx_stop
# Installs Debian's nginx-light when nginx is missing. NGINX_WORKER_CONNECTIONS [4096]: connections
# per worker (bench/audience.sh holds thousands open).

nginx_start() {
  local port="$1" media="$2"
  if ! command -v nginx >/dev/null 2>&1 && ! [[ -x /usr/sbin/nginx ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
  fi
  NGINX_DIR="$(mktemp -d /tmp/streampulse-nginx.XXXXXX)"
  mkdir -p "$NGINX_DIR/logs"
  cat >"$NGINX_DIR/nginx.conf" <<CONF
daemon off;
worker_processes ${BENCH_THREADS:-1};
worker_rlimit_nofile $(( ${NGINX_WORKER_CONNECTIONS:-4096} + 64 ));
user root;
error_log $NGINX_DIR/logs/error.log warn;
pid $NGINX_DIR/nginx.pid;
events { worker_connections ${NGINX_WORKER_CONNECTIONS:-4096}; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$port;
    location = /204 { return 204; }
    location /media/ { alias $media/; add_header Access-Control-Allow-Origin *; }
  }
}
CONF
  /usr/sbin/nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" &
  NGINX_PID=$!
  for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$port/204" && return 0; sleep 0.1; done
  echo "nginx did not start:" >&2; cat "$NGINX_DIR/logs/error.log" >&2; return 1
}

nginx_stop() {
  [[ -n "${NGINX_PID:-}" ]] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  [[ -n "${NGINX_DIR:-}" ]] && rm -rf "$NGINX_DIR"
  NGINX_PID= NGINX_DIR=
  return 0
}
