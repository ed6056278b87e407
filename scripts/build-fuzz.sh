#!/usr/bin/env bash
# Builds the libFuzzer targets alone with clang-19 (+ASan) into build-fuzz/,
# (RelWithDebInfo, nothing else built), for long fuzzing sessions; a build
# configured with -DORCH_FUZZ_BUILD_DIR=build-fuzz/test/fuzz runs its fuzz
# smoke tests with them. CI builds the same targets inside the sanitized
# build instead (`scripts/build-asan.sh -DORCH_SANITIZE_FUZZERS=ON`).
# Usage: scripts/build-fuzz.sh [extra cmake args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ORCH_FUZZ_DIR:-$root/build-fuzz}
cmake -S "$root" -B "$build" -G Ninja -DORCH_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 "$@" >/dev/null
cmake --build "$build"
