#!/usr/bin/env python3
"""fuse-models against the LLM test endpoint (test/fixtures/fake_llm_server.py):
LEVELS levels of WIDTH independent short classification steps (step i of a
level reads step i of the level before), one provider rate limit, run with
`context.fusion: off` and `models`. Reports requests, prompt tokens (counted
as the endpoint reports usage: JSON bytes of the messages / 4), makespan
(orchrt's run phase) and whether every step's result fits its schema, as a
Markdown table.

  bench/bench_fusion.py [--build build] [--levels 5] [--width 20] [--rpm 60]

The rate limit applies to every request; at 60 a minute an unfused run of
100 steps takes about 100 s. --rpm scales it (the makespans scale back by
the same factor; the request and token counts do not depend on it).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "test", "fixtures")

SYSTEM = ("You classify customer support tickets for a software company. Categories: "
          "billing (charges, refunds, invoices, plans), bug (something does not work as "
          "documented), feature (a request for something new), account (login, password, "
          "two-factor, profile), other. Read the ticket, decide the single best category "
          "and answer in the field `label` with the category name only, lower case, no "
          "punctuation and no explanation. When a ticket mentions two topics, choose the "
          "one the customer asks to be resolved.")
TICKETS = ["I was charged twice this month", "The export button does nothing",
           "Please add dark mode", "I cannot log in since yesterday",
           "Where is your office?", "Refund my last invoice", "App crashes on start",
           "Support for SSO would be great", "Reset my two-factor device",
           "Do you have a newsletter?"]


def pipeline(levels, width, fusion):
    out = [f"name: fusion_bench\ncontext:\n  fusion: {fusion}\nsteps:"]
    for L in range(levels):
        for i in range(width):
            prev = f" (related: {{{{ s{L - 1}_{i}.label }}}})" if L else ""
            out.append(f"""  - id: s{L}_{i}
    action: generate
    model: gpt-4o-mini
    max_tokens: 16
    parameters:
      system: "{SYSTEM}"
      prompt: "Ticket {L}-{i}: {TICKETS[(L * width + i) % len(TICKETS)]}{prev}\"""")
    out.append("outputs:")
    for i in range(width):
        out.append(f"  last_{i}: \"{{{{ s{levels - 1}_{i}.label }}}}\"")
    return "\n".join(out) + "\n"


def models(rpm):
    return ("models:\n  gpt-4o-mini:\n    provider: openai\n    capabilities: "
            "{tasks: [classification], context_window: 128000, "
            "supports_structured_output: true}\n"
            f"providers:\n  openai: {{requests_per_minute: {rpm}, burst: 1}}\n")


def run(a, d, fusion):
    yaml, plan, out, reqs = (os.path.join(d, f"{fusion}.{x}")
                             for x in ("yaml", "bin", "json", "requests"))
    reg = os.path.join(d, "registry.yaml")
    with open(yaml, "w") as f:
        f.write(pipeline(a.levels, a.width, fusion))
    with open(reg, "w") as f:
        f.write(models(a.rpm))
    subprocess.run([os.path.join(a.build, "tools", "orchc", "orchc"), "build", yaml,
                    "--models", reg, "-o", plan], check=True, stderr=subprocess.DEVNULL)
    r = subprocess.run([sys.executable, os.path.join(FIXTURES, "with_llm_server.py"),
                        "--requests", reqs, "--messages", "--",
                        os.path.join(a.build, "tools", "orchrt", "orchrt"), plan, "-q",
                        "--state", "none", "--time", "--out", out, "-j", "100"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"orchrt failed ({fusion}):\n{r.stderr}")
    ms = float(re.search(r"run ([0-9.]+) ms", r.stderr).group(1))
    bodies = [json.loads(line) for line in open(reqs) if line.strip()]
    prompt = sum(max(1, len(json.dumps(b["messages"])) // 4) for b in bodies)
    steps = json.load(open(out))["steps"]
    fits = all(s["status"] == "completed" and isinstance(
        json.loads(s["output"]).get("label"), str) for s in steps.values())
    return len(bodies), prompt, ms, fits, len(steps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--levels", type=int, default=5)
    ap.add_argument("--width", type=int, default=20)
    ap.add_argument("--rpm", type=int, default=60)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        rows = [(f, *run(a, d, f)) for f in ("off", "models")]
    scale = a.rpm / 60
    print(f"{a.levels} levels x {a.width} steps, {a.rpm} requests/minute"
          + (f" (makespan x{scale:g} = at 60/minute)" if a.rpm != 60 else ""))
    print("| fusion | requests | prompt tokens | makespan (s) | at 60/min (s) | all fit |")
    print("|---|---:|---:|---:|---:|---|")
    for f, n, p, ms, fits, steps in rows:
        print(f"| {f} | {n} | {p} | {ms / 1000:.2f} | {ms / 1000 * scale:.1f} | "
              f"{'yes' if fits else 'NO'} ({steps} steps) |")
    (_, n0, p0, m0, _, _), (_, n1, p1, m1, _, _) = rows
    print(f"\nrequests {n0 / n1:.1f}x fewer, prompt tokens {p0 / p1:.1f}x fewer, "
          f"makespan {m0 / m1:.1f}x shorter")


if __name__ == "__main__":
    main()
