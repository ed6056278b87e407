#!/usr/bin/env bash
# Builds the tools and every test with clang-19 under AddressSanitizer and
# UndefinedBehaviorSanitizer into build-asan/ (ORCH_SANITIZE in CMakeLists.txt),
# with -DORCH_SANITIZE_FUZZERS=ON also the libFuzzer targets in
# build-asan/test/fuzz, whose fuzz smoke tests its lit then runs.
# Usage: scripts/build-asan.sh [extra cmake args...]; then run its tests with
#   cd build-asan && ctest --output-on-failure
# (ctest sets ASAN_OPTIONS/UBSAN_OPTIONS; lit uses build-asan's own tools).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ORCH_ASAN_DIR:-$root/build-asan}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DORCH_SANITIZE=address,undefined "$@" >/dev/null
cmake --build "$build"
