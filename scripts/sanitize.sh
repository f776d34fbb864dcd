#!/usr/bin/env bash
# Builds the GoogleTest suite with AddressSanitizer (which includes LeakSanitizer) and
# UndefinedBehaviorSanitizer (build/sanitize) and runs it. Any report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs="${INKPRINT_BUILD_JOBS:-2}"

echo "sanitize: building the tests (build/sanitize)"
cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
  -DINKPRINT_BUILD_TOOLS=OFF -DINKPRINT_BUILD_BENCHMARKS=OFF > build-sanitize.log 2>&1 \
  || { cat build-sanitize.log; exit 1; }
rm -f build-sanitize.log
cmake --build build/sanitize -j "$jobs" --target inkprint_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/sanitize --output-on-failure -j 2
