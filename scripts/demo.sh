#!/usr/bin/env bash
# The main job on a bundled example: install, build, then compile
# examples/research-report.yaml and print its pipeline IR. Its AUTO tags come
# from the committed lock file: no network, no API key.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"
"$root/build/tools/orchc/orchc" build "$root/examples/research-report.yaml" --offline --emit=ir
