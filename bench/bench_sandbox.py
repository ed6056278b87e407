#!/usr/bin/env python3
"""Measures what the step sandbox costs (docs/sandbox.md §7):

  1. start-to-exit of a one-step plan whose step is a no-op process
     (`argv: [true]`), sandboxed and with --no-sandbox: the run phase of
     `orchrt --time` (the step from start to exit, plan already loaded),
     p50 and p99 over N runs, and the difference (goal <= 5 ms added);
  2. CPU time per sandboxed start: a plan of --chain no-op steps run with
     -j1, sandboxed and not, --cpu-runs times each; the user + system time
     of orchrt and everything it started (RUSAGE_CHILDREN), the medians'
     difference divided by the sandboxed starts (the steps and orchrt's
     probe). The load inflates CPU time far less than wall time;
  3. 200 concurrent sandboxed steps (`sleep 1` each, -j 200): the run
     phase, and that every step completed.

  bench/bench_sandbox.py [--build build] [--runs 100] [--chain 50]
                         [--cpu-runs 5] [--concurrent 200]

The machine's load average is printed before and after: on a shared
machine the p99 follows it far more than the code.
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


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def run_ms(cmd):
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr[:400]}")
    m = re.search(r"run ([0-9.]+) ms", r.stderr)
    if not m:
        sys.exit("no --time line in: " + r.stderr[:400])
    return float(m.group(1))


def cpu_ms(cmd):
    """User + system CPU time of \p cmd and all it started, in ms."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return 1e3 * (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--chain", type=int, default=50)
    ap.add_argument("--cpu-runs", type=int, default=5)
    ap.add_argument("--concurrent", type=int, default=200)
    a = ap.parse_args()
    print("load average before: %.2f %.2f %.2f" % os.getloadavg())
    orchc = os.path.join(a.build, "tools/orchc/orchc")
    orchrt = os.path.join(a.build, "tools/orchrt/orchrt")
    with tempfile.TemporaryDirectory() as d:
        one = os.path.join(d, "one.yaml")
        with open(one, "w") as f:
            f.write("name: noop\nsteps:\n  - id: s\n    action: shell\n"
                    "    parameters: {argv: [\"true\"]}\n")
        subprocess.run([orchc, "build", one, "-o", one + ".bin"], check=True)
        base = [orchrt, one + ".bin", "-q", "--time", "--run-dir", d]
        rows = {}
        # Interleaved, so both modes see the same machine load.
        sb, ns = [], []
        for _ in range(a.runs):
            sb.append(run_ms(base))
            ns.append(run_ms(base + ["--no-sandbox"]))
        rows["sandboxed"] = sb
        rows["--no-sandbox"] = ns
        print("| one no-op step | p50 | p99 | mean | min |")
        print("|---|---|---|---|---|")
        for k, v in rows.items():
            print(f"| {k} | {pct(v, 50):.2f} ms | {pct(v, 99):.2f} ms | "
                  f"{statistics.mean(v):.2f} ms | {min(v):.2f} ms |")
        print(f"| added by the sandbox | {pct(sb, 50) - pct(ns, 50):.2f} ms | "
              f"{pct(sb, 99) - pct(ns, 99):.2f} ms | "
              f"{statistics.mean(sb) - statistics.mean(ns):.2f} ms | "
              f"{min(sb) - min(ns):.2f} ms |")

        chain = os.path.join(d, "chain.yaml")
        with open(chain, "w") as f:
            f.write("name: chain\nsteps:\n")
            for i in range(a.chain):
                f.write(f"  - id: s{i}\n    action: shell\n"
                        f"    parameters: {{argv: [\"true\"]}}\n")
        subprocess.run([orchc, "build", chain, "-o", chain + ".bin"], check=True)
        cmd = [orchrt, chain + ".bin", "-q", "-j1", "--run-dir", d]
        csb, cns = [], []
        for _ in range(a.cpu_runs):
            csb.append(cpu_ms(cmd))
            cns.append(cpu_ms(cmd + ["--no-sandbox"]))
        per = (statistics.median(csb) - statistics.median(cns)) / (a.chain + 1)
        print()
        print(f"| CPU time, {a.chain} no-op steps -j1 (median of {a.cpu_runs}) | "
              "sandboxed | --no-sandbox | added per sandboxed start |")
        print("|---|---|---|---|")
        print(f"| orchrt and its children | {statistics.median(csb):.1f} ms | "
              f"{statistics.median(cns):.1f} ms | {per:.2f} ms |")

        n = a.concurrent
        many = os.path.join(d, "many.yaml")
        with open(many, "w") as f:
            f.write("name: many\nsteps:\n")
            for i in range(n):
                f.write(f"  - id: s{i}\n    action: shell\n"
                        f"    parameters: {{argv: [sleep, \"1\"]}}\n")
        subprocess.run([orchc, "build", many, "-o", many + ".bin"], check=True)
        out = os.path.join(d, "r.json")
        ms = run_ms([orchrt, many + ".bin", "-q", "--time", f"-j{n}", "--run-dir", d,
                     "--out", out])
        steps = json.load(open(out))["steps"]
        done = sum(1 for s in steps.values() if s["status"] == "completed")
        print()
        print(f"| {n} concurrent sandboxed `sleep 1` steps | run | completed |")
        print("|---|---|---|")
        print(f"| -j{n} | {ms:.0f} ms | {done} of {n} |")
    print("load average after: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
