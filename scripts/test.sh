#!/usr/bin/env bash
# Installs, builds (main and fuzz configurations) and runs every test:
# lit + FileCheck golden tests, GoogleTest unit tests and a short fuzz run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build-fuzz.sh"
bash "$root/scripts/build.sh" -DORCH_FUZZ_BUILD_DIR="$root/build-fuzz/test/fuzz"
cd "$root/build"
ctest --output-on-failure -j "$(nproc)"
