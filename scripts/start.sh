#!/usr/bin/env bash
# Installs what is missing, builds everything and serves the page on 127.0.0.1.
#   scripts/start.sh            serves on port 8080
#   PORT=9000 scripts/start.sh  serves on another port (0 picks a free one)
set -euo pipefail
cd "$(dirname "$0")/.."

# Checked first, so that a mistyped port does not wait for the setup and the build.
port="${PORT:-8080}"
# At most 5 digits before the arithmetic, which would wrap a longer number around.
if [[ ! "$port" =~ ^[0-9]{1,5}$ ]] || (( 10#$port > 65535 )); then
  echo "start: PORT is '$port': use a whole number from 0 to 65535 (0 picks a free port)" >&2
  exit 2
fi

scripts/setup.sh
scripts/build.sh

if [[ ! -f web/models/default.inkprint ]]; then
  echo "start: web/models/default.inkprint is missing; training it (about a minute)"
  scripts/train-default-model.sh
fi
if [[ ! -f web/models/pen.inkprint ]]; then
  echo "start: web/models/pen.inkprint is missing; training it (about half a minute)"
  scripts/train-pen-model.sh
fi

# INKPRINT_PORT_FROM makes the advice for a port in use name PORT instead of --port.
INKPRINT_PORT_FROM=PORT exec node scripts/serve.mjs --port "$port"
