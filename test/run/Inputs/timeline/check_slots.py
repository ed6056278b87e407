#!/usr/bin/env python3
"""Checks a timeline drawn with `--lanes slot` against its event log.

Prints `bars N`, `slots K` (distinct lanes holding bars), `overlaps M`
(pairs of bars in one lane whose times, the bars' `data-start` and
`data-end`, overlap: must be 0) and `concurrency C`: the most attempts the
log has running at once (an end before another's start at the same
instant; a bar that ended as it began runs for an instant; an attempt
that never ended runs to the log's last event), computed here from the
log alone. The packing is
right when K equals C and nothing overlaps.

With --by-group (a timeline drawn with `--lanes group`) the same is
checked within each resource group (the attempt_start's `group`; bars
carry `data-group`): `groups G`, `mixed M` (lanes holding bars of more
than one group: must be 0), `slots K` and `concurrency C`, where C is
now the sum over the groups of each one's most attempts at once.

Usage: check_slots.py [--by-group] EVENTS.jsonl RUN.svg
"""
import json
import sys
import xml.etree.ElementTree as ET


EPS = 1e-9  # a bar that ended as it began holds its lane for an instant


def peak_of(bars):
    """The most of \p bars ((start, end)) running at once."""
    # Ends before starts at one instant (a lane freed at t takes a bar
    # starting at t); a bar's own end after its own start.
    points = []
    for s, e in bars:
        points += [(s, 1), (e if e > s else s + EPS, -1)]
    running = peak = 0
    for _, d in sorted(points):
        running += d
        peak = max(peak, running)
    return peak


def main():
    args = sys.argv[1:]
    by_group = args[0] == "--by-group"
    if by_group:
        args = args[1:]
    log, svg = args[0], args[1]
    opened, bars, last = {}, [], 0.0
    for line in open(log):
        e = json.loads(line)
        t = float(e.get("t_ms", 0))
        last = max(last, t)
        key = (e.get("step"), e.get("attempt"))
        if e.get("event") == "attempt_start":
            opened.setdefault(key, []).append((t, e.get("group", "")))
        elif e.get("event") == "attempt_end" and opened.get(key):
            s, g = opened[key].pop()
            bars.append((s, max(t, s), g))
    for starts in opened.values():
        bars += [(s, max(last, s), g) for s, g in starts]
    groups = {}
    for s, e, g in bars:
        groups.setdefault(g if by_group else "", []).append((s, e))
    peak = sum(peak_of(b) for b in groups.values())
    ns = "{http://www.w3.org/2000/svg}"
    lanes = {}
    for r in ET.parse(svg).getroot().iter(ns + "rect"):
        if not r.get("class", "").startswith("attempt"):
            continue
        s, e = float(r.get("data-start")), float(r.get("data-end"))
        lanes.setdefault(r.get("y"), []).append((s, e if e > s else s + EPS,
                                                 r.get("data-group", "")))
    overlaps = 0
    for lane in lanes.values():
        lane.sort()
        for a, b in zip(lane, lane[1:]):
            if b[0] < a[1]:
                overlaps += 1
    if by_group:
        print(f"groups {len([g for g in groups if g])}")
        print(f"mixed {len([l for l in lanes.values() if len({b[2] for b in l}) > 1])}")
    print(f"bars {sum(len(b) for b in lanes.values())}")
    print(f"slots {len(lanes)}")
    print(f"overlaps {overlaps}")
    print(f"concurrency {peak}")


if __name__ == "__main__":
    main()
