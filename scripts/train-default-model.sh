#!/usr/bin/env bash
# Trains the page's default model on SVC2004 (both tasks, users 1-25 train, 26-30 choose the
# epoch and the fusion weight, 31-40 are held out) and writes web/models/default.inkprint. The
# DTW calibration and the fused threshold come from users 1-30. Then records the new
# file's ids in web/models/earlier-default-models.json, so that after the next retraining the
# page still accepts enrolments made with this one, if the network did not change.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x build/native/inkprint-train || ! -f web/wasm/inkprint.js ]]; then
  scripts/build.sh
fi
# One thread: the summed batch gradient depends on the thread count through float rounding, so
# this keeps the result the same on machines with any number of cores.
build/native/inkprint-train --out web/models/default.inkprint --threads 1 \
  --calibrate-on training,validation --threshold-on training,validation "$@"
node scripts/record-default-model.mjs web/models/default.inkprint
