#!/usr/bin/env bash
# Builds the native library, tools and tests (build/native) and the WebAssembly module
# (build/wasm), both in Release, and copies the module into web/wasm/ for the page.
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
cp build/wasm/inkprint.js build/wasm/inkprint.wasm web/wasm/
