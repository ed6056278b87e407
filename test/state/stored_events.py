#!/usr/bin/env python3
"""The event log in the run's record, on one backend (docs/observability.md §2).

  stored_events.py ORCHC ORCHRT WORK [--state-url-file FILE]

Without --state-url-file the store is SQLite (a state directory); with it,
a database of its own on the PostgreSQL test server. It checks that:
  - a run with a store and without `--events` keeps its event log in the
    store: `orchrt inspect RUN`, `orchrt inspect RUN STEP` and
    `orchrt timeline RUN -o run.svg` read it;
  - with `--events FILE` as well, the record holds the same bytes as the file;
  - a secret (a step's secret `env`, echoed by its output) is in neither
    the record's rows nor what inspect prints;
  - an unknown run id is `[UnknownRun]` (exit 2), and a file still works.
"""
import os
import re
import sqlite3

import backends
from backends import fail, run

SECRET = "ghp_StoredSecretToken123456"

PLAN = """name: stored
inputs:
  tok: string
steps:
  - id: first
    action: echo
    parameters: {message: hello}
  - id: sh
    action: shell
    depends_on: [first]
    parameters:
      command: 'echo "token=$GH_TOKEN"'
      env: {GH_TOKEN: "{{ inputs.tok }}", LANG: C}
  - id: last
    action: echo
    depends_on: [sh]
    parameters: {message: bye}
"""


def main():
    a, env = backends.setup()
    with backends.store(a.work, a.state_url_file, "events") as (store, where):
        if a.state_url_file:
            def rows(run_id):
                r = run(["psql", store, "-At", "-c", "SELECT lines FROM orch_events WHERE "
                         f"run_id='{run_id}' ORDER BY chunk"])
                return "".join(l + "\n" for l in r.stdout.split("\n") if l)
        else:
            def rows(run_id):
                c = sqlite3.connect(os.path.join(store, "runs.db"))
                text = "".join(r[0] for r in c.execute(
                    "SELECT lines FROM orch_events WHERE run_id=? ORDER BY chunk",
                    (run_id,)))
                c.close()
                return text
        check(a, env, where, rows)
    print("ok")


def run_id(r):
    m = re.search(r"^run (r-\S+)", r.stderr, re.M)
    if not m:
        fail("no run id in: " + r.stderr)
    return m.group(1)


def check(a, env, where, rows):
    src = os.path.join(a.work, "p.yaml")
    with open(src, "w") as f:
        f.write(PLAN)
    plan = os.path.join(a.work, "p.bin")
    run([a.orchc, "build", src, "-o", plan])
    base = [a.orchrt, plan, "--progress=plain", "--input", "tok=" + SECRET] + where

    # No --events: the record alone.
    rid = run_id(run(base, env=env))
    stored = rows(rid)
    if SECRET in stored:
        fail("the secret is in the stored event log")
    events = [l for l in stored.split("\n") if l]
    if not events or '"event":"run_start"' not in events[0] or \
            '"event":"run_end"' not in events[-1]:
        fail("stored log: " + stored)
    summary = run([a.orchrt, "inspect", rid] + where, env=env).stdout
    for step in ("first", "sh", "last"):
        if not re.search(rf"^\s*{step}\b.*completed", summary, re.M):
            fail(f"inspect RUN lacks step {step}: {summary}")
    story = run([a.orchrt, "inspect", rid, "sh"] + where, env=env).stdout
    if "token=[redacted]" not in story or SECRET in story:
        fail("inspect RUN sh: " + story)
    svg = os.path.join(a.work, "run.svg")
    run([a.orchrt, "timeline", rid, "-o", svg] + where, env=env)
    picture = open(svg).read()
    if not picture.startswith("<svg") and "<svg" not in picture[:200]:
        fail("not an SVG: " + picture[:200])
    for step in ("first", "sh", "last"):
        if f">{step}<" not in picture:
            fail(f"the timeline has no lane `{step}`")

    # With --events too: the same bytes in both places.
    ev = os.path.join(a.work, "e.jsonl")
    rid2 = run_id(run(base + ["--events", ev], env=env))
    if rows(rid2) != open(ev).read():
        fail("the record and --events differ")
    if run([a.orchrt, "inspect", ev], env=env).stdout != \
            run([a.orchrt, "inspect", rid2] + where, env=env).stdout:
        fail("inspect FILE and inspect RUN differ")

    # An unknown run id: a clear error.
    r = run([a.orchrt, "inspect", "r-20990101T000000-deadbeef"] + where, env=env, ok=False)
    if r.returncode != 2 or "[UnknownRun]" not in r.stderr:
        fail(f"unknown run: exit {r.returncode}: {r.stderr}")
    r = run([a.orchrt, "timeline", "r-20990101T000000-deadbeef", "-o", svg] + where,
            env=env, ok=False)
    if r.returncode != 2 or "[UnknownRun]" not in r.stderr:
        fail(f"timeline, unknown run: exit {r.returncode}: {r.stderr}")


if __name__ == "__main__":
    main()
