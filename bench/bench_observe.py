#!/usr/bin/env python3
"""Per-step overhead of observability: a generated chain of `echo` steps
run with and without `--events`, `--metrics` and OTLP traces (to a
loopback sink in this script that answers 200), runs alternating, median of the run phase
(`orchrt --time`, plan loaded) of N runs each, as a Markdown table.

  bench/bench_observe.py [--build build] [--runs 7] [--steps 10000]
                         [--baseline OTHER/orchrt]

--baseline adds rows for another orchrt binary (e.g. the main branch's)
run without and with the flag: what the hooks cost when they are off, and
what a change to the event log bought. The load average is printed: the
machine is shared.
"""
import argparse
import http.server
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))


SPANS = [0]  # spans the sink received (counted before it answers)
SPANS_LOCK = threading.Lock()


class Sink(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP collector that reads each export, counts its spans and
    answers 200."""
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        n = sum(len(ss.get("spans", [])) for rs in body.get("resourceSpans", [])
                for ss in rs.get("scopeSpans", []))
        with SPANS_LOCK:
            SPANS[0] += n
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def run_ms(cmd, env=None, state="none"):
    """The run phase's wall time, the whole process's CPU time (user +
    system, all threads) and the run thread's CPU time over the run phase
    (`orchrt --time`), in ms: on a shared machine the CPU times are the
    steadier figures, and the run thread's is what observability costs
    the event loop itself (the writer and exporter threads work beside
    it). \p state: --state (a state directory records the run, and its
    event log into the run's record)."""
    p = subprocess.Popen(cmd + ["-q", "--state", state, "--time"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    m = re.search(r"run ([0-9.]+) ms", err)
    t = re.search(r"run thread CPU ([0-9.]+) ms", err)
    return (float(m.group(1)), 1000 * (ru.ru_utime + ru.ru_stime),
            float(t.group(1)) if t else float("nan"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--baseline")
    a = ap.parse_args()
    orchc = os.path.join(a.build, "tools", "orchc", "orchc")
    orchrt = os.path.join(a.build, "tools", "orchrt", "orchrt")
    with tempfile.TemporaryDirectory() as d:
        yaml, plan, events = (os.path.join(d, n) for n in ("c.yaml", "c.bin", "e.jsonl"))
        subprocess.run([sys.executable, os.path.join(HERE, "gen_pipeline.py"), "--shape",
                        "chain", "--steps", str(a.steps), "--action", "echo", "-o", yaml],
                       check=True)
        subprocess.run([orchc, "build", yaml, "-o", plan], check=True,
                       stderr=subprocess.DEVNULL)
        metrics = ["--metrics", "127.0.0.1:0"]
        sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
        threading.Thread(target=sink.serve_forever, daemon=True).start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
        traced = dict(env, OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:%d" % sink.server_port)
        cases = [("off", [orchrt, plan]), ("--events", [orchrt, plan, "--events", events]),
                 ("--metrics", [orchrt, plan] + metrics),
                 ("--events --metrics", [orchrt, plan, "--events", events] + metrics),
                 ("traces", [orchrt, plan]),
                 ("--events --metrics traces", [orchrt, plan, "--events", events] + metrics)]
        # A state store: the run recorded, its event log in the run's record
        # (always, since observe5). --checkpoint none keeps the step rows
        # out of the run phase only: the recorder still writes a row a
        # settled step at the run's end, so the CPU column is an upper
        # bound of the event log's cost over `off`, not that cost alone.
        store = os.path.join(d, "state")
        cases.append(("store", [orchrt, plan, "--checkpoint", "none"]))
        states = {"store": store}
        envs = {name: (traced if "traces" in name else env) for name, _ in cases}
        if a.baseline:
            envs.update({"baseline": env, "baseline --events": env, "baseline store": env})
            states["baseline store"] = os.path.join(d, "state-baseline")
            cases[:0] = [("baseline", [a.baseline, plan]),
                         ("baseline --events", [a.baseline, plan, "--events", events]),
                         ("baseline store", [a.baseline, plan, "--checkpoint", "none"])]
        times = {name: [] for name, _ in cases}
        cpu = {name: [] for name, _ in cases}
        thread = {name: [] for name, _ in cases}
        load0 = os.getloadavg()[0]  # the machine is shared: say how busy
        for _ in range(a.runs):
            for name, cmd in cases:
                before = SPANS[0]
                wall, c, t = run_ms(cmd, envs.get(name, env), states.get(name, "none"))
                # A dropped span would flatter the traced rows: every run
                # must deliver its run span and one span a step.
                if "traces" in name and SPANS[0] - before != a.steps + 1:
                    sys.exit(f"{name}: the sink received {SPANS[0] - before} spans, "
                             f"not {a.steps + 1}")
                times[name].append(wall)
                cpu[name].append(c)
                thread[name].append(t)
    print("load average before/after: {:.1f} / {:.1f}".format(load0, os.getloadavg()[0]))
    print(f"| {a.steps} steps | run (median of {a.runs}) | per step | added per step "
          "| CPU, process (median) | CPU added per step "
          "| CPU, run thread (median) | run thread CPU added per step |")
    print("|---|---|---|---|---|---|---|---|")
    off = statistics.median(times["off"])
    cpu_off = statistics.median(cpu["off"])
    thread_off = statistics.median(thread["off"])
    for name, _ in cases:
        med = statistics.median(times[name])
        c = statistics.median(cpu[name])
        t = statistics.median(thread[name])
        print(f"| {name} | {med:.1f} ms ({min(times[name]):.1f}–{max(times[name]):.1f}) "
              f"| {1000 * med / a.steps:.2f} µs | {1000 * (med - off) / a.steps:+.2f} µs "
              f"| {c:.0f} ms | {1000 * (c - cpu_off) / a.steps:+.2f} µs "
              f"| {t:.1f} ms | {1000 * (t - thread_off) / a.steps:+.2f} µs |")


if __name__ == "__main__":
    main()
