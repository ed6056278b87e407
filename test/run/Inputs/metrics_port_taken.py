#!/usr/bin/env python3
"""metrics_port_taken.py ORCHRT ARGS...: holds a loopback port, runs
`ORCHRT ARGS --metrics 127.0.0.1:THAT_PORT` and exits with its status."""
import socket
import subprocess
import sys

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    s.listen()
    port = s.getsockname()[1]
    sys.exit(subprocess.run(sys.argv[1:] + ["--metrics", f"127.0.0.1:{port}"]).returncode)
