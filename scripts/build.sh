#!/usr/bin/env bash
# Builds the native library, tools and tests (build/native) and the WebAssembly modules
# (build/wasm), both in Release, and copies the modules into web/wasm/ and the page's plotting
# library (uPlot, from node_modules after scripts/setup.sh) into web/vendor/.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs="${INKPRINT_BUILD_JOBS:-2}"

echo "build: native (build/native)"
cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release > build-native.log 2>&1 || { cat build-native.log; exit 1; }
cmake --build build/native -j "$jobs"

echo "build: WebAssembly (build/wasm)"
emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release > build-wasm.log 2>&1 || { cat build-wasm.log; exit 1; }
cmake --build build/wasm -j "$jobs"
rm -f build-native.log build-wasm.log

mkdir -p web/wasm
cp build/wasm/inkprint.js build/wasm/inkprint.wasm build/wasm/inkprint-train.js build/wasm/inkprint-train.wasm web/wasm/

if [[ ! -f node_modules/uplot/dist/uPlot.esm.js ]]; then
  echo "build: node_modules/uplot is missing: run scripts/setup.sh (it runs npm ci), then build again" >&2
  exit 1
fi
mkdir -p web/vendor
cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css web/vendor/
