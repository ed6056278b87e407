#!/usr/bin/env python3
"""config.yaml `storage:` end to end, on one backend (docs/state.md §1.1, §5).

  config_storage.py ORCHC ORCHRT WORK [--state-url-file FILE]

Without --state-url-file the store is SQLite: `connection_string` names a
state directory through `${ORCH_CFG_STORE}`; with it, a PostgreSQL URL,
read from the environment (a database of its own is made on that server, so
that `orchrt gc` here cannot touch other tests' runs). It checks that:
  - the plan holds `${ORCH_CFG_STORE}`, never the URL (`strings plan.bin`);
  - a run records into the configured store; `--state` on the command line
    wins over it;
  - `orchrt gc` without flags prunes each run by its plan's
    `retention_days` (3 days: a run finished 5 days ago goes) and keeps a
    run whose plan set none (30 days by default); `--retention-days 1`
    applies to every run.
"""
import json
import os
import re
import sqlite3

import backends
from backends import fail, run

DAY_MS = 86400000


def main():
    a, env = backends.setup()
    with backends.store(a.work, a.state_url_file, "cfg") as (store, where):
        if a.state_url_file:
            def back_date(run_id, days):
                run(["psql", store, "-qc",
                     f"UPDATE orch_runs SET finished_ms=finished_ms-{days * DAY_MS} "
                     f"WHERE id='{run_id}'"])
        else:
            def back_date(run_id, days):
                c = sqlite3.connect(os.path.join(store, "runs.db"))
                c.execute("UPDATE orch_runs SET finished_ms=finished_ms-? WHERE id=?",
                          (days * DAY_MS, run_id))
                c.commit()
                c.close()
        check(a, env, store, where, back_date)
    print("ok")


def build(a, name, config):
    d = os.path.join(a.work, name)
    os.makedirs(d)
    with open(os.path.join(d, "p.yaml"), "w") as f:
        f.write(f"name: {name}\nsteps:\n  - id: a\n    action: echo\n"
                "    parameters: {message: hi}\n")
    with open(os.path.join(d, "config.yaml"), "w") as f:
        f.write(config)
    plan = os.path.join(d, "p.bin")
    run([a.orchc, "build", os.path.join(d, "p.yaml"), "-o", plan])
    return plan


def run_id(r):
    m = re.search(r"^run (r-\S+)", r.stderr, re.M)
    if not m:
        fail("no run id in: " + r.stderr)
    return m.group(1)


def ids(a, where, env):
    r = run([a.orchrt, "runs", "--json"] + where, env=env)
    return {x["id"] for x in json.loads(r.stdout)}


def check(a, env, store, where, back_date):
    env = dict(env, ORCH_CFG_STORE=store)
    keep3 = build(a, "keep3", "storage:\n  connection_string: ${ORCH_CFG_STORE}\n"
                  "  retention_days: 3\n")
    plain = build(a, "plain", "storage:\n  connection_string: ${ORCH_CFG_STORE}\n")
    blob = open(keep3, "rb").read()
    if b"${ORCH_CFG_STORE}" not in blob:
        fail("the plan does not name the variable")
    if store.encode() in blob:
        fail("the plan holds the store's URL")
    strings = run(["strings", keep3]).stdout
    if "${ORCH_CFG_STORE}" not in strings or store in strings:
        fail("strings plan.bin: " + strings)

    # Recorded into the configured store; the command line wins.
    old3 = run_id(run([a.orchrt, keep3, "--progress=plain"], env=env))
    old_plain = run_id(run([a.orchrt, plain, "--progress=plain"], env=env))
    new3 = run_id(run([a.orchrt, keep3, "--progress=plain"], env=env))
    flag_dir = os.path.join(a.work, "flag-state")
    other = run_id(run([a.orchrt, keep3, "--progress=plain", "--state-dir", flag_dir],
                       env=env))
    got = ids(a, where, env)
    if not {old3, old_plain, new3} <= got or other in got:
        fail(f"configured store holds {got}")
    if ids(a, ["--state-dir", flag_dir], env) != {other}:
        fail("--state-dir did not win over storage.connection_string")
    if os.path.exists(os.path.join(env["ORCH_STATE_DIR"], "runs.db")):
        fail("a run went to the default store")

    # Five days later: retention_days 3 prunes old3, the default keeps
    # old_plain; new3 is fresh.
    back_date(old3, 5)
    back_date(old_plain, 5)
    r = run([a.orchrt, "gc"] + where, env=env)
    if not r.stdout.startswith("removed 1 runs"):
        fail("gc: " + r.stdout)
    got = ids(a, where, env)
    if got != {old_plain, new3}:
        fail(f"after gc by retention_days: {got}")
    r = run([a.orchrt, "gc", "--retention-days", "1"] + where, env=env)
    if ids(a, where, env) != {new3}:
        fail(f"after gc --retention-days 1: {r.stdout}")
    r = run([a.orchrt, "runs", "--check"] + where, env=env)
    if r.stdout.strip() != "integrity: ok":
        fail(r.stdout)


if __name__ == "__main__":
    main()
