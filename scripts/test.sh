#!/usr/bin/env bash
# Runs every test. The GoogleTest suite runs through CTest natively and compiled to WebAssembly,
# the WebAssembly module's tests in Node, and the browser tests in headless Chromium. Then the
# GoogleTest suite runs again under AddressSanitizer and UndefinedBehaviorSanitizer, and each
# parser under libFuzzer for INKPRINT_FUZZ_SECONDS (default 20) seconds. Installs and builds what is missing.
# Tests that need the SVC2004 data read it from $INKPRINT_SVC2004_DIR (default
# ../shared/data/svc2004 beside this checkout).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --tests
scripts/build.sh

# Under CI a missing data set fails the data tests instead of skipping them.
if [[ "${CI:-}" == "true" ]]; then
  export INKPRINT_REQUIRE_DATA=1
fi

echo "test: native GoogleTest suite"
ctest --test-dir build/native --output-on-failure -j 2

echo "test: the same GoogleTest suite compiled to WebAssembly, under Node"
ctest --test-dir build/wasm --output-on-failure -j 2

echo "test: WebAssembly module in Node"
node --test tests/wasm/

echo "test: scripts in Node"
node --test tests/scripts/

echo "test: page in headless Chromium"
node --test tests/browser/

echo "test: GoogleTest suite under AddressSanitizer and UndefinedBehaviorSanitizer"
scripts/sanitize.sh

echo "test: every parser under libFuzzer, ${INKPRINT_FUZZ_SECONDS:-20} s each"
scripts/fuzz.sh "${INKPRINT_FUZZ_SECONDS:-20}"

echo "test: every suite passed (native, WebAssembly, Node and browser)"
