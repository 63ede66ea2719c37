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

# A local run gets a webhook secret and an admin token unless the environment names them: made
# once with OpenSSL's random generator, kept (mode 600) in .streampulse-local, which git ignores,
# so a restart keeps them. Without them the webhook and the admin routes (the dashboard's
# "Simulate players", uploads, streams) answer 503.
secrets=.streampulse-local
if [[ -z "${STREAMPULSE_WEBHOOK_SECRET:-}" || -z "${STREAMPULSE_ADMIN_TOKEN:-}" ]]; then
  if [[ ! -s "$secrets" ]]; then
    (umask 077 && printf 'webhook_secret=%s\nadmin_token=%s\n' "$(openssl rand -hex 24)" \
      "$(openssl rand -hex 24)" >"$secrets")
  fi
  kept() { sed -n "s/^$1=//p" "$secrets"; }
  export STREAMPULSE_WEBHOOK_SECRET="${STREAMPULSE_WEBHOOK_SECRET:-$(kept webhook_secret)}"
  export STREAMPULSE_ADMIN_TOKEN="${STREAMPULSE_ADMIN_TOKEN:-$(kept admin_token)}"
  echo "run.sh: admin token (dashboard \"Simulate players\", uploads): $STREAMPULSE_ADMIN_TOKEN"
  echo "run.sh: webhook secret: $STREAMPULSE_WEBHOOK_SECRET"
  echo "run.sh: both kept in $secrets (delete it for new ones; set the variables to choose)"
fi

# The pages (static/) and the sample stream (media/) are found from the working directory.
exec "./${BUILD_DIR:-build}/streampulse" serve "$@"
