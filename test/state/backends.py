"""Helpers the end-to-end state tests share (config_storage.py,
stored_events.py): running a command, failing, and the store a test runs
against: a state directory (SQLite), or a database of its own on the
PostgreSQL test server (so that `orchrt gc` there cannot touch other
tests' runs), dropped at the end."""
import argparse
import contextlib
import os
import random
import shutil
import subprocess
import sys


def setup():
    """`SCRIPT ORCHC ORCHRT WORK [--state-url-file FILE]`: the arguments,
    an empty WORK, and the environment (no DATABASE_URL; the default store
    under WORK)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("orchc")
    ap.add_argument("orchrt")
    ap.add_argument("work")
    ap.add_argument("--state-url-file", default="")
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["ORCH_STATE_DIR"] = os.path.join(a.work, "default-state")
    return a, env


def run(cmd, env=None, ok=True):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if ok and r.returncode:
        sys.exit(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr}")
    return r


def fail(msg):
    sys.exit("FAIL: " + msg)


@contextlib.contextmanager
def store(work, url_file, name):
    """Yields (store, flags): a PostgreSQL URL and `--state URL` when
    \\p url_file names the test server's URL, else a directory under
    \\p work and `--state-dir DIR`."""
    if not url_file:
        d = os.path.join(work, "state")
        yield d, ["--state-dir", d]
        return
    base = open(url_file).read().strip()
    db = "orch_%s_%d" % (name, random.randrange(1 << 30))
    run(["psql", base, "-qc", f"CREATE DATABASE {db}"])
    url = base.rsplit("/", 1)[0] + "/" + db
    try:
        yield url, ["--state", url]
    finally:
        run(["psql", base, "-qc", f"DROP DATABASE IF EXISTS {db}"], ok=False)
