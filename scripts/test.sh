#!/usr/bin/env bash
# Installs, builds (main, fuzz and sanitizer configurations, all with
# -Werror) and runs every test: lit + FileCheck golden tests, GoogleTest
# unit tests and a short fuzz run, then the whole suite again under
# AddressSanitizer and UndefinedBehaviorSanitizer (clang-19). Tests of
# Node-side code alone (label node-only) and timing-margin tests sized for
# a release build (label asan-skip) run only in the first.
# Each stage prints its wall time (README.md, "CI layout").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
stage() {  # stage NAME COMMAND...: runs COMMAND, then prints its wall time
  local name=$1 t0=$SECONDS
  shift
  "$@"
  echo "test.sh: stage $name: $((SECONDS - t0)) s"
}
stage install-deps bash "$root/scripts/install-deps.sh"
stage build-fuzz bash "$root/scripts/build-fuzz.sh" -DORCH_WERROR=ON
stage build bash "$root/scripts/build.sh" -DORCH_WERROR=ON \
  -DORCH_FUZZ_BUILD_DIR="$root/build-fuzz/test/fuzz"
stage ctest bash -c "cd '$root/build' && ctest --output-on-failure -j $jobs"
stage build-asan bash "$root/scripts/build-asan.sh" -DORCH_WERROR=ON
stage ctest-asan bash -c "cd '$root/build-asan' && ctest --output-on-failure -j $jobs -LE 'node-only|asan-skip'"
