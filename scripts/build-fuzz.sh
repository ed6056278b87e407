#!/usr/bin/env bash
# Builds the libFuzzer targets alone with clang-19 (+ASan) into build-fuzz/,
# (RelWithDebInfo, nothing else built); scripts/test.sh points the GCC build's
# fuzz smoke tests at them. `scripts/build-asan.sh -DORCH_SANITIZE_FUZZERS=ON`
# builds the same targets inside the sanitized build instead.
# Usage: scripts/build-fuzz.sh [extra cmake args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ORCH_FUZZ_DIR:-$root/build-fuzz}
cmake -S "$root" -B "$build" -G Ninja -DORCH_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 "$@" >/dev/null
cmake --build "$build"
