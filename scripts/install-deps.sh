#!/usr/bin/env bash
# Installs every Debian package the project needs to build and test.
# Idempotent: re-running it on a machine that has everything is a no-op apart
# from the package index check. Debian 12 (bookworm), run as root.
set -euo pipefail

PACKAGES=(
  # compiler and build
  g++ cmake ninja-build python3 git
  # LLVM 19: ADT/Support, FileCheck, not, lit; clang 19 + compiler-rt for libFuzzer
  llvm-19-dev llvm-19-tools clang-19 libclang-rt-19-dev zlib1g-dev libzstd-dev
  # libraries from the design card
  antlr4 libantlr4-runtime-dev libyaml-cpp-dev nlohmann-json3-dev libfmt-dev
  libcurl4-openssl-dev libgtest-dev libgmock-dev libbenchmark-dev
  # the plan format: FlatBuffers schema compiler and headers
  flatbuffers-compiler libflatbuffers-dev
  # formatting
  clang-format
  # the step sandbox (runtime/sandbox): bwrap and the seccomp filter compiler
  bubblewrap libseccomp-dev
  # the Jinja2 oracle of the template differential test (for /usr/bin/python3)
  python3-jinja2
)
# Node.js and npm run LangGraph JS for the benchmarks (bench/langgraph).
# Debian's packages, unless the machine already has a node and an npm.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
else
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The pinned LangGraph JS packages, from the npm registry, once: again only
# when the lock file changed.
lg="$(cd "$(dirname "$0")/.." && pwd)/bench/langgraph"
if [[ ! -f "$lg/node_modules/.package-lock.json" ||
      "$lg/package-lock.json" -nt "$lg/node_modules/.package-lock.json" ]]; then
  echo "install-deps: npm ci in bench/langgraph"
  # Only the LangGraph side of the benchmarks needs these: without them
  # bench/bench_all.py says "not run" there, so a failure is not fatal.
  (cd "$lg" && npm ci --no-audit --no-fund --loglevel=error) ||
    echo "install-deps: warning: npm ci failed; LangGraph benchmarks will not run" >&2
else
  echo "install-deps: bench/langgraph packages present"
fi

# The pinned MCP TypeScript SDK for the interop test (test/mcp), the same way.
mc="$(cd "$(dirname "$0")/.." && pwd)/test/fixtures/mcp_client"
if [[ ! -f "$mc/node_modules/.package-lock.json" ||
      "$mc/package-lock.json" -nt "$mc/node_modules/.package-lock.json" ]]; then
  echo "install-deps: npm ci in test/fixtures/mcp_client"
  # Without them test/mcp/sdk_client.test is UNSUPPORTED, so not fatal.
  (cd "$mc" && npm ci --no-audit --no-fund --loglevel=error) ||
    echo "install-deps: warning: npm ci failed; the MCP SDK interop test will not run" >&2
else
  echo "install-deps: test/fixtures/mcp_client packages present"
fi
