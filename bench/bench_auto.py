#!/usr/bin/env python3
"""Times AUTO resolution: a pipeline of N independent tags against the local
fake endpoint answering each request after a delay (model `slow-<ms>`),
cold (no lock, empty cache) and warm (from the lock). Medians of R runs.

  bench/bench_auto.py [--tags 50] [--delay-ms 200] [--runs 5]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--orchc", default=os.path.join(ROOT, "build", "tools", "orchc", "orchc"))
    ap.add_argument("--tags", type=int, default=50)
    ap.add_argument("--delay-ms", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    wrap = [sys.executable, os.path.join(ROOT, "test", "fixtures", "with_llm_server.py")]
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "tags.yaml")
        with open(p, "w") as f:
            f.write("name: auto_bench\nversion: 1.0.0\nsteps:\n")
            for i in range(a.tags):
                f.write(f"  - id: s{i}\n    action: write\n    parameters:\n"
                        f"      style: <AUTO>Pick style number {i}: terse, plain, or rich</AUTO>\n")
        for r in range(a.runs):
            cache = os.path.join(tmp, f"cache{r}")
            lock = os.path.join(tmp, "tags.auto.lock")
            if os.path.exists(lock):
                os.remove(lock)
            stats = os.path.join(tmp, "stats.json")
            # The wrapper starts the server first; time orchc alone inside it.
            timer = os.path.join(tmp, "t.txt")
            cmd = wrap + ["--stats", stats, "--", sys.executable, "-c",
                          "import subprocess,sys,time; t=time.perf_counter(); "
                          "c=subprocess.call(sys.argv[2:]); "
                          "open(sys.argv[1],'w').write(str(time.perf_counter()-t)); sys.exit(c)",
                          timer, a.orchc, "build", p, "--model", f"slow-{a.delay_ms}", "-o", os.devnull]
            env = dict(os.environ, ORCH_CACHE_DIR=cache)
            subprocess.run(cmd, env=env, check=True, stderr=subprocess.DEVNULL)
            cold.append(float(open(timer).read()))
            reqs = json.load(open(stats))["requests"]
            subprocess.run(cmd, env=env, check=True, stderr=subprocess.DEVNULL)
            warm.append(float(open(timer).read()))
            warm_reqs = json.load(open(stats))["requests"]
    print(f"{a.tags} tags, endpoint answers in {a.delay_ms} ms, {a.runs} runs, {os.cpu_count()} cores")
    print(f"cold build: median {statistics.median(cold):.3f} s (min {min(cold):.3f}, max {max(cold):.3f}), {reqs} requests")
    print(f"warm build: median {statistics.median(warm)*1000:.1f} ms (min {min(warm)*1000:.1f}, max {max(warm)*1000:.1f}), {warm_reqs} requests")


if __name__ == "__main__":
    main()
