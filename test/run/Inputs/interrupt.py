#!/usr/bin/env python3
"""Starts orchrt (argv[1:]), waits until its steps are running (orchrt has
a child process: the `shell` step's), sends SIGINT, and prints the exit
status and the time it took to stop. A clean stop is quick: running steps
are cancelled.

A fixed delay is not enough: a sanitized orchrt on a loaded machine can
take longer than that to start, and a SIGINT before orchrt blocks it is
lost when the test runner ignores SIGINT (the child inherits that), so the
run went on to complete."""
import glob
import signal
import subprocess
import sys
import time


def has_child(pid):
    for f in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            with open(f) as c:
                if c.read().strip():
                    return True
        except OSError:
            pass
    return False


p = subprocess.Popen(sys.argv[1:], stderr=subprocess.PIPE, text=True)
deadline = time.monotonic() + 60
while not has_child(p.pid) and p.poll() is None and time.monotonic() < deadline:
    time.sleep(0.05)
time.sleep(0.2)  # the timer step started with it, in the same loop turn
t0 = time.monotonic()
p.send_signal(signal.SIGINT)
err = p.stderr.read()
code = p.wait()
sys.stderr.write(err)
print(f"exit {code}")
print("stopped quickly" if time.monotonic() - t0 < 5 else "stopped slowly")
