#!/usr/bin/env bash
# Copies the third-party browser libraries the pages use into static/vendor/
# (gitignored), so that the service serves them itself: no CDN at run time.
#
#   static/vendor/hls.min.js        <- node_modules/hls.js/dist/hls.min.js       (global Hls)
#   static/vendor/chart.umd.min.js  <- node_modules/chart.js/dist/chart.umd.min.js (global Chart)
#
# Runs `npm ci` first when node_modules/ is missing (versions pinned by package-lock.json).
# Usage: scripts/vendor-assets.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

hls_src="node_modules/hls.js/dist/hls.min.js"
chart_src="node_modules/chart.js/dist/chart.umd.min.js"

if [[ ! -f "$hls_src" || ! -f "$chart_src" ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "vendor-assets: npm is not installed (Debian: apt-get install -y nodejs npm)" >&2
    exit 1
  fi
  echo "vendor-assets: node_modules missing, running npm ci" >&2
  npm ci --no-audit --no-fund
fi

for f in "$hls_src" "$chart_src"; do
  if [[ ! -f "$f" ]]; then
    echo "vendor-assets: $f not found after npm ci" >&2
    exit 1
  fi
done

mkdir -p static/vendor
install -m 0644 "$hls_src" static/vendor/hls.min.js
install -m 0644 "$chart_src" static/vendor/chart.umd.min.js

hls_version="$(node -p "require('./node_modules/hls.js/package.json').version" 2>/dev/null || echo '?')"
chart_version="$(node -p "require('./node_modules/chart.js/package.json').version" 2>/dev/null || echo '?')"
echo "vendor-assets: static/vendor/hls.min.js (hls.js $hls_version), static/vendor/chart.umd.min.js (chart.js $chart_version)"
