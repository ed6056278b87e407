#!/usr/bin/env python3
"""Measures orchrt: wall time of whole runs (process start to exit), median
of N runs with min and max, as a Markdown table.

  1. 1,000 parallel `sleep 100 ms` steps with -j 1000   (goal <= 0.12 s)
  2. a 10,000-step chain of `echo` steps, each using the previous output
                                                        (goal <= 0.1 s)
  3. start-up: a one-step plan                          (goal <= 5 ms)

  bench/bench_run.py [--build build] [--runs 5] [--chain 10000] [--parallel 1000]
"""
import argparse
import re
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def wall(cmd, runs):
    # The scheduler alone: recording is measured by bench/bench_state.py.
    cmd = cmd + ["--state", "none"]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            sys.exit(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.decode()[:300]}")
    return statistics.median(times), min(times), max(times)


ALL_BUT_FUSE = ("validate,resolve-names,resolve-auto,check-actions,infer-outputs,"
                "resolve-deps,cycle-check,fold-constants,select-models,schedule,"
                "group-resources")


def run_phase(cmd, runs):
    """Median (and min, max) of the run phase alone, from `orchrt --time`."""
    times = []
    for _ in range(runs):
        r = subprocess.run(cmd + ["--time", "--state", "none"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
        m = re.search(r"run ([0-9.]+) ms", r.stderr)
        if r.returncode != 0 or not m:
            sys.exit(f"{' '.join(cmd)}: {r.stderr[:300]}")
        times.append(float(m.group(1)) / 1000)
    return statistics.median(times), min(times), max(times)


def build_plan(orchc, tmp, name, gen_args, extra=()):
    y = os.path.join(tmp, name + ".yaml")
    p = os.path.join(tmp, name + ".bin")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_pipeline.py"), "-o", y] + gen_args,
                   check=True)
    subprocess.run([orchc, "build", y, "-o", p] + list(extra), check=True,
                   stderr=subprocess.DEVNULL)
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--chain", type=int, default=10000)
    ap.add_argument("--parallel", type=int, default=1000)
    a = ap.parse_args()
    orchc = os.path.join(a.build, "tools", "orchc", "orchc")
    orchrt = os.path.join(a.build, "tools", "orchrt", "orchrt")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        par = build_plan(orchc, tmp, "par", ["--shape", "parallel", "--steps", str(a.parallel),
                                             "--action", "sleep", "--sleep-ms", "100"])
        chain = build_plan(orchc, tmp, "chain", ["--shape", "chain", "--steps", str(a.chain)])
        one = build_plan(orchc, tmp, "one", ["--shape", "chain", "--steps", "1"])
        # Fusion: the same chain with and without the fuse pass.
        tchain = build_plan(orchc, tmp, "tchain", ["--shape", "chain", "--steps",
                                                   str(a.chain), "--action", "transform"])
        unfused = build_plan(orchc, tmp, "unfused", ["--shape", "chain", "--steps",
                                                     str(a.chain), "--action", "transform"],
                             ["--passes=" + ALL_BUT_FUSE])
        m = wall([orchrt, par, "-q", "-j", str(a.parallel)], a.runs)
        rows.append((f"{a.parallel} parallel sleep 100 ms, -j {a.parallel}", m, 0.12,
                     f"{(m[0] - 0.1) * 1000:.1f} ms over the 100 ms critical path"))
        m = wall([orchrt, chain, "-q", "-j", "1"], a.runs)
        rows.append((f"{a.chain}-step echo chain", m, 0.1,
                     f"{m[0] / a.chain * 1e6:.2f} us a step (process included)"))
        fused_run = run_phase([orchrt, tchain, "-q", "-j", "1"], a.runs)
        rows.append((f"{a.chain}-step transform chain, run phase only (fused)", fused_run, None,
                     f"{fused_run[0] / a.chain * 1e6:.2f} us a step"))
        unfused_run = run_phase([orchrt, unfused, "-q", "-j", "1"], a.runs)
        rows.append((f"{a.chain}-step transform chain, run phase only (fuse pass off)", unfused_run,
                     None, f"{unfused_run[0] / a.chain * 1e6:.2f} us a step; fusion saves "
                     f"{(unfused_run[0] - fused_run[0]) / a.chain * 1e9:.0f} ns a step"))
        m = wall([orchrt, one, "-q"], max(a.runs, 20))
        rows.append(("start-up, 1-step plan", m, 0.005, ""))
    print(f"orchrt, {os.cpu_count()} cores; wall time of the whole process, "
          f"median of {a.runs} runs (start-up: {max(a.runs, 20)})\n")
    print("| case | median | min | max | goal | note |")
    print("|---|---|---|---|---|---|")
    for name, (med, lo, hi), goal, note in rows:
        target = "" if goal is None else (
            f"<= {goal * 1000:.0f} ms ({'ok' if med <= goal else 'MISSED'})")
        print(f"| {name} | {med * 1000:.1f} ms | {lo * 1000:.1f} ms | {hi * 1000:.1f} ms "
              f"| {target} | {note} |")


if __name__ == "__main__":
    main()
