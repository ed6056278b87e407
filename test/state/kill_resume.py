#!/usr/bin/env python3
"""Kill-and-resume test of durable runs (issue #13).

A 200-step pipeline of shell steps, each appending "<step> <idempotency key>"
to a file. orchrt is killed (SIGKILL, or SIGINT on odd iterations) at random
moments, then resumed with `--resume RUN_ID`, until a resume finishes. Then:
- the recorded results equal an uninterrupted run's;
- a step the store held completed at a kill never ran again afterwards;
- a step that ran twice carries the same idempotency key both times (it was
  in flight at the kill); a retried step's attempts are numbered 1, 2, ...
  across kills without a key naming two attempts;
- a step failing under `on_failure: continue` is settled like a completion
  (its dependents, which read its status, never run again);
- orchrt exits only as the signal implies (-9, or 130 for SIGINT);
- the store passes its integrity check.

usage: kill_resume.py ORCHC ORCHRT WORKDIR [--iterations N] [--state URL]
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

STEPS = 200
CHAINS = 10
# A step that always fails under `on_failure: continue` (its dependents run
# on its failure), and one that fails its first attempt and is retried.
FAILS = "s015"
RETRIED = "s033"


def pipeline():
    lines = ["name: crash", "steps:"]
    for i in range(STEPS):
        sid = "s%03d" % i
        lines.append("  - id: %s" % sid)
        lines.append("    action: shell")
        cmd = 'echo \\"%s $ORCH_IDEMPOTENCY_KEY\\" >> log.txt; echo %s' % (sid, sid)
        if i >= CHAINS:
            prev = "s%03d" % (i - CHAINS)
            ref = "steps.%s.status" if prev == FAILS else "steps.%s.output"
            cmd += "-{{ %s }}" % (ref % prev)
            lines.append("    dependencies: [%s]" % prev)
        if sid == FAILS:
            cmd += "; exit 1"
            lines.append("    on_failure: continue")
        if sid == RETRIED:
            cmd = ("n=$(cat tries 2>/dev/null || echo 0); echo $((n+1)) > tries; " + cmd +
                   "; [ $n -ge 1 ]")
            lines.append("    on_failure: retry")
            lines.append("    max_retries: 5")
        lines.append('    parameters: {command: "%s", run_dir: write}' % cmd)
    return "\n".join(lines) + "\n"


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def show(args, state, run_id):
    r = run([args.orchrt, "show", run_id] + state)
    if r.returncode != 0:
        sys.exit("orchrt show failed: " + r.stderr)
    return json.loads(r.stdout)


def outputs(report):
    """Each settled step's status and output (a `continue` failure settles)."""
    return {k: (v.get("status"), v.get("output")) for k, v in report["steps"].items()
            if v.get("status") == "completed" or
            (k == FAILS and v.get("status") == "failed" and not v.get("cut_off"))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("orchc")
    ap.add_argument("orchrt")
    ap.add_argument("work")
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--state", default="")
    ap.add_argument("--state-url-file", default="")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print("seed", args.seed)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    src = os.path.join(args.work, "crash.yaml")
    plan = os.path.join(args.work, "crash.bin")
    with open(src, "w") as f:
        f.write(pipeline())
    r = run([args.orchc, "build", src, "-o", plan])
    if r.returncode:
        sys.exit("orchc failed: " + r.stderr)
    spec = args.state
    if args.state_url_file:
        with open(args.state_url_file) as f:
            spec = f.read().strip()
    if spec:
        state = ["--state", spec]
    else:
        state = ["--state-dir", os.path.join(args.work, "state")]
    base = [args.orchrt, plan, "--no-sandbox", "-j", "8", "--retry-base-ms", "5"] + state

    # The reference: one uninterrupted run.
    ref_dir = os.path.join(args.work, "ref")
    os.makedirs(ref_dir)
    t0 = time.monotonic()
    r = run(base + ["--run-dir", ref_dir, "--progress=plain"])
    full = time.monotonic() - t0
    if r.returncode:
        sys.exit("reference run failed: " + r.stderr)
    ref_id = re.search(r"^run (r-\S+)", r.stderr, re.M).group(1)
    reference = outputs(show(args, state, ref_id))
    assert len(reference) == STEPS, len(reference)
    # (A kill may fall between the counter and the log line of the retried
    # step; the uninterrupted run shows its retry.)
    ref_log = open(os.path.join(ref_dir, "log.txt")).read()
    if not re.search(r"^%s \S+:%s:2$" % (RETRIED, RETRIED), ref_log, re.M):
        sys.exit("the uninterrupted run did not retry %s" % RETRIED)
    print("uninterrupted run: %.3f s" % full)

    kills = dup_steps = 0
    for it in range(args.iterations):
        sig = signal.SIGINT if it % 2 else signal.SIGKILL
        d = os.path.join(args.work, "it%02d" % it)
        os.makedirs(d)
        log = os.path.join(d, "log.txt")
        run_id = None
        marks = []  # (steps recorded completed at a kill, log lines then)
        for attempt in range(200):
            cmd = base + ["--run-dir", d, "--progress=plain"]
            if run_id:
                cmd += ["--resume", run_id]
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 text=True)
            # Kill at a random moment, often early (inside the first commits).
            delay = rng.uniform(0, full * 1.1) if rng.random() < 0.7 else rng.uniform(0, 0.05)
            killed = False
            try:
                p.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                p.send_signal(sig)
                killed = True
                kills += 1
            err = p.communicate()[1]
            if run_id is None:
                m = re.search(r"^run (r-\S+)", err, re.M)
                if m:
                    run_id = m.group(1)
            if p.returncode == 0:
                break
            # Only the exit the signal implies: SIGKILL -9; SIGINT 130 (or -2
            # before orchrt's handler is in place). Anything else (a step
            # failure, "cannot record step", a lost lease) is a failure here.
            implied = (-9,) if sig == signal.SIGKILL else (130, -2)
            if not killed or p.returncode not in implied:
                sys.exit("iteration %d: orchrt exited %s (%s): %s" %
                         (it, p.returncode, "killed" if killed else "not killed", err))
            if run_id:
                # After this kill, a step recorded completed must never run again.
                done = set(outputs(show(args, state, run_id)))
                before = open(log).read().splitlines() if os.path.exists(log) else []
                marks.append((done, len(before)))
        else:
            sys.exit("iteration %d: did not finish after 200 resumes" % it)
        final = outputs(show(args, state, run_id))
        if final != reference:
            diff = [k for k in reference if final.get(k) != reference[k]]
            sys.exit("iteration %d: results differ from the uninterrupted run at %s" %
                     (it, diff[:5]))
        lines = open(log).read().splitlines()
        for done, start in marks:
            for line in lines[start:]:
                sid = line.split()[0]
                if sid in done:
                    sys.exit("iteration %d: step %s ran again after it was recorded "
                             "completed" % (it, sid))
        # Attempt numbers run 1, 2, ... without a gap; a number repeats only
        # right after itself (the attempt was in flight at a kill and ran
        # again with the same key). A step that never fails has one number.
        seen = {}
        for line in lines:
            sid, key = line.split()
            if not key.startswith(run_id + ":" + sid + ":"):
                sys.exit("iteration %d: bad idempotency key %s" % (it, key))
            n = int(key.rsplit(":", 1)[1])
            last = seen.get(sid, 0)
            if n == last:
                dup_steps += 1
            elif n != last + 1:
                sys.exit("iteration %d: step %s attempt key %s after attempt %d" %
                         (it, sid, key, last))
            if n > 1 and sid != RETRIED:
                sys.exit("iteration %d: step %s has a retry key %s" % (it, sid, key))
            seen[sid] = n

        if len(seen) != STEPS:
            sys.exit("iteration %d: %d steps ran, expected %d" % (it, len(seen), STEPS))
    r = run([args.orchrt, "runs", "--check"] + state)
    if r.returncode or "integrity: ok" not in r.stdout:
        sys.exit("integrity check failed: " + r.stdout + r.stderr)
    print("%d iterations, %d kills, %d steps re-run while in flight at a kill; "
          "integrity: ok" % (args.iterations, kills, dup_steps))


if __name__ == "__main__":
    main()
