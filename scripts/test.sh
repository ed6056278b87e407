#!/usr/bin/env bash
# Installs, builds (main, fuzz and sanitizer configurations, all with
# -Werror) and runs every test: lit + FileCheck golden tests, GoogleTest
# unit tests and a short fuzz run, then the whole suite again under
# AddressSanitizer and UndefinedBehaviorSanitizer (clang-19).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build-fuzz.sh" -DORCH_WERROR=ON
bash "$root/scripts/build.sh" -DORCH_WERROR=ON -DORCH_FUZZ_BUILD_DIR="$root/build-fuzz/test/fuzz"
(cd "$root/build" && ctest --output-on-failure -j "$(nproc)")
bash "$root/scripts/build-asan.sh" -DORCH_WERROR=ON
(cd "$root/build-asan" && ctest --output-on-failure -j "$(nproc)")
