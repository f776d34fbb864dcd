#!/usr/bin/env bash
# Measures the pen model's configuration (scripts/train-pen-model.sh) under the SVC2004 protocol
# with 4-fold writer-independent cross-validation on task 2, the only set with pen pressure. It
# runs inkprint-evaluate --method fusion --dtw-sequence dynamics-pressure-template, which trains
# one network per fold. The summary that the page's footer shows while the pen model is in use
# goes to web/models/pen-accuracy.json. Takes about 2 minutes on 2 cores. Extra arguments go to
# inkprint-evaluate.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x build/native/inkprint-evaluate ]]; then
  scripts/build.sh
fi
build/native/inkprint-evaluate --method fusion --task 2 --threads 1 \
  --dtw-sequence dynamics-pressure-template --calibrate-on training,validation \
  --threshold-on training,validation \
  --out build/evaluation/pen-task2 "$@"

node --input-type=module - build/evaluation/pen-task2/summary.json web/models/pen-accuracy.json <<'SCRIPT'
import { readFileSync, writeFileSync } from 'node:fs';

const [task2, output] = process.argv.slice(2);
const accuracy = {
  measured: new Date().toISOString().slice(0, 10),
  command: 'scripts/measure-pen-accuracy.sh',
  tasks: [JSON.parse(readFileSync(task2, 'utf8'))],
};
writeFileSync(output, JSON.stringify(accuracy, null, 2) + '\n');
console.log(`wrote ${output}`);
SCRIPT
