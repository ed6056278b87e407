#!/usr/bin/env python3
"""langgraph-direct-invoke: exports corpus/direct_invoke.yaml and runs
direct_invoke_test.mjs on it under test/langgraph/node's LangGraph.

Usage: direct_invoke.py ORCHC
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = os.path.join(HERE, "node", "node_modules")


def main():
    orchc = sys.argv[1]
    if not shutil.which("node") or not os.path.isdir(os.path.join(NODE_MODULES, "@langchain", "langgraph")):
        print("langgraph-direct-invoke: not run (node or test/langgraph/node's packages missing)")
        sys.exit(1 if os.environ.get("CI") or os.environ.get("ORCH_REQUIRE_LANGGRAPH") == "1" else 77)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        subprocess.run([orchc, "export", os.path.join(HERE, "corpus", "direct_invoke.yaml"), "--offline",
                        "--target=langgraph", "-o", out], check=True)
        os.symlink(NODE_MODULES, os.path.join(out, "node_modules"))
        r = subprocess.run(["node", os.path.join(HERE, "direct_invoke_test.mjs"), out], timeout=300)
        sys.exit(r.returncode)


if __name__ == "__main__":
    main()
