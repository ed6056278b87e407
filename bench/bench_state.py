#!/usr/bin/env python3
"""Measures durable runs (docs/state.md), as Markdown for docs/benchmarks.md.

  1. per-step cost of recording: a chain of N `echo` steps (each using the
     previous output), run phase from `orchrt --time`, for each backend and
     checkpoint strategy beside `--state none`;
  2. resume of an N-step chain whose last step failed (N-1 done): wall time
     from starting `orchrt --resume RUN_ID` to the last step's command
     starting (goal <= 200 ms);
  3. the state size after R runs of a pipeline whose large output barely
     changes (one line differs a run), beside the bytes of outputs produced.

  bench/bench_state.py [--build build] [--steps 10000] [--runs 3]
                       [--postgres URL] [--size-runs 100]
                       [--only record|resume|size]

The resume rows also give the resuming process's CPU time (user + sys, from
wait4) and the load average before each measurement: on a shared machine
the wall time is mostly waiting for a core, the CPU time is what orchrt costs.
"""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def timed(cmd):
    """Runs cmd; returns (wall ms, CPU ms of the child: user + sys, result)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = (time.time() - t0) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr[:400]}")
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu, r


HERE = os.path.dirname(os.path.abspath(__file__))


def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr[:400]}")
    return r


def run_phase(cmd, runs):
    times = []
    for _ in range(runs):
        r = sh(cmd + ["--time", "-q"])
        times.append(float(re.search(r"run ([0-9.]+) ms", r.stderr).group(1)))
    return statistics.median(times), min(times), max(times)


def fmt(t):
    return f"{t[0]:.1f} ms ({t[1]:.1f}–{t[2]:.1f})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--postgres", default="")
    ap.add_argument("--size-runs", type=int, default=100)
    ap.add_argument("--only", choices=["record", "resume", "size"], default="")
    a = ap.parse_args()
    orchc = os.path.join(a.build, "tools", "orchc", "orchc")
    orchrt = os.path.join(a.build, "tools", "orchrt", "orchrt")
    with tempfile.TemporaryDirectory() as tmp:
        stores = [("sqlite", ["--state-dir", os.path.join(tmp, "state")])]
        if a.postgres:
            stores.append(("postgresql", ["--state", a.postgres]))
        if a.only in ("", "record"):
            record(a, orchc, orchrt, tmp, stores)
        if a.only in ("", "resume"):
            resume(a, orchc, orchrt, tmp, stores)
        if a.only in ("", "size"):
            size(a, orchc, orchrt, tmp)


def record(a, orchc, orchrt, tmp, stores):
    """Per-step cost of recording on an `echo` chain."""
    src = os.path.join(tmp, "chain.yaml")
    with open(src, "w") as f:
        f.write(sh([sys.executable, os.path.join(HERE, "gen_pipeline.py"), "--shape",
                    "chain", "--steps", str(a.steps)]).stdout)
    plan = os.path.join(tmp, "chain.bin")
    sh([orchc, "build", src, "-o", plan])
    print(f"### Recording cost: a {a.steps}-step `echo` chain\n")
    print("| store | strategy | run phase | per step |")
    print("|---|---|---|---|")
    base = run_phase([orchrt, plan, "--state", "none"], a.runs)
    print(f"| none | — | {fmt(base)} | {base[0] * 1000 / a.steps:.2f} µs |")
    for name, flags in stores:
        for strat in ("every_step", "adaptive", "none"):
            t = run_phase([orchrt, plan, "--checkpoint", strat] + flags, a.runs)
            print(f"| {name} | {strat} | {fmt(t)} | {t[0] * 1000 / a.steps:.2f} µs |")


def resume(a, orchc, orchrt, tmp, stores):
    """Resume with all but the last step done."""
    print(f"\n### Resume: {a.steps - 1} of {a.steps} steps done\n")
    print("| store | to the last step's start | CPU of the resuming orchrt | "
          "load average (1 min) |")
    print("|---|---|---|---|")
    rsrc = os.path.join(tmp, "resume.yaml")
    lines = ["name: resume", "steps:"]
    for i in range(a.steps - 1):
        lines += [f"  - id: s{i}", "    action: echo", "    parameters: {message: x}"]
        if i:
            lines.append(f"    dependencies: [s{i - 1}]")
    lines += ["  - id: last", "    action: shell",
              "    parameters: {command: \"date +%s.%N > started; test -e ready\", "
              f"run_dir: write}}", f"    dependencies: [s{a.steps - 2}]"]
    with open(rsrc, "w") as f:
        f.write("\n".join(lines) + "\n")
    rplan = os.path.join(tmp, "resume.bin")
    sh([orchc, "build", rsrc, "-o", rplan])
    for name, flags in stores:
        starts, cpus, loads = [], [], []
        for _ in range(a.runs):
            wd = tempfile.mkdtemp(dir=tmp)
            r = subprocess.run([orchrt, rplan, "--no-sandbox", "--run-dir", wd,
                                "--progress=plain"] + flags,
                               capture_output=True, text=True)
            run_id = re.search(r"^run (r-\S+)", r.stderr, re.M).group(1)
            open(os.path.join(wd, "ready"), "w").close()
            loads.append(os.getloadavg()[0])
            t0 = time.time()
            _, cpu, r = timed([orchrt, rplan, "--no-sandbox", "--run-dir", wd, "-q",
                               "--resume", run_id] + flags)
            started = float(open(os.path.join(wd, "started")).read())
            starts.append((started - t0) * 1000)
            cpus.append(cpu)
        s = (statistics.median(starts), min(starts), max(starts))
        c = (statistics.median(cpus), min(cpus), max(cpus))
        print(f"| {name} | {fmt(s)} | {fmt(c)} | "
              f"{min(loads):.2f}–{max(loads):.2f} |")


def size(a, orchc, orchrt, tmp):
    """State size after many runs whose large output barely changes."""
    # 3. State size after many runs whose large output barely changes.
    print(f"\n### State size after {a.size_runs} runs\n")
    ssrc = os.path.join(tmp, "size.yaml")
    with open(ssrc, "w") as f:
        f.write("name: size\ninputs:\n  n: {type: int}\nsteps:\n"
                "  - id: big\n    action: shell\n    parameters: {command: "
                "\"seq 1 20000; echo run {{ inputs.n }}\"}\n"
                "  - id: small\n    action: echo\n    parameters: {message: "
                "\"{{ inputs.n }}\"}\n")
    splan = os.path.join(tmp, "size.bin")
    sh([orchc, "build", ssrc, "-o", splan])
    sdir = os.path.join(tmp, "size-state")
    produced = 0
    for n in range(a.size_runs):
        sh([orchrt, splan, "--no-sandbox", "-q", "--input", f"n={n}", "--state-dir", sdir])
        produced += len(subprocess.run("seq 1 20000", shell=True, capture_output=True).stdout) + 10
    db = os.path.join(sdir, "runs.db")
    subprocess.run([sys.executable, "-c",
                    "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                    "c.execute('PRAGMA wal_checkpoint(TRUNCATE)')", db])
    size = os.path.getsize(db)
    print("| runs | outputs produced | runs.db | per run |")
    print("|---|---|---|---|")
    print(f"| {a.size_runs} | {produced / 1e6:.1f} MB (stdout and output fields: "
          f"{2 * produced / 1e6:.1f} MB) | {size / 1e6:.2f} MB | {size / a.size_runs / 1e3:.1f} kB |")


if __name__ == "__main__":
    main()
