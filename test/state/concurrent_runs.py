#!/usr/bin/env python3
"""N `orchrt` processes at once on one SQLite store (docs/state.md §1).

  concurrent_runs.py ORCHRT PLAN STATE_DIR WORK [N]

Starts N runs of PLAN together (each in its own run directory), waits for
all, and fails if any exited non-zero or said "database is locked"; then
checks that the store lists N completed runs. Prints `N runs completed`.
"""
import json
import os
import subprocess
import sys


def main():
    orchrt, plan, state, work = sys.argv[1:5]
    n = int(sys.argv[5]) if len(sys.argv) > 5 else 64
    procs = []
    for i in range(n):
        d = os.path.join(work, f"run{i}")
        os.makedirs(d, exist_ok=True)
        procs.append(subprocess.Popen(
            [orchrt, plan, "-q", "--no-sandbox", "--state-dir", state, "--run-dir", d],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    bad = []
    for i, p in enumerate(procs):
        _, err = p.communicate()
        if p.returncode != 0 or "locked" in err:
            bad.append(f"run {i}: exit {p.returncode}: {err.strip()[:300]}")
    if bad:
        sys.exit("\n".join(bad))
    r = subprocess.run([orchrt, "runs", "--json", "--state-dir", state],
                       capture_output=True, text=True, check=True)
    runs = json.loads(r.stdout)
    done = sum(1 for x in runs if x["status"] == "completed" and x["steps_done"] > 0)
    print(f"{done} runs completed")


if __name__ == "__main__":
    main()
