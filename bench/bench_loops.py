#!/usr/bin/env python3
"""Measures a for_each loop in orchrt (issue #17's goal: 10,000 items whose
body is one `echo` step, max_parallel 1000, under 0.1 s).

Prints a Markdown section for docs/benchmarks.md: the median of N whole
runs (process start to exit) with min and max, the run phase as
`orchrt --time` reports it, peak RSS, and the load average while measuring.

  bench/bench_loops.py [--build build] [--runs 5] [--items 10000] [--max-parallel 1000] [--store]
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

PIPELINE = """name: loop_bench
inputs:
  items: {type: list}
steps:
  - id: each
    for_each: "{{ items }}"
    max_parallel: %d
    steps:
      - id: say
        action: echo
        parameters: {message: "{{ index }}: {{ item }}"}
  - id: after
    action: echo
    parameters: {message: "{{ each.count }}"}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--items", type=int, default=10000)
    ap.add_argument("--max-parallel", type=int, default=1000)
    ap.add_argument("--store", action="store_true",
                    help="record into a runs.db (orchrt's default) instead of --state none")
    a = ap.parse_args()
    orchc = os.path.join(a.build, "tools", "orchc", "orchc")
    orchrt = os.path.join(a.build, "tools", "orchrt", "orchrt")
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "loop.yaml")
        with open(src, "w") as f:
            f.write(PIPELINE % a.max_parallel)
        plan = os.path.join(d, "loop.bin")
        subprocess.run([orchc, "build", src, "-o", plan], check=True)
        inputs = os.path.join(d, "inputs.json")
        with open(inputs, "w") as f:
            json.dump({"items": [f"item{i}" for i in range(a.items)]}, f)
        out = os.path.join(d, "out.json")
        # --run-dir keeps the spill files of the big `results` (.orch-spill,
        # which stay with --out) in the temporary directory, not the cwd.
        state = ["--state-dir", os.path.join(d, "st")] if a.store else ["--state", "none"]
        cmd = [orchrt, plan, "-q", "--time", *state, "--run-dir", d, "--inputs", inputs,
               "--out", out]
        walls, runs, cpus = [], [], []
        load = os.getloadavg()[0]
        for _ in range(a.runs):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
            walls.append(time.perf_counter() - t0)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
            if r.returncode != 0:
                sys.exit(f"orchrt exited {r.returncode}: {r.stderr[:300]}")
            m = re.search(r"run ([0-9.]+) ms", r.stderr)
            runs.append(float(m.group(1)) if m else float("nan"))
        load = max(load, os.getloadavg()[0])
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with open(out) as f:
            res = json.load(f)
        count = res["steps"]["each"]["fields"]["count"]
        assert count == a.items, count
    w = [x * 1000 for x in walls]
    print(f"## for_each: {a.items:,} items, body one `echo`, max_parallel {a.max_parallel}\n")
    mode = "a runs.db, every item recorded" if a.store else "`--state none`"
    print(f"`bench/bench_loops.py`: whole runs (start to exit, {mode}), "
          f"median of {a.runs} with min–max; the run phase as `orchrt --time` reports it.\n")
    c = [x * 1000 for x in cpus]
    print("| items | whole run (wall) | run phase (wall) | CPU (user+sys) | peak RSS | load average |")
    print("|---|---|---|---|---|---|")
    print(f"| {a.items:,} | {statistics.median(w):.1f} ms ({min(w):.1f}–{max(w):.1f}) "
          f"| {statistics.median(runs):.1f} ms | {statistics.median(c):.0f} ms "
          f"({min(c):.0f}–{max(c):.0f}) | {rss:.0f} MiB | {load:.1f} |")


if __name__ == "__main__":
    main()
