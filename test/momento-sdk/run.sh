#!/usr/bin/env bash
# Momento's official SDKs as referees of the fake Momento: runs test/momento-sdk/*.test.mjs
# (node --test) against build/test/fake_momento. Installs the npm dev dependencies (the SDKs,
# pinned by package-lock.json) when a checkout predates them.
#
#   FAKE_MOMENTO_BIN  the fake [build/test/fake_momento]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export FAKE_MOMENTO_BIN="${FAKE_MOMENTO_BIN:-build/test/fake_momento}"
[[ -x "$FAKE_MOMENTO_BIN" ]] || { echo "momento-sdk: $FAKE_MOMENTO_BIN is missing (build it first)" >&2; exit 1; }
for pkg in @gomomento/sdk-web @gomomento/sdk xhr2; do
  if [[ ! -f "node_modules/$pkg/package.json" ]]; then
    echo "momento-sdk: node_modules/$pkg missing, running npm ci" >&2
    npm ci --no-audit --no-fund
    break
  fi
done
exec node --test test/momento-sdk/*.test.mjs
