#!/usr/bin/python3
"""The LangGraph runtime (orch_*.mjs) against the C++ evaluator on the Jinja
differential corpus (test/jinja/differential.py, same seed).

Each case is compiled twice: by jinja_render (inputs bound, folded by the
C++ evaluator: the reference, itself checked against Jinja2) and by
langgraph_js_cases (inputs left free, the expression compiled to
JavaScript), which js_eval.mjs then runs with the same inputs. Where the
C++ evaluator answers, the runtime must give the same text; where it fails
at evaluation (ConstantEvalFailed), the runtime must fail too, with the same
message. Cases the compiler rejects statically are not the runtime's.

Usage: js_differential.py LANGGRAPH_JS_CASES JINJA_RENDER
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load_differential():
    """test/jinja/differential.py's corpus, without running its main()."""
    path = os.path.join(HERE, "..", "jinja", "differential.py")
    with open(path) as f:
        text = f.read()
    text = re.sub(r"\n(if __name__ == .__main__.:\n\s+)?main\(\)\s*$", "\n", text)
    ns = {"__name__": "differential"}
    exec(compile(text, path, "exec"), ns)
    return type("Differential", (), ns)

RUNTIME = os.path.join(HERE, "..", "..", "backends", "langgraph", "runtime")


def run(tool, lines, *args):
    proc = subprocess.run([tool, *args], input=lines.encode(), capture_output=True, check=True)
    return [json.loads(l) for l in proc.stdout.decode().split("\n") if l]


# The fewest cases of each kind a sound run compares (the corpus is seeded).
MIN_COMPARED = {"same answer": 1000, "same error": 100}


def not_run(name, why):
    """Missing node or packages: ctest's SKIP (77), or a failure where they
    must be there (CI, or ORCH_REQUIRE_LANGGRAPH=1)."""
    print(f"{name}: not run ({why})")
    sys.exit(1 if os.environ.get("CI") or os.environ.get("ORCH_REQUIRE_LANGGRAPH") == "1" else 77)


def main():
    cases_tool, render_tool = sys.argv[1], sys.argv[2]
    differential = load_differential()
    cases = differential.corpus(random.Random(20261130))
    inputs = differential.INPUTS
    lines = "".join(json.dumps({"expr": c, "inputs": inputs}) + "\n" for c in cases)
    if os.environ.get("ORCH_JS_DIFF_COMPILE_ONLY") == "1":
        # The sanitized build's ctest: the export's compiler (front end,
        # passes, compileValue) over every case, without Node or the
        # comparison (jinja_render's side is jinja-differential's there).
        compiled = run(cases_tool, lines)
        ok = sum(1 for c in compiled if c["ok"])
        print(f"langgraph-js-differential (compile only): {len(cases)} expressions, {ok} compiled")
        if len(compiled) != len(cases) or ok < MIN_COMPARED["same answer"]:
            sys.exit(1)
        return
    node = shutil.which("node")
    if not node:
        not_run("langgraph-js-differential", "no node")
    ref = run(render_tool, lines)
    compiled = run(cases_tool, lines)
    todo = [(i, c["js"]) for i, c in enumerate(compiled) if c["ok"]]
    js_lines = "".join(json.dumps({"js": js, "inputs": json.dumps(inputs)}) + "\n" for _, js in todo)
    ran = run(node, js_lines, os.path.join(HERE, "js_eval.mjs"), RUNTIME)
    assert len(ran) == len(todo), (len(ran), len(todo))
    results = {i: r for (i, _), r in zip(todo, ran)}
    stats = {"same answer": 0, "same error": 0, "static rejections (not the runtime's)": 0,
             "refused by the export (ExportUnsupported)": 0}
    failures = []
    for i, expr in enumerate(cases):
        mine, theirs = results.get(i), ref[i]
        if compiled[i].get("refused"):
            stats["refused by the export (ExportUnsupported)"] += 1
            continue
        if mine is None or (not theirs["ok"] and "[ConstantEvalFailed]" not in theirs["error"]):
            stats["static rejections (not the runtime's)"] += 1
            continue
        if theirs["ok"]:
            got = mine.get("out", "")[1:-1] if mine["ok"] else None
            if got == theirs["out"]:
                stats["same answer"] += 1
            else:
                failures.append(f"DIFFERENT {expr!r}: js {mine!r}, C++ {theirs['out']!r}")
            continue
        # The C++ message: `...: error: <message> [ConstantEvalFailed]`.
        m = re.search(r"error: (.*) \[ConstantEvalFailed\]", theirs["error"])
        want = m.group(1) if m else theirs["error"]
        if mine["ok"]:
            failures.append(f"ACCEPTED {expr!r}: js {mine['out']!r}, C++ fails: {want}")
        elif want.endswith(": " + mine["error"]):
            stats["same error"] += 1
        else:
            failures.append(f"OTHER ERROR {expr!r}: js {mine['error']!r}, C++ {want!r}")
    print(f"langgraph-js-differential: {len(cases)} expressions")
    for k, v in stats.items():
        print(f"  {k}: {v}")
    # A corpus that compiles nothing, or a runtime that answers nothing, must
    # not pass: the corpus gives thousands of compared cases.
    for what, least in MIN_COMPARED.items():
        if stats[what] < least:
            failures.append(f"only {stats[what]} cases with {what} (at least {least} expected)")
    if failures:
        print(f"{len(failures)} FAILURES")
        for f in failures[:300]:
            print("  " + f)
        sys.exit(1)


if __name__ == "__main__":
    main()
