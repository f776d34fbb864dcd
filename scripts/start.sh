#!/usr/bin/env bash
# Installs what is missing, builds everything and serves the page on 127.0.0.1.
#   scripts/start.sh            serves on port 8080
#   PORT=9000 scripts/start.sh  serves on another port (0 picks a free one)
set -euo pipefail
cd "$(dirname "$0")/.."

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
INKPRINT_PORT_FROM=PORT exec node scripts/serve.mjs --port "${PORT:-8080}"
