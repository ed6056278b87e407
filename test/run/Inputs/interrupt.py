#!/usr/bin/env python3
"""Starts orchrt (argv[1:]), waits until its progress shows the steps
running, sends SIGINT, and prints the exit status and the time it took to
stop. A clean stop is quick: running steps are cancelled."""
import signal
import subprocess
import sys
import time

p = subprocess.Popen(sys.argv[1:], stderr=subprocess.PIPE, text=True)
time.sleep(0.5)
t0 = time.monotonic()
p.send_signal(signal.SIGINT)
err = p.stderr.read()
code = p.wait()
sys.stderr.write(err)
print(f"exit {code}")
print("stopped quickly" if time.monotonic() - t0 < 5 else "stopped slowly")
