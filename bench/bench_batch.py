#!/usr/bin/env python3
"""Batch mode (orchrt --batch) against the LLM test endpoint's batch APIs
(test/fixtures/fake_llm_batch.py): LEVELS levels of WIDTH independent short
classification steps (step i of a level reads step i of the level before),
run normally and with --batch. Reports chat requests, the batch protocol's
HTTP requests (upload, create, polls, downloads), batches, cost (registry
prices; the batch at half) and makespan (wall time of orchrt), as a
Markdown table. A batch ends at the endpoint's second poll, so with
--poll-ms P a level takes about P + 2P = 3P ms plus the requests.

  bench/bench_batch.py [--build build] [--levels 5] [--width 20] [--poll-ms 100]
                      [--jobs J]

--jobs passes -j J to orchrt (0: its default, 32); a batched step holds no
-j slot, so a level still goes as one batch when it is wider than J.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "test", "fixtures")


def pipeline(levels, width):
    out = ["name: bench_batch", "steps:"]
    for l in range(levels):
        for i in range(width):
            out += [f"  - id: s{l}_{i}", "    action: generate", "    model: gpt-4o-mini",
                    "    max_tokens: 16", "    parameters:",
                    "      system: \"Classify the ticket: billing, bug, feature, account or other.\"",
                    f"      prompt: \"Ticket {i}: "
                    + (f"{{{{ s{l-1}_{i}.output }}}}\"" if l else "I was charged twice\"")]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--levels", type=int, default=5)
    ap.add_argument("--width", type=int, default=20)
    ap.add_argument("--poll-ms", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=0)
    a = ap.parse_args()
    orchc = os.path.join(a.build, "tools", "orchc", "orchc")
    orchrt = os.path.join(a.build, "tools", "orchrt", "orchrt")
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "p.yaml"), "w") as f:
            f.write(pipeline(a.levels, a.width))
        with open(os.path.join(d, "models.yaml"), "w") as f:
            f.write("models:\n  gpt-4o-mini:\n    provider: openai\n"
                    "    pricing: {input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.6}\n"
                    f"providers:\n  openai:\n    batch_poll_ms: {a.poll_ms}\n"
                    f"    batch_poll_max_ms: {a.poll_ms * 4}\n")
        subprocess.check_call([orchc, "build", os.path.join(d, "p.yaml"), "-o",
                               os.path.join(d, "p.bin")])
        rows = []
        for mode in ("normal", "batch"):
            stats = os.path.join(d, mode + ".stats")
            out = os.path.join(d, mode + ".json")
            cmd = [sys.executable, os.path.join(FIXTURES, "with_llm_server.py"), "--stats",
                   stats, "--", orchrt, os.path.join(d, "p.bin"), "-q", "--state", "none",
                   "--models", os.path.join(d, "models.yaml"), "--out", out]
            if mode == "batch":
                cmd.append("--batch")
            if a.jobs:
                cmd += ["-j", str(a.jobs)]
            t0 = time.monotonic()
            subprocess.check_call(cmd)
            wall = time.monotonic() - t0
            s = json.load(open(stats))
            r = json.load(open(out))
            ok = r["status"] == "completed"
            rows.append((mode, s.get("requests", 0), s.get("batch_http", 0),
                         s.get("batches", 0), r["usage"]["cost_usd"], wall, ok))
        load = os.getloadavg()[0]
        print(f"{a.levels} levels x {a.width} steps, poll {a.poll_ms} ms, "
              f"-j {a.jobs or 'default'}, load {load:.1f}\n")
        print("| mode | chat requests | batch API requests | batches | cost (USD) "
              "| wall time (s) | completed |")
        print("|---|---|---|---|---|---|---|")
        for m, req, http, b, cost, wall, ok in rows:
            print(f"| {m} | {req} | {http} | {b} | {cost:.8f} | {wall:.2f} | {ok} |")


if __name__ == "__main__":
    main()
