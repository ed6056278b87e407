#!/usr/bin/env bash
# The main job on a bundled example: install, build, compile
# examples/release-notes.yaml to a plan and run it with orchrt. Its AUTO tag
# comes from the committed lock file and its steps are local actions: no
# network, no API key. The run directory is build/demo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"
demo="$root/build/demo"
rm -rf "$demo" && mkdir -p "$demo"
"$root/build/tools/orchc/orchc" build "$root/examples/release-notes.yaml" --offline \
  -o "$demo/release-notes.plan"
"$root/build/tools/orchrt/orchrt" "$demo/release-notes.plan" --run-dir "$demo" \
  --out "$demo/result.json"
echo "--- $demo/release-notes.md"
cat "$demo/release-notes.md"
