#!/usr/bin/env python3
"""Measures `validate`'s JSON Schema checker (ir/SchemaValidate.h) on a
list of N records against an object-per-item schema (types, a pattern, a
format, an enum, uniqueItems, required, additionalProperties), through the
schema_check tool, and Debian's python3-jsonschema (Draft7Validator with
its format checker) on the same case for scale.

Prints a Markdown table for docs/benchmarks.md: the median of R runs
(process start to exit, JSON parsing included) with min and max, and the
checker's peak RSS.

  bench/bench_validate.py [--build build] [--runs 5] [--records 10000 100000]
"""
import argparse
import json
import resource
import statistics
import subprocess
import tempfile
import time

SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "id": {"type": "integer", "minimum": 0},
            "name": {"type": "string", "minLength": 1, "pattern": "^n[0-9]+$"},
            "email": {"type": "string", "format": "email"},
            "score": {"type": "number"},
            "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]},
                     "uniqueItems": True},
        },
        "required": ["id", "name", "email"],
        "additionalProperties": False,
    },
}

ORACLE = """import json, sys
from jsonschema import Draft7Validator as D
c = json.load(open(sys.argv[1]))
print(sum(1 for _ in D(c["schema"], format_checker=D.FORMAT_CHECKER).iter_errors(c["data"])))
"""


def timed(cmd, stdin_path=None):
    start = time.perf_counter()
    with open(stdin_path) if stdin_path else open("/dev/null") as f:
        out = subprocess.run(cmd, stdin=f, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, out.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--records", type=int, nargs="+", default=[10000, 100000])
    args = ap.parse_args()
    tool = args.build + "/test/schema_check"
    print("| Records | JSON | schema_check median (min–max) | python3-jsonschema median | Violations |")
    print("|---|---|---|---|---|")
    for n in args.records:
        rows = [{"id": i, "name": "n%d" % i, "email": "u%d@example.org" % i,
                 "score": i * 0.5, "tags": ["a", "b"]} for i in range(n)]
        rows[n // 2]["email"] = "no-at"  # one violation to report
        case = json.dumps({"schema": SCHEMA, "data": rows})
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write(case + "\n")
            path = f.name
        ours, theirs, found = [], [], None
        for _ in range(args.runs):
            t, out = timed([tool], path)
            ours.append(t)
            found = len(json.loads(out)["errors"])
        for _ in range(max(1, args.runs // 2)):
            t, out = timed(["/usr/bin/python3", "-c", ORACLE, path])
            theirs.append(t)
            assert int(out) == found, (out, found)
        print("| %d | %.1f MB | %.3f s (%.3f–%.3f) | %.3f s | %d |" % (
            n, len(case) / 1e6, statistics.median(ours), min(ours), max(ours),
            statistics.median(theirs), found))
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print("\nPeak RSS of the child processes: %.0f MB." % (rss / 1024))


if __name__ == "__main__":
    main()
