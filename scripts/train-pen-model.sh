#!/usr/bin/env bash
# Trains the page's pen model on SVC2004 task 2, whose tablet measured pen pressure (users 1-25
# train, 26-30 choose the epoch and the fusion weight, 31-40 are held out), and writes
# web/models/pen.inkprint. The DTW calibration and the fused threshold come from users 1-30.
# Its time warping compares pressure too (--dtw-sequence dynamics-pressure-template), so it
# verifies only signatures made with a pen that measures pressure.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x build/native/inkprint-train ]]; then
  scripts/build.sh
fi
# One thread, as for the default model: the result is then the same on any machine.
build/native/inkprint-train --out web/models/pen.inkprint --threads 1 --tasks 2 \
  --dtw-sequence dynamics-pressure-template --calibrate-on training,validation \
  --threshold-on training,validation "$@"
