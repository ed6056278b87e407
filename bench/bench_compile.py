#!/usr/bin/env python3
"""Measures `orchc check` wall time and peak memory against pipeline size
and shape. Prints a Markdown table: median of N runs, with min and max.

  bench/bench_compile.py [--orchc build/tools/orchc/orchc] [--sizes 1000,10000,100000]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_once(cmd):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(cmd)} exited {code}")
    return wall, usage.ru_maxrss / 1024.0  # KiB -> MiB


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--orchc", default=os.path.join(HERE, "..", "build", "tools", "orchc", "orchc"))
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--shapes", default="chain,layered,random,fanout")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores; runs per point: {a.runs}\n")
    print("| shape | steps | file MB | check s (median, min-max) | peak MiB | µs/step |")
    print("|---|---:|---:|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for shape in a.shapes.split(","):
            for n in map(int, a.sizes.split(",")):
                path = os.path.join(tmp, f"{shape}-{n}.yaml")
                subprocess.run([sys.executable, os.path.join(HERE, "gen_pipeline.py"),
                                "--shape", shape, "--steps", str(n), "-o", path], check=True)
                times, mems = [], []
                for _ in range(a.runs):
                    t, m = run_once([a.orchc, "check", path])
                    times.append(t)
                    mems.append(m)
                med = statistics.median(times)
                mb = os.path.getsize(path) / 1e6
                print(f"| {shape} | {n} | {mb:.1f} | {med:.3f} ({min(times):.3f}-{max(times):.3f}) "
                      f"| {max(mems):.0f} | {med / n * 1e6:.1f} |", flush=True)


if __name__ == "__main__":
    main()
