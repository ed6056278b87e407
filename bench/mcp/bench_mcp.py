#!/usr/bin/env python3
"""`tools/call` round trip, p50 and p99, of

  - `orchrt mcp` on the one-step echo plan, over stdio and over HTTP;
  - a TypeScript SDK server doing the same (bench/mcp/ts_echo_server.mjs)
    over stdio;

measured twice: by the official TypeScript SDK client
(test/fixtures/mcp_client/call_tools.mjs --bench N), and by a minimal C
client over pipes (bench/mcp/raw_client.c, compiled here with `cc -O2`:
no SDK and no JSON parser, so it measures the server plus two pipe hops),
one call at a time and pipelined (all calls written at once).

  bench_mcp.py ORCHC ORCHRT [N]   (run from the repository root)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ORCHC, ORCHRT = sys.argv[1:3]
N = sys.argv[3] if len(sys.argv) > 3 else "2000"
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
client_dir = os.path.join(root, "test", "fixtures", "mcp_client")
client = os.path.join(client_dir, "call_tools.mjs")
tmp = tempfile.mkdtemp()
echo = os.path.join(tmp, "echo.bin")
subprocess.run([ORCHC, "build", os.path.join(root, "test", "mcp", "Inputs", "echo.yaml"), "-o",
                echo], check=True)


def bench(label, cmd):
    out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True).stdout
    m = re.search(r"bench: .*", out)
    print(f"{label}: {m.group(0) if m else out}")


bench("orchrt mcp, stdio", ["node", client, ORCHRT, tmp, echo, "--bench", N])
bench("orchrt mcp, HTTP", ["node", client, ORCHRT, tmp, echo, "--http", "--bench", N])
# The SDK server is a node script: the client spawns `node SCRIPT` in place of
# `orchrt mcp PLAN --run-dir DIR`, through a wrapper that drops those words.
server = os.path.join(client_dir, "ts_echo_server.mjs")
shutil.copy(os.path.join(root, "bench", "mcp", "ts_echo_server.mjs"), server)
wrapper = os.path.join(tmp, "ts-server")
with open(wrapper, "w") as f:
    f.write(f"#!/bin/sh\nexec node {server}\n")
os.chmod(wrapper, 0o755)
raw = os.path.join(tmp, "raw_client")
subprocess.run(["cc", "-O2", "-o", raw, os.path.join(root, "bench", "mcp", "raw_client.c")],
               check=True)


def bench_raw(label, cmd):
    for mode in ("one", "pipe"):
        out = subprocess.run([raw, str(min(int(N), 8000)), mode, "--"] + cmd,
                             stdout=subprocess.PIPE, text=True, check=True).stdout
        print(f"{label}, raw C client: " + out.strip().replace("\n", "; "))


try:
    bench("TypeScript SDK server, stdio", ["node", client, wrapper, tmp, echo, "--bench", N])
    bench_raw("orchrt mcp, stdio", [ORCHRT, "mcp", echo, "--run-dir", tmp])
    bench_raw("TypeScript SDK server, stdio", [wrapper])
finally:
    os.unlink(server)
shutil.rmtree(tmp)
