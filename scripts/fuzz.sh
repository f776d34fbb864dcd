#!/usr/bin/env bash
# Builds the libFuzzer targets (build/fuzz, clang with AddressSanitizer and
# UndefinedBehaviorSanitizer) and runs each one for a fixed time, starting from the seed
# inputs in fuzz/corpus/ and the default model.
#   scripts/fuzz.sh          20 seconds per target
#   scripts/fuzz.sh 300      300 seconds per target
# A crash stops the script with the fuzzer's report and the input that caused it.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
jobs="${INKPRINT_BUILD_JOBS:-2}"

echo "fuzz: building the targets (build/fuzz)"
CXX=clang++-14 cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
  -DINKPRINT_BUILD_FUZZERS=ON -DINKPRINT_BUILD_TESTS=OFF -DINKPRINT_BUILD_TOOLS=OFF \
  -DINKPRINT_BUILD_BENCHMARKS=OFF > build-fuzz.log 2>&1 || { cat build-fuzz.log; exit 1; }
rm -f build-fuzz.log
cmake --build build/fuzz -j "$jobs" --target fuzz_svc2004 fuzz_ink_json fuzz_inkml fuzz_model fuzz_model_description

for name in svc2004 ink_json inkml model model_description; do
  corpus="build/fuzz/corpus/$name"
  mkdir -p "$corpus"
  if [[ -d "fuzz/corpus/$name" ]]; then
    cp -n fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
  fi
  if [[ "$name" == model ]]; then
    cp -n web/models/default.inkprint "$corpus"/
  fi
  echo "fuzz: $name for $seconds s"
  # The model file is about 12.5 KB; the text formats need far less to reach every branch.
  max_len=$([[ "$name" == model ]] && echo 16384 || echo 8192)
  log="build/fuzz/fuzz_$name.log"
  if ! (cd build/fuzz && "./fuzz_$name" "corpus/$name" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len="$max_len" -print_final_stats=1) > "$log" 2>&1; then
    tail -n 80 "$log"
    echo "fuzz: fuzz_$name failed; the full report is in $log, the input in build/fuzz/crash-*" >&2
    exit 1
  fi
  grep -E "^Done|number_of_executed_units" "$log"
done
echo "fuzz: no crash in any target"
