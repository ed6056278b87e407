#!/usr/bin/env python3
"""The exported graph's shape and manifest.

For each pipeline: `orchc export --target=langgraph`, then under Node
(inspect_export.mjs, with test/langgraph/node's packages):

- `graph.getGraph().drawMermaid()` must have exactly the nodes and edges of
  `orchc graph --format=mermaid` once both notations are reduced to
  (from, to) pairs of step ids: every edge between steps must be a
  dependency (no phantom edge, a join drawn from each of its sources);
- the edges of LangGraph's `__start__` and `__end__` are checked too, never
  dropped: with edges (`pipeline.wiring`, docs/backends/langgraph.md "Nodes
  and edges") `__start__` has an edge to exactly the steps without
  dependencies; with per-step readiness to every step (every node runs in
  the first super-step and waits there for its dependencies, "The
  drawing"); exactly the steps no step depends on have an edge to
  `__end__`;
- the wiring is the one expected of the pipeline (WIRING=NAME arguments
  before a pipeline set it for the pipelines that follow);
- `langgraph.json` must validate with ajv against the LangGraph CLI's
  published config schema, pinned in langgraph-cli-schema.json (from
  https://github.com/langchain-ai/langgraph/blob/f09cfe8ffc1eeffd68f4b628ed69c30f7cad229f/libs/cli/schemas/schema.json).

Usage: graph_checks.py ORCHC PIPELINE...
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = os.path.join(HERE, "node", "node_modules")
SCHEMA = os.path.join(HERE, "langgraph-cli-schema.json")


def orchc_edges(orchc, pipe):
    text = subprocess.run([orchc, "graph", pipe, "--format=mermaid"],
                          check=True, capture_output=True, text=True).stdout
    names = {m.group(1): m.group(2) for m in re.finditer(r'^\s+(s\d+)\["([^<"]+)', text, re.M)}
    edges = {(names[a], names[b]) for a, b in re.findall(r"^\s+(s\d+) [-=.>]+ (s\d+)$", text, re.M)}
    return set(names.values()), edges


def langgraph_edges(mermaid):
    nodes = set(re.findall(r"^\s+([\w-]+)\(", mermaid, re.M))
    nodes |= set(re.findall(r"^\s+([\w-]+)\[", mermaid, re.M))
    edges = set()
    for a, b in re.findall(r"^\s+([\w-]+) -[-.]+> ([\w-]+);?$", mermaid, re.M):
        edges.add((a, b))
    special = {"__start__", "__end__"}
    steps = {(a, b) for a, b in edges if a not in special and b not in special}
    return nodes - special, steps, edges - steps


def not_run(name, why):
    """Missing node or packages: ctest's SKIP (77), or a failure where they
    must be there (CI, or ORCH_REQUIRE_LANGGRAPH=1)."""
    print(f"{name}: not run ({why})")
    sys.exit(1 if os.environ.get("CI") or os.environ.get("ORCH_REQUIRE_LANGGRAPH") == "1" else 77)


def main():
    orchc, args = sys.argv[1], sys.argv[2:]
    pipelines, wirings, wiring = [], {}, None
    for a in args:
        if a.startswith("WIRING="):
            wiring = a[len("WIRING="):]
        else:
            pipelines.append(a)
            wirings[a] = wiring
    if not shutil.which("node") or not os.path.isdir(os.path.join(NODE_MODULES, "ajv")):
        not_run("langgraph-graph-checks", "node or test/langgraph/node's packages missing")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, src in enumerate(pipelines):
            name = os.path.basename(src)
            work = os.path.join(tmp, str(i))
            os.makedirs(work)
            pipe = os.path.join(work, name)
            shutil.copy(src, pipe)
            lock = src[:-5] + ".auto.lock"
            if os.path.exists(lock):
                shutil.copy(lock, work)
            # In place: the registry and configuration beside the pipeline.
            for beside in ("models.yaml", "config.yaml"):
                if os.path.exists(os.path.join(os.path.dirname(src), beside)):
                    shutil.copy(os.path.join(os.path.dirname(src), beside), work)
            out = os.path.join(work, "out")
            subprocess.run([orchc, "export", pipe, "--offline", "--target=langgraph",
                            "--allow-unsandboxed-shell", "-o", out], check=True, capture_output=True)
            os.symlink(NODE_MODULES, os.path.join(out, "node_modules"))
            r = subprocess.run(["node", os.path.join(HERE, "inspect_export.mjs"), out, SCHEMA],
                               capture_output=True, text=True)
            if r.returncode != 0:
                failures.append(f"{name}: inspect_export.mjs failed: {r.stderr}")
                continue
            got = json.loads(r.stdout)
            want_nodes, want_edges = orchc_edges(orchc, pipe)
            nodes, edges, special = langgraph_edges(got["mermaid"])
            if nodes != want_nodes or edges != want_edges:
                failures.append(f"{name}: graphs differ: orchc {sorted(want_nodes)} {sorted(want_edges)}; "
                                f"langgraph {sorted(nodes)} {sorted(edges)}\n{got['mermaid']}")
            sinks = want_nodes - {a for a, _ in want_edges}
            roots = want_nodes - {b for _, b in want_edges}
            if wirings[src] and got["wiring"] != wirings[src]:
                failures.append(f"{name}: wired as {got['wiring']}, expected {wirings[src]}")
            starts = roots if got["wiring"] == "edges" else want_nodes
            want_special = {("__start__", s) for s in starts} | {(s, "__end__") for s in sinks}
            if special != want_special:
                failures.append(f"{name}: START/END edges differ: want {sorted(want_special)}; "
                                f"langgraph {sorted(special)}\n{got['mermaid']}")
            if not got["valid"]:
                failures.append(f"{name}: langgraph.json is not valid: {got['errors']}")
            print(f"  {name}: {got['wiring']}, {len(nodes)} nodes, {len(edges)} edges as orchc draws them, "
                  f"{len(special)} START/END edges; "
                  f"langgraph.json valid: {got['valid']}")
    print(f"langgraph-graph-checks: {len(pipelines)} pipelines, {len(failures)} failures")
    for f in failures:
        print(f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
