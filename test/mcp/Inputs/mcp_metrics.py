#!/usr/bin/env python3
"""mcp_metrics.py OUT_DIR ORCHRT PLAN

Starts `ORCHRT mcp PLAN --metrics 127.0.0.1:0` on stdio, reads the address
it prints, calls the plan's tool twice, scrapes /metrics with curl, checks
the scrape with `promtool check metrics`, has a real Prometheus server
(loopback, a throwaway data directory) scrape it and asks it for the
settled steps, then closes the server's input (it exits) and checks the
port is free. Prints the lines FileCheck looks at. Every wait is polled
with a deadline (metrics_scrape.py's helpers)."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "run", "Inputs"))
from metrics_scrape import (DEADLINE_S, curl, poll, port_free, prom_query,  # noqa: E402
                            start_prometheus, stop_all)


def main():
    out, orchrt, plan = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    procs, logs, m = [], [], None
    try:
        srv = subprocess.Popen([orchrt, "mcp", plan, "--metrics", "127.0.0.1:0"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        procs.append(srv)
        line = srv.stderr.readline()
        m = re.search(r"metrics on (http://127\.0\.0\.1:(\d+)/metrics)", line)
        if not m:
            sys.exit(f"no metrics address in: {line!r}")
        url = m.group(1)
        print("serving: yes")

        def ask(id_, method, params=None):
            msg = {"jsonrpc": "2.0", "id": id_, "method": method}
            if params is not None:
                msg["params"] = params
            srv.stdin.write(json.dumps(msg) + "\n")
            srv.stdin.flush()
            return json.loads(srv.stdout.readline())

        ask(1, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                              "clientInfo": {"name": "t", "version": "1"}})
        srv.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        for i in (2, 3):
            r = ask(i, "tools/call", {"name": "echo_tool", "arguments": {"message": "hi"}})
            print("call", i, "error:", r["result"].get("isError", False))
        text = poll("both calls in /metrics", lambda: (lambda t: t if re.search(
            r'^orch_steps_total\{action="echo",status="completed"\} 2$', t, re.M) else "")(
                curl(url).partition("\n\n")[2]))
        chk = subprocess.run(["promtool", "check", "metrics"], input=text,
                             capture_output=True, text=True)
        print(f"promtool: exit {chk.returncode} {chk.stdout.strip()} {chk.stderr.strip()}".strip())
        for l in text.splitlines():
            if l.startswith(("orch_run_info", "orch_steps_total{", "orch_attempts_total{")):
                print(l)
        data = os.path.join(out, "prom-data")
        cfg = os.path.join(out, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 200ms\n  scrape_timeout: 200ms\n"
                    "scrape_configs:\n  - job_name: orchrt\n"
                    f"    static_configs:\n      - targets: ['{url.split('/')[2]}']\n")
        port, steps = start_prometheus(out, cfg, data, procs, logs)
        print("prometheus orch_run_steps:", steps)
        print("prometheus settled:", prom_query(port, "sum(orch_steps_total)"))
        srv.stdin.close()  # the end of input ends the server
        print("orchrt mcp exit", srv.wait(timeout=DEADLINE_S))
    finally:
        stop_all(procs, logs)
    print("port free:", port_free(int(m.group(2))))


if __name__ == "__main__":
    main()
