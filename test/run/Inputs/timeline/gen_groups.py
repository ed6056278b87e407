#!/usr/bin/env python3
"""Writes an event log of N one-millisecond attempts in three resource
groups taking turns: `llm` runs 6 at once, `sh` 2, and the attempts
without a group 4 (for `orchrt timeline --lanes group`).

Usage: gen_groups.py OUT.jsonl [N]
"""
import json
import sys

GROUPS = [("llm", 6), ("sh", 2), ("", 4)]


def main():
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    with open(sys.argv[1], "w") as out:
        for i in range(n):
            group, width = GROUPS[i % 3]
            start = float(i // 3 // width)
            begin = {"event": "attempt_start", "step": f"s{i}", "attempt": 1}
            if group:
                begin["group"] = group
            begin["t_ms"] = start
            end = {"event": "attempt_end", "step": f"s{i}", "attempt": 1,
                   "status": "completed", "t_ms": start + 1.0}
            out.write(json.dumps(begin) + "\n" + json.dumps(end) + "\n")


if __name__ == "__main__":
    main()
