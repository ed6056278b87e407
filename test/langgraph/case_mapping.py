#!/usr/bin/python3
"""The LangGraph runtime's case mapping (orch_values.mjs pyLower/pyUpper)
against Python 3.11's str.lower()/str.upper() (Unicode 14, the Jinja2
oracle's and ir/UnicodeTables.inc's) on every code point, and on strings
where a final sigma meets the code points Node's newer Unicode maps.

Node's ICU follows a newer Unicode than Python 3.11; pyLower/pyUpper keep
the code points it maps and Python does not. When Node moves on, this test
lists the new ones (for NEWER_CASE in orch_values.mjs).

Usage: case_mapping.py
"""
import os
import shutil
import subprocess
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
VALUES = os.path.join(HERE, "..", "..", "backends", "langgraph", "runtime", "orch_values.mjs")

# Each code point's mappings, one line each: "lower upper" as code points.
DUMP = """
const { pyLower, pyUpper } = await import(process.argv[1]);
const cps = (s) => [...s].map((c) => c.codePointAt(0).toString(16)).join(",");
const out = [];
const one = (c) => (c >= 0xd800 && c <= 0xdfff ? "" : String.fromCodePoint(c));
for (const wrap of [(x) => x, (x) => "\u0391" + x + "\u03a3", (x) => "\u0391\u03a3" + x])
  for (let c = 0; c <= 0x10ffff; c++) {
    const s = wrap(one(c));
    out.push(cps(pyLower(s)) + " " + cps(pyUpper(s)));
  }
for (const s of JSON.parse(process.argv[2])) out.push(cps(pyLower(s)) + " " + cps(pyUpper(s)));
process.stdout.write(out.join("\\n") + "\\n");
"""

# A final sigma is lower-cased by its neighbours: next to code points Node
# calls cased and Python 3.11 does not know, or knows as lower-case letters.
STRINGS = ["\u03a3", "\u0391\u03a3", "\u019b\u03a3", "\u0391\u03a3\u019b", "\u0264'\u03a3",
           "\ua7cb\u03a3", "\u0391\u03a3\ua7cb", "\u0391\u03a3\ua7d3\u03a3", "\ua7d5\u03a3 \u03a3\u0391",
           "x\U00010d50\u03a3\U00010d70y", "\u019b\u019b\u03a3\u0264", "\u00df\ua7cc\ufb03\u0130"]


# The one difference left (docs/backends/langgraph.md): U+1171E, a mark
# Python 3.11 skips as case-ignorable and Node's Unicode 17 does not, so a
# final sigma after it (past a cased letter) lowers to `σ`, not `ς`.
KNOWN = {"\u0391\U0001171e\u03a3"}


def cps(s):
    return ",".join(f"{ord(c):x}" for c in s)


def main():
    node = shutil.which("node")
    if not node:
        print("langgraph-case-mapping: not run (no node)")
        sys.exit(1 if os.environ.get("CI") or os.environ.get("ORCH_REQUIRE_LANGGRAPH") == "1" else 77)
    import json
    proc = subprocess.run([node, "--input-type=module", "-e", DUMP, os.path.abspath(VALUES),
                           json.dumps(STRINGS)], capture_output=True, check=True)
    lines = proc.stdout.decode().split("\n")[:-1]
    ones = ["" if 0xD800 <= c <= 0xDFFF else chr(c) for c in range(0x110000)]
    # Each code point alone, then as the context of a final sigma: before it
    # (after a cased letter) and after it.
    texts = ones + ["\u0391" + x + "\u03a3" for x in ones] + ["\u0391\u03a3" + x for x in ones]
    texts += STRINGS
    assert len(lines) == len(texts), (len(lines), len(texts))
    differ = []
    for s, line in zip(texts, lines):
        if line != f"{cps(s.lower())} {cps(s.upper())}" and s not in KNOWN:
            differ.append(s)
    for s in differ[:40]:
        name = unicodedata.name(s, "unassigned in Python's Unicode") if len(s) == 1 else "in context"
        print(f"differs: {cps(s)} ({name})")
    print(f"{len(texts)} texts (Unicode {unicodedata.unidata_version}), {len(differ)} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
