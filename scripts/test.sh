#!/usr/bin/env bash
# Installs, builds (main and sanitizer configurations, both with -Werror)
# and runs every test: lit + FileCheck golden tests and GoogleTest unit
# tests (GCC), then the whole suite again under AddressSanitizer and
# UndefinedBehaviorSanitizer (clang-19), whose build also holds the
# libFuzzer targets (-DORCH_SANITIZE_FUZZERS=ON) and whose lit runs the
# short fuzz runs. Tests of Node-side code alone (label node-only) and the
# randomized LangGraph parity (label asan-skip: timing margins sized for a
# release build) run only in the first; the JS differential runs in the
# second as the export's compiler alone (ORCH_JS_DIFF_COMPILE_ONLY); the parity corpus runs in the
# second through orchc and orchrt alone (ORCH_PARITY_ORCHRT_ONLY).
# Both builds are unity builds (ORCH_UNITY, CMakeLists.txt).
# Each stage prints its wall time (README.md, "CI layout").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# One ctest job more than cores: the LangGraph parity tests (one after the
# other, RESOURCE_LOCK langgraph_timing: about 250 s of the release stage)
# mostly wait on timers and their child processes, and would otherwise
# hold one of two slots idle.
jobs=$(($(nproc) + 1))
stage() {  # stage NAME COMMAND...: runs COMMAND, then prints its wall time
  local name=$1 t0=$SECONDS
  shift
  "$@"
  echo "test.sh: stage $name: $((SECONDS - t0)) s"
}
stage install-deps bash "$root/scripts/install-deps.sh"
stage build bash "$root/scripts/build.sh" -DORCH_WERROR=ON
stage ctest bash -c "cd '$root/build' && ctest --output-on-failure -j $jobs"
stage build-asan bash "$root/scripts/build-asan.sh" -DORCH_WERROR=ON -DORCH_SANITIZE_FUZZERS=ON
stage ctest-asan bash -c "cd '$root/build-asan' && ctest --output-on-failure -j $jobs -LE 'node-only|asan-skip'"
