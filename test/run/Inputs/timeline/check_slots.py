#!/usr/bin/env python3
"""Checks a timeline drawn with `--lanes slot` against its event log.

Prints `bars N`, `slots K` (distinct lanes holding bars), `overlaps M`
(pairs of bars in one lane whose times overlap: must be 0) and
`concurrency C`: the most attempts the log has running at once (an end
before a start at the same instant; an attempt that never ended runs to
the log's last event), computed here from the log alone. The packing is
right when K equals C and nothing overlaps.

Usage: check_slots.py EVENTS.jsonl RUN.svg
"""
import json
import sys
import xml.etree.ElementTree as ET


def main():
    log, svg = sys.argv[1], sys.argv[2]
    opened, points, last = {}, [], 0.0
    for line in open(log):
        e = json.loads(line)
        t = float(e.get("t_ms", 0))
        last = max(last, t)
        key = (e.get("step"), e.get("attempt"))
        if e.get("event") == "attempt_start":
            opened.setdefault(key, []).append(t)
        elif e.get("event") == "attempt_end" and opened.get(key):
            points += [(opened[key].pop(), 1), (max(t, 0), -1)]
    for starts in opened.values():
        points += [(s, 1) for s in starts] + [(last, -1) for _ in starts]
    running = peak = 0
    for _, d in sorted(points, key=lambda p: (p[0], p[1])):
        running += d
        peak = max(peak, running)
    ns = "{http://www.w3.org/2000/svg}"
    lanes = {}
    for r in ET.parse(svg).getroot().iter(ns + "rect"):
        if not r.get("class", "").startswith("attempt"):
            continue
        x, w = float(r.get("x")), float(r.get("width"))
        lanes.setdefault(r.get("y"), []).append((x, x + w, r.find(ns + "title").text))
    overlaps = 0
    for bars in lanes.values():
        bars.sort()
        # Bars are at least 1 px wide: compare the times in the tooltips'
        # order instead of pixels would need the scale; a start strictly
        # before the previous bar's drawn end by more than that 1 px is one.
        for a, b in zip(bars, bars[1:]):
            if b[0] < a[1] - 1.01:
                overlaps += 1
    print(f"bars {sum(len(b) for b in lanes.values())}")
    print(f"slots {len(lanes)}")
    print(f"overlaps {overlaps}")
    print(f"concurrency {peak}")


if __name__ == "__main__":
    main()
