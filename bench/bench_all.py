#!/usr/bin/env python3
"""The one benchmark command: orchc and orchrt against size, side by side
with LangGraph JS on the same graphs, written to docs/benchmarks.md with a
plot (docs/benchmarks.svg).

  bench/bench_all.py                 full run (a few minutes on 2 cores)
  bench/bench_all.py --smoke --out DIR   tiny sizes, one run: checks the harness

Measured, medians of --runs runs with min-max:
  * orchc check and build: wall time and peak memory against size, 4 shapes;
  * plan size and orchrt load time (`orchrt --dry-run --time`: read,
    verify and prepare the plan, bind inputs);
  * per-step overhead: a chain of no-op (echo) steps, run phase only
    (orchrt --time; LangGraph: invoke() of the compiled graph);
  * makespan against the critical path: a fan-out of sleep steps.
LangGraph JS is @langchain/langgraph as pinned in bench/langgraph (npm ci by
scripts/install-deps.sh). The harness never runs in the test suite; a
--smoke run does.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from gen_pipeline import deps_for  # noqa: E402
import random  # noqa: E402


def med(xs):
    return statistics.median(xs), min(xs), max(xs)


def fmt_ms(t):
    m, lo, hi = t
    return f"{m * 1000:.1f} ms ({lo * 1000:.1f}–{hi * 1000:.1f})"


def deps_of(shape, n, width=100):
    rng = random.Random(42)
    return [deps_for(shape, i, n, width, rng) for i in range(n)]


def write_yaml(path, shape, n, action, sleep_ms=10):
    subprocess.run([sys.executable, os.path.join(HERE, "gen_pipeline.py"), "--shape", shape,
                    "--steps", str(n), "--action", action, "--sleep-ms", str(sleep_ms),
                    "-o", path], check=True)


def timed(cmd, runs):
    """Wall seconds and peak RSS (MiB) of each run."""
    walls, mems = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(p.pid, 0)
        walls.append(time.perf_counter() - t0)
        mems.append(usage.ru_maxrss / 1024)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{' '.join(cmd)} failed: {p.stderr.read().decode()[:300]}")
    return med(walls), med(mems)


def orchrt_phases(cmd, runs):
    loads, runs_ = [], []
    for _ in range(runs):
        # No state store: LangGraph runs without a checkpointer too; what
        # recording costs is bench/bench_state.py's table.
        r = subprocess.run(cmd + ["-q", "--time", "--state", "none"], capture_output=True,
                           text=True)
        m = re.search(r"load ([0-9.]+) ms, run ([0-9.]+) ms", r.stderr)
        if r.returncode != 0 or not m:
            sys.exit(f"{' '.join(cmd)}: {r.stderr[:300]}")
        loads.append(float(m.group(1)) / 1000)
        runs_.append(float(m.group(2)) / 1000)
    return med(loads), med(runs_)


def langgraph(tmp, shape, n, action, runs, sleep_ms=10, want="runs"):
    """invoke() wall seconds (or, with want="compile", graph construction and
    compile; with want="runs+cpu", the wall and the CPU seconds), or None
    without node or the npm packages."""
    lg = os.path.join(HERE, "langgraph")
    if not shutil.which("node") or not os.path.isdir(os.path.join(lg, "node_modules")):
        return None
    spec = os.path.join(tmp, f"lg-{shape}-{n}.json")
    with open(spec, "w") as f:
        json.dump({"deps": deps_of(shape, n), "action": action, "sleep_ms": sleep_ms,
                   "runs": runs}, f)
    r = subprocess.run(["node", os.path.join(lg, "run_graph.mjs"), spec], capture_output=True,
                       text=True)
    if r.returncode != 0:
        sys.exit(f"LangGraph run failed: {r.stderr[:300]}")
    out = json.loads(r.stdout)
    if want == "compile":
        return med([out["compile_ms"] / 1000])
    if want == "runs+cpu":
        return med([x / 1000 for x in out["runs_ms"]]), med([x / 1000 for x in out["cpu_ms"]])
    return med([x / 1000 for x in out["runs_ms"]])


def svg_plot(path, series, title, xlabel, ylabel):
    """A log-log line plot as SVG: series = [(name, colour, [(x, y)])]."""
    import math
    W, H, L, B = 640, 400, 70, 50
    xs = [x for _, _, pts in series for x, _ in pts]
    ys = [y for _, _, pts in series for _, y in pts if y > 0]
    lx0, lx1 = math.log10(min(xs)), math.log10(max(xs))
    ly0, ly1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    lx1 = lx1 if lx1 > lx0 else lx0 + 1
    ly1 = ly1 if ly1 > ly0 else ly0 + 1
    px = lambda x: L + (math.log10(x) - lx0) / (lx1 - lx0) * (W - L - 20)
    py = lambda y: H - B - (math.log10(y) - ly0) / (ly1 - ly0) * (H - B - 40)
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
         f'font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">{title}</text>',
         f'<line x1="{L}" y1="{H - B}" x2="{W - 20}" y2="{H - B}" stroke="black"/>',
         f'<line x1="{L}" y1="{H - B}" x2="{L}" y2="40" stroke="black"/>',
         f'<text x="{W / 2}" y="{H - 12}" text-anchor="middle">{xlabel}</text>',
         f'<text x="16" y="{H / 2}" transform="rotate(-90 16 {H / 2})" '
         f'text-anchor="middle">{ylabel}</text>']
    for e in range(int(ly0), int(ly1) + 1):
        y = py(10 ** e)
        o.append(f'<line x1="{L}" y1="{y}" x2="{W - 20}" y2="{y}" stroke="#ddd"/>')
        o.append(f'<text x="{L - 6}" y="{y + 4}" text-anchor="end">1e{e}</text>')
    for x in sorted(set(xs)):
        o.append(f'<text x="{px(x)}" y="{H - B + 16}" text-anchor="middle">{x}</text>')
    for k, (name, colour, pts) in enumerate(series):
        pts = [(x, y) for x, y in pts if y > 0]
        d = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        o.append(f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in pts:
            o.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>')
        o.append(f'<rect x="{L + 10}" y="{44 + 16 * k}" width="12" height="3" fill="{colour}"/>')
        o.append(f'<text x="{L + 28}" y="{50 + 16 * k}">{name}</text>')
    o.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.system()} {platform.release()}"


def kept_sections(path, generated):
    """The `## ` sections of the existing \p path that this script does not
    write (other benchmarks' sections: state, sandbox, LangGraph export,
    observability, MCP), in their order, each with the `<!-- name -->`
    marker lines that open it."""
    try:
        lines = open(path).read().split("\n")
    except FileNotFoundError:
        return []
    out, cur, pending = [], None, []
    for line in lines:
        if line.startswith("<!-- ") and not line.startswith("<!-- /"):
            pending.append(line)
            continue
        if line.startswith("## "):
            cur = None if line.split(":")[0] in generated else list(pending)
            if cur is not None:
                out.append(cur)
            pending = []
        elif pending:
            if cur is not None:
                cur.extend(pending)
            pending = []
        if cur is not None:
            cur.append(line)
    return ["\n".join(x).rstrip("\n") for x in out]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, one run")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs"),
                    help="where benchmarks.md and benchmarks.svg go")
    a = ap.parse_args()
    orchc = os.path.join(a.build, "tools", "orchc", "orchc")
    orchrt = os.path.join(a.build, "tools", "orchrt", "orchrt")
    runs = 1 if a.smoke else a.runs
    compile_sizes = [10, 50] if a.smoke else [100, 1000, 10000, 100000]
    chain_sizes = [10, 50] if a.smoke else [100, 1000, 10000]
    fan = 20 if a.smoke else 1000
    shapes = ["chain", "fanout", "layered", "random"]
    os.makedirs(a.out, exist_ok=True)
    md = ["# Benchmarks", "",
          "The first sections are generated by `bench/bench_all.py`, which keeps the "
          "others (written by the benchmark each names) as they are.", "",
          f"Machine: {machine()}. Medians of {runs} runs, min–max in brackets. "
          f"LangGraph JS: `@langchain/langgraph` as pinned in `bench/langgraph/package.json`, "
          f"on Node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip() if shutil.which('node') else '(absent)'}.",
          ""]
    with tempfile.TemporaryDirectory() as tmp:
        # 1. Compile scaling.
        md += ["## Compile time and memory against size", "",
               "LangGraph's column is building and compiling the same graph in Node "
               "(`StateGraph` + `compile()`), one run, up to 10,000 steps; the ratio is "
               "to `orchc build -o`, which also writes the plan.", "",
               "| shape | steps | `orchc check` | peak MiB | `orchc build -o` | plan size | "
               "`orchrt` load | LangGraph build+compile | ratio |",
               "|---|---|---|---|---|---|---|---|---|"]
        check_series = {}
        for shape in shapes:
            for n in compile_sizes:
                y = os.path.join(tmp, f"{shape}-{n}.yaml")
                p = os.path.join(tmp, f"{shape}-{n}.plan")
                write_yaml(y, shape, n, "echo")
                chk, mem = timed([orchc, "check", y], runs)
                bld, _ = timed([orchc, "build", y, "-o", p], runs)
                load, _ = orchrt_phases([orchrt, p, "--dry-run"], runs)
                size = os.path.getsize(p)
                check_series.setdefault(shape, []).append((n, chk[0] * 1000))
                lgc = langgraph(tmp, shape, n, "echo", 1, want="compile") if n <= 10000 else None
                lg_cell = f"{lgc[0] * 1000:.1f} ms | {lgc[0] / bld[0]:.1f}×" if lgc else "| "
                md.append(f"| {shape} | {n} | {fmt_ms(chk)} | {mem[0]:.0f} | {fmt_ms(bld)} | "
                          f"{size / 1e6:.2f} MB | {fmt_ms(load)} | {lg_cell} |")
        growth = check_series["layered"]
        if len(growth) >= 2:
            (n0, t0), (n1, t1) = growth[-2], growth[-1]
            md += ["", f"Growth (layered): {n1 / n0:.0f}× the steps took {t1 / t0:.1f}× the time "
                   "(linear is the goal)."]
        # 2. Per-step overhead.
        md += ["", "## Per-step overhead: a chain of no-op steps", "",
               "Run phase only: `orchrt --time` (plan loaded, inputs bound) and LangGraph's "
               "`invoke()` of the compiled graph.", "",
               "| steps | orchrt run | per step | LangGraph invoke | per step | LangGraph ÷ orchrt |",
               "|---|---|---|---|---|---|"]
        rt_pts, lg_pts = [], []
        for n in chain_sizes:
            y = os.path.join(tmp, f"echo-chain-{n}.yaml")
            p = os.path.join(tmp, f"echo-chain-{n}.plan")
            write_yaml(y, "chain", n, "echo")
            subprocess.run([orchc, "build", y, "-o", p], check=True, stderr=subprocess.DEVNULL)
            _, run = orchrt_phases([orchrt, p, "-j", "1"], runs)
            lg = langgraph(tmp, "chain", n, "echo", runs)
            rt_pts.append((n, run[0] * 1000))
            row = f"| {n} | {fmt_ms(run)} | {run[0] / n * 1e6:.2f} µs |"
            if lg:
                lg_pts.append((n, lg[0] * 1000))
                row += f" {fmt_ms(lg)} | {lg[0] / n * 1e6:.0f} µs | {lg[0] / run[0]:.0f}× |"
            else:
                row += " not run | | |"
            md.append(row)
        # 3. Makespan against the critical path.
        md += ["", f"## Makespan: {fan} parallel steps of 10 ms", "",
               "The critical path is 10 ms. orchrt runs with `-j` as wide as the fan-out.", "",
               "| system | makespan | over the critical path | ratio to orchrt |", "|---|---|---|---|"]
        y = os.path.join(tmp, "fan.yaml")
        p = os.path.join(tmp, "fan.plan")
        write_yaml(y, "parallel", fan, "sleep", 10)
        subprocess.run([orchc, "build", y, "-o", p], check=True, stderr=subprocess.DEVNULL)
        _, run = orchrt_phases([orchrt, p, "-j", str(fan)], runs)
        md.append(f"| orchrt | {fmt_ms(run)} | {(run[0] / 0.010 - 1) * 100:.1f}% | 1× |")
        lg = langgraph(tmp, "parallel", fan, "sleep", runs, 10)
        if lg:
            md.append(f"| LangGraph JS | {fmt_ms(lg)} | {(lg[0] / 0.010 - 1) * 100:.0f}% | "
                      f"{lg[0] / run[0]:.0f}× |")
        else:
            md.append("| LangGraph JS | not run (no node or npm packages) | | |")
        svg = os.path.join(a.out, "benchmarks.svg")
        series = [("orchrt: chain run phase (ms)", "#1f77b4", rt_pts)]
        if lg_pts:
            series.append(("LangGraph JS: chain invoke (ms)", "#d62728", lg_pts))
        series.append(("orchc check, layered (ms)", "#2ca02c", check_series["layered"]))
        svg_plot(svg, series, "Time against size", "steps", "milliseconds (log)")
        md += ["", "![time against size](benchmarks.svg)", ""]
    path = os.path.join(a.out, "benchmarks.md")
    generated = {line.split(":")[0] for line in md if line.startswith("## ")}
    for section in kept_sections(path, generated):
        md += ["", section]
    with open(path, "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
