#!/usr/bin/env bash
# Runs streampulse natively: installs what is missing, builds (optimised, in build/ like the
# tests, so one compile serves both), prepares the page
# assets and the sample stream, then serves on STREAMPULSE_LISTEN [0.0.0.0:8080].
# Extra arguments go to `streampulse serve`, e.g. ./scripts/run.sh --log-format json
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/deps.sh

install_packages "${STREAMPULSE_BUILD_PACKAGES[@]}" "${STREAMPULSE_RUNTIME_TOOLS[@]}"
ensure_node
bash scripts/vendor-assets.sh
bash scripts/make-sample-media.sh
build_streampulse "${BUILD_DIR:-build}" RelWithDebInfo

# The pages (static/) and the sample stream (media/) are found from the working directory.
exec "./${BUILD_DIR:-build}/streampulse" serve "$@"
