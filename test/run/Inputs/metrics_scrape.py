#!/usr/bin/env python3
"""metrics_scrape.py [--prometheus] OUT_DIR ORCHRT PLAN [ARGS...]

Starts `ORCHRT PLAN --metrics 127.0.0.1:0 ARGS`, reads the port it prints,
scrapes /metrics with curl until the run's first steps are counted, checks
the scrape with `promtool check metrics`, and prints the lines FileCheck
looks at. With --prometheus, a real Prometheus server (loopback, a
throwaway data directory under OUT_DIR) scrapes the run too and is asked
over its HTTP API for the run's step count and the settled steps. Then the
run is interrupted (SIGINT) and every process this script started is
stopped, whatever happens. Every wait is polled with a deadline, never a
fixed sleep."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

DEADLINE_S = 60


def poll(what, fn):
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    sys.exit(f"timed out waiting for {what}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def curl(url):
    r = subprocess.run(["curl", "-sS", "--max-time", "5", "-D", "-", url],
                       capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else ""


def prom_query(port, q):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            res = json.load(r)["data"]["result"]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not up yet, or not Prometheus on that port
    return res[0]["value"][1] if res else None


def start_prometheus(out, cfg, data, procs, logs):
    """Prometheus on a free loopback port. The port is found free, then
    handed over: another process may take it in between, so a Prometheus
    that exits (address in use) is started again on another port."""
    for attempt in range(5):
        port = free_port()
        log = open(os.path.join(out, f"prom{attempt}.log"), "w")
        logs.append(log)
        prom = subprocess.Popen(
            ["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={data}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=log)
        procs.append(prom)
        steps = poll("Prometheus to scrape orchrt",
                     lambda: "exited" if prom.poll() is not None
                     else prom_query(port, 'orch_run_steps{job="orchrt"}'))
        if steps != "exited":
            return port, steps
    sys.exit("Prometheus did not start (see prom*.log)")


def stop_all(procs, logs):
    """Stops every process this script started (last first) and closes
    their logs, whatever happened."""
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    for log in logs:
        log.close()


def port_free(port):
    """Nothing is left listening on 127.0.0.1:port."""
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def main():
    args = sys.argv[1:]
    with_prom = args[0] == "--prometheus"
    if with_prom:
        args = args[1:]
    out, orchrt, plan, rest = args[0], args[1], args[2], args[3:]
    os.makedirs(out, exist_ok=True)
    procs, logs, m = [], [], None
    try:
        run = subprocess.Popen([orchrt, plan, "--metrics", "127.0.0.1:0"] + rest,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(run)
        line = run.stderr.readline()
        m = re.search(r"metrics on (http://127\.0\.0\.1:(\d+)/metrics)", line)
        if not m:
            sys.exit(f"no metrics address in: {line!r}")
        url = m.group(1)
        print("serving: yes")
        def settled(text):  # both echo steps settled, and the sleep started
            ok = re.search(r'^orch_steps_total\{action="echo",status="completed"\} 2$',
                           text, re.M) and re.search(r"^orch_attempts_running 1$", text, re.M)
            return text if ok else ""
        body = poll("the first steps in /metrics", lambda: settled(curl(url)))
        head, _, text = body.partition("\n\n")  # text mode: CRLF read as LF
        print(next(h for h in head.splitlines() if h.lower().startswith("content-type")))
        with open(os.path.join(out, "scrape.txt"), "w") as f:
            f.write(text)
        chk = subprocess.run(["promtool", "check", "metrics"], input=text,
                             capture_output=True, text=True)
        print(f"promtool: exit {chk.returncode} {chk.stdout.strip()} {chk.stderr.strip()}".strip())
        for l in text.splitlines():
            if l.startswith(("orch_run_steps ", "orch_steps_total{", "orch_attempts_running ")):
                print(l)
        print("404:", "404" in curl(url.replace("/metrics", "/other")).split("\n")[0])
        if with_prom:
            port = free_port()
            data = os.path.join(out, "prom-data")
            cfg = os.path.join(out, "prometheus.yml")
            target = url.split("/")[2]
            with open(cfg, "w") as f:
                f.write("global:\n  scrape_interval: 200ms\n  scrape_timeout: 200ms\n"
                        "scrape_configs:\n  - job_name: orchrt\n"
                        f"    static_configs:\n      - targets: ['{target}']\n")
            port, steps = start_prometheus(out, cfg, data, procs, logs)
            print("prometheus orch_run_steps:", steps)
            print("prometheus settled:", prom_query(port, "sum(orch_steps_total)"))
            print("prometheus up:", prom_query(port, 'up{job="orchrt"}'))
        run.send_signal(signal.SIGINT)
        run.stderr.read()
        print("orchrt exit", run.wait(timeout=DEADLINE_S))
    finally:
        stop_all(procs, logs)
    # Nothing is left listening: the port is free again.
    print("port free:", port_free(int(m.group(2))))


if __name__ == "__main__":
    main()
