#!/usr/bin/env python3
"""langgraph-run-args: run.mjs's argument handling against orchrt's.

Exports a pipeline of local actions twice (per-step readiness, and edges
with a level of two steps), builds its plan, and runs `orchrt` and the
exported `run.mjs` with the same arguments: orchrt's scheduling flags
(`-j N`, `-jN`, `--state none`, `--checkpoint S`) and bad values of them
must give the same exit status and the same message (the text after the
tool's `NAME: [error: ]` and before orchrt's ` [Kind]`); the orchrt flags
run.mjs refuses must exit 2 with a message naming the flag; a -j below the
widest level is refused under edges only.

Usage: run_args.py ORCHC ORCHRT

With ORCH_RUN_ARGS_ORCHRT_ONLY=1 (the sanitized build's ctest) only orchc
and orchrt run: each argument set's exit status is checked, run.mjs (Node,
which the release build's run compares) is not started.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = os.path.join(HERE, "node", "node_modules")

PIPELINE = """name: args
steps:
  - id: a
    action: echo
    parameters: {message: a}
  - id: b
    action: echo
    parameters: {message: b}
  - id: c
    action: echo
    parameters: {message: "{{ steps.a.output }}"}
    dependencies: [a%s]
"""

# Arguments both runtimes get: (argv, expected exit status). orchrt's
# messages are the reference; run.mjs must say the same.
SAME = [
    (["-j", "2"], 0), (["-j2"], 0), (["-j", "0"], 2), (["-j0"], 2), (["-j", "x"], 2), (["-jx"], 2),
    (["-j", "-1"], 2), (["-j"], 2), (["--state", "none"], 0), (["--state=none"], 0),
    (["--checkpoint", "adaptive"], 0), (["--checkpoint", "none"], 0), (["--checkpoint=every_step"], 0),
    (["--checkpoint", "often"], 2), (["--checkpoint"], 2),
    # orchrt checks the strategy only for a run with a store.
    (["--state", "none", "--checkpoint", "often"], 0),
    (["--state", "mysql://h/db"], 2), (["--state", "${ORCH_RUN_ARGS_UNSET}"], 2),
    (["--state", "${ORCH_RUN_ARGS_RELATIVE}"], 2), (["--out"], 2), (["--progress", "loud"], 2),
]

# orchrt flags run.mjs refuses (exit 2, naming the flag).
REFUSED = [["--resume", "last"], ["--state-dir", "/tmp"], ["--no-cache"], ["--retry-base-ms", "100"],
           ["--models", "m.yaml"], ["--max-cost-usd", "1"], ["--max-tokens", "5"], ["--on-budget", "warn"],
           ["--events", "e.jsonl"], ["--metrics", "127.0.0.1:0"], ["--spill-threshold", "0"],
           ["--no-sandbox"], ["--dry-run"], ["--time"], ["--bogus"]]


def message(stderr):
    """The first line's message: no tool name, `error:` or ` [Kind]`."""
    line = (stderr.strip().splitlines() or [""])[0]
    line = re.sub(r"^(orchrt|run\.mjs): (error: )?", "", line)
    return re.sub(r" \[[A-Za-z]+\]$", "", line)


def main():
    orchc, orchrt = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    orchrt_only = os.environ.get("ORCH_RUN_ARGS_ORCHRT_ONLY") == "1"
    if not orchrt_only and (not shutil.which("node")
                            or not os.path.isdir(os.path.join(NODE_MODULES, "@langchain", "langgraph"))):
        print("langgraph-run-args: not run (node or test/langgraph/node's packages missing)")
        sys.exit(1 if os.environ.get("CI") or os.environ.get("ORCH_REQUIRE_LANGGRAPH") == "1" else 77)
    problems = []
    env = dict(os.environ, ORCH_RUN_ARGS_RELATIVE="relative/dir")
    env.pop("ORCH_RUN_ARGS_UNSET", None)
    with tempfile.TemporaryDirectory() as tmp:
        env["ORCH_STATE_DIR"] = os.path.join(tmp, "state")
        for wiring, deps in (("readiness", ""), ("edges", ", b")):
            d = os.path.join(tmp, wiring)
            os.makedirs(d)
            src = os.path.join(d, "args.yaml")
            with open(src, "w") as f:
                f.write(PIPELINE % deps)
            plan, out = os.path.join(d, "p.bin"), os.path.join(d, "export")
            for cmd in ([orchc, "build", src, "-o", plan], [orchc, "export", src, "--target=langgraph", "-o", out]):
                subprocess.run(cmd, check=True, env=env)
            if orchrt_only:
                run_dir = os.path.join(d, "run")
                os.makedirs(run_dir)
                for args, status in SAME:
                    a = subprocess.run([orchrt, plan, "-q", *args], capture_output=True, text=True,
                                       env=env, cwd=run_dir, timeout=120)
                    if a.returncode != status:
                        problems.append(f"{wiring}: {' '.join(args)}: orchrt exited {a.returncode}, "
                                        f"expected {status}: {a.stderr.strip()}")
                continue
            with open(os.path.join(out, "graph.mjs")) as f:
                got = "edges" if 'wiring: "edges"' in f.read() else "readiness"
            if got != wiring:
                problems.append(f"{wiring}: the pipeline was wired by {got}")
            os.symlink(NODE_MODULES, os.path.join(out, "node_modules"))
            run_dir = os.path.join(d, "run")
            os.makedirs(run_dir)

            def run(cmd):
                return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=run_dir, timeout=120)

            for args, status in SAME:
                a = run([orchrt, plan, "-q", *args])
                b = run(["node", os.path.join(out, "run.mjs"), *args])
                what = f"{wiring}: {' '.join(args)}"
                if a.returncode != status:
                    problems.append(f"{what}: orchrt exited {a.returncode}, expected {status}: {a.stderr.strip()}")
                if b.returncode != a.returncode:
                    problems.append(f"{what}: run.mjs exited {b.returncode}, orchrt {a.returncode}: {b.stderr.strip()}")
                elif status and message(a.stderr) != message(b.stderr):
                    problems.append(f"{what}: run.mjs says {message(b.stderr)!r}, orchrt {message(a.stderr)!r}")
            for args in REFUSED:
                b = run(["node", os.path.join(out, "run.mjs"), *args])
                if b.returncode != 2 or args[0] not in b.stderr:
                    problems.append(f"{wiring}: {' '.join(args)}: run.mjs exited {b.returncode}: {b.stderr.strip()}")
            # -j below the widest level: edges cannot hold a level's step back.
            b = run(["node", os.path.join(out, "run.mjs"), "-j", "1"])
            want = 2 if wiring == "edges" else 0
            if b.returncode != want:
                problems.append(f"{wiring}: -j 1: run.mjs exited {b.returncode}, expected {want}: {b.stderr.strip()}")
    for p in problems:
        print(p)
    sets = len(SAME) if orchrt_only else len(SAME) + len(REFUSED) + 1
    print(f"langgraph-run-args: {sets} argument sets on 2 wirings{' (orchrt only)' if orchrt_only else ''}, "
          f"{len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
