#!/usr/bin/env bash
# Measures the default model's configuration under the SVC2004 protocol with 4-fold
# writer-independent cross-validation on each task. It runs inkprint-evaluate --method fusion,
# which trains one network per fold with the options of scripts/train-default-model.sh. The
# summary that the page shows in its footer goes to web/models/default-accuracy.json.
# Takes about 5 minutes on 2 cores. Extra arguments go to both inkprint-evaluate runs.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x build/native/inkprint-evaluate ]]; then
  scripts/build.sh
fi
for task in 1 2; do
  build/native/inkprint-evaluate --method fusion --task "$task" --threads 1 --calibrate-on training,validation \
    --threshold-on training,validation \
    --out "build/evaluation/default-task$task" "$@"
done

node --input-type=module - build/evaluation/default-task1/summary.json \
  build/evaluation/default-task2/summary.json web/models/default-accuracy.json <<'EOF'
import { readFileSync, writeFileSync } from 'node:fs';

const [task1, task2, output] = process.argv.slice(2);
const accuracy = {
  measured: new Date().toISOString().slice(0, 10),
  command: 'scripts/measure-default-accuracy.sh',
  tasks: [task1, task2].map((file) => JSON.parse(readFileSync(file, 'utf8'))),
};
writeFileSync(output, JSON.stringify(accuracy, null, 2) + '\n');
console.log(`wrote ${output}`);
EOF
