#!/usr/bin/env bash
# Installs what building and testing Inkprint needs and is missing: Debian packages through
# apt-get (when run as root) and the npm packages of package-lock.json.
#   scripts/setup.sh           build tools only
#   scripts/setup.sh --tests   also Chromium for the browser tests
#   scripts/setup.sh --bench   also Chromium and PyTorch (python3-torch, about 630 MB with its
#                              libraries) for the benchmarks of bench/ and their peers
set -euo pipefail
cd "$(dirname "$0")/.."

# Tools are looked up as commands, since they may come from elsewhere than Debian (Node.js
# from NodeSource, say); libraries and Emscripten as Debian packages.
declare -A tool_packages=([cmake]=cmake [make]=make [g++]=g++ [node]=nodejs [npm]=npm [emcc]=emscripten)
packages=(libeigen3-dev libxsimd-dev libgtest-dev libbenchmark-dev)
if [[ "${1:-}" == "--tests" ]]; then
  tool_packages[chromium]=chromium
  # libFuzzer and the sanitizer runtimes for scripts/fuzz.sh.
  tool_packages[clang++-14]=clang-14
  packages+=(libclang-rt-14-dev)
fi
if [[ "${1:-}" == "--bench" ]]; then
  tool_packages[chromium]=chromium
  packages+=(python3-torch)
fi

missing=()
for tool in "${!tool_packages[@]}"; do
  if ! command -v "$tool" > /dev/null; then
    missing+=("${tool_packages[$tool]}")
  fi
done
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -q
  # Without --no-install-recommends, chromium alone pulls in about 130 more packages.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ ! -d node_modules/playwright-core ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund
fi
