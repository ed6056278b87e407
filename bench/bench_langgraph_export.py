#!/usr/bin/env python3
"""The LangGraph export against orchrt and the hand-written LangGraph graph
(bench/langgraph/run_graph.mjs) on bench_all.py's two run benchmarks:

  * a chain of 1,000 no-op (echo) steps: per-step overhead;
  * 1,000 parallel steps of 10 ms (sleep): makespan;
  * 1,000 no-op steps in 10 layers of 100, each step depending on two of
    the layer before (`layered`): a shape the export wires with per-step
    readiness (docs/backends/langgraph.md, "Nodes and edges").

orchrt: its run phase (`orchrt --time`). Exported graph: `orchc export
--target=langgraph`, then run_export.mjs times orch_runtime.mjs's run()
(invoke() of the compiled graph, with template rendering, policies and the
result). Hand-written: invoke() of a bare StateGraph of the same shape. CPU time
(user and system) is reported for both Node runs: on a shared machine the
wall time also counts the waits for a core.
Medians of --runs runs (min-max). The table replaces the section between the
`langgraph-export` markers of docs/benchmarks.md (appended if missing).

  bench/bench_langgraph_export.py [--runs 3] [--steps 1000] [--no-write]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench_all import fmt_ms, langgraph, med, orchrt_phases, write_yaml  # noqa: E402

NODE_MODULES = os.path.join(ROOT, "test", "langgraph", "node", "node_modules")
BEGIN, END = "<!-- langgraph-export -->", "<!-- /langgraph-export -->"


def exported(orchc, yaml, out, runs):
    subprocess.run([orchc, "export", yaml, "--target=langgraph", "-o", out], check=True,
                   capture_output=True)
    os.symlink(NODE_MODULES, os.path.join(out, "node_modules"))
    r = subprocess.run(["node", os.path.join(HERE, "langgraph", "run_export.mjs"), out, str(runs)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"exported graph failed: {r.stderr[:500]}")
    got = json.loads(r.stdout)
    with open(os.path.join(out, "graph.mjs")) as f:
        wiring = "edges" if 'wiring: "edges"' in f.read() else "readiness"
    return (med([x / 1000 for x in got["runs_ms"]]), med([x / 1000 for x in got["cpu_ms"]]),
            wiring)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    a = ap.parse_args()
    orchc = os.path.join(a.build, "tools", "orchc", "orchc")
    orchrt = os.path.join(a.build, "tools", "orchrt", "orchrt")
    if not shutil.which("node") or not os.path.isdir(NODE_MODULES):
        sys.exit("needs node and test/langgraph/node's packages (scripts/install-deps.sh)")
    n = a.steps
    rows = []
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        for shape, action, what, j in (("chain", "echo", f"chain of {n} no-op steps", "1"),
                                       ("parallel", "sleep", f"{n} parallel steps of 10 ms", str(n)),
                                       ("layered", "echo", f"{n} no-op steps, layers of 100", str(n))):
            y = os.path.join(tmp, f"{shape}.yaml")
            write_yaml(y, shape, n, action, 10)
            plan = os.path.join(tmp, f"{shape}.bin")
            subprocess.run([orchc, "build", y, "-o", plan], check=True, capture_output=True)
            _, rt = orchrt_phases([orchrt, plan, "-j", j], a.runs)
            ex, cpu, wiring = exported(orchc, y, os.path.join(tmp, f"export-{shape}"), a.runs)
            hw = langgraph(tmp, shape, n, action, a.runs, 10, want="runs+cpu")
            load.append(os.getloadavg()[0])
            rows.append((what, wiring, rt, ex, cpu, hw))
            print(what, wiring, fmt_ms(rt), fmt_ms(ex), fmt_ms(cpu),
                  (fmt_ms(hw[0]) + " " + fmt_ms(hw[1])) if hw else "-", flush=True)
    lines = [BEGIN, "## The LangGraph export", "",
             "`bench/bench_langgraph_export.py`: the graph `orchc export --target=langgraph` writes, "
             "run by its `orch_runtime.mjs` (`run()`: `invoke()` plus template rendering, policies and "
             "the result), against `orchrt`'s run phase and the hand-written LangGraph graph of the "
             "same shape (`bench/langgraph/run_graph.mjs`, `invoke()` only). Same pinned "
             "`@langchain/langgraph` 1.7.3 on Node " + subprocess.run(["node", "--version"],
             capture_output=True, text=True).stdout.strip() + f"; medians of {a.runs} runs (min–max). The exported graph's CPU "
             "time (user and system, `process.cpuUsage`) is what its run costs whatever the load; "
             "its wall time also counts the waits for a core. Load average (1 min) during the "
             f"run: {min(load):.1f}–{max(load):.1f}.", "",
             "| benchmark | wiring | orchrt | exported graph | exported, CPU | hand-written LangGraph | hand-written, CPU | exported ÷ hand-written, CPU |",
             "|---|---|---|---|---|---|---|---|"]
    for what, wiring, rt, ex, cpu, hw in rows:
        hw_cells = f"{fmt_ms(hw[0])} | {fmt_ms(hw[1])} | {cpu[0] / hw[1][0]:.2f}×" if hw else "not run | | "
        lines.append(f"| {what} | {wiring} | {fmt_ms(rt)} | {fmt_ms(ex)} | {fmt_ms(cpu)} | {hw_cells} |")
    lines.append(END)
    block = "\n".join(lines) + "\n"
    print(block)
    if a.no_write:
        return
    path = os.path.join(ROOT, "docs", "benchmarks.md")
    with open(path) as f:
        text = f.read()
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block.rstrip("\n") + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
