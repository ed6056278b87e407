#!/usr/bin/env python3
"""langgraph-direct-invoke: exports corpus/direct_invoke.yaml (per-step
readiness) and corpus/direct_invoke_edges.yaml (edges) and runs
direct_invoke_test.mjs on each under test/langgraph/node's LangGraph.

Usage: direct_invoke.py ORCHC
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = os.path.join(HERE, "node", "node_modules")


def main():
    orchc = sys.argv[1]
    if not shutil.which("node") or not os.path.isdir(os.path.join(NODE_MODULES, "@langchain", "langgraph")):
        print("langgraph-direct-invoke: not run (node or test/langgraph/node's packages missing)")
        sys.exit(1 if os.environ.get("CI") or os.environ.get("ORCH_REQUIRE_LANGGRAPH") == "1" else 77)
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        # The same test on both wirings, per-step readiness and edges, side
        # by side: each mostly waits on its steps' timers. Output in order.
        runs = []
        try:
            for name in ("direct_invoke.yaml", "direct_invoke_edges.yaml"):
                out = os.path.join(tmp, name)
                subprocess.run([orchc, "export", os.path.join(HERE, "corpus", name), "--offline",
                                "--target=langgraph", "-o", out], check=True)
                os.symlink(NODE_MODULES, os.path.join(out, "node_modules"))
                runs.append((name, subprocess.Popen(
                    ["node", os.path.join(HERE, "direct_invoke_test.mjs"), out],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
            # One deadline for both, below ctest's TIMEOUT (300 s), so a hang
            # still prints what each wiring said.
            deadline = time.monotonic() + 270
            for name, p in runs:
                try:
                    text, _ = p.communicate(timeout=max(1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.kill()
                    text, _ = p.communicate()
                    text += "\n(killed: both wirings together took over 270 s)"
                print(f"{name}:\n{text}", end="", flush=True)
                status = status or p.returncode
        finally:
            for _, p in runs:  # an export that failed leaves no Node behind
                if p.poll() is None:
                    p.kill()
                    p.wait()
    sys.exit(status)


if __name__ == "__main__":
    main()
