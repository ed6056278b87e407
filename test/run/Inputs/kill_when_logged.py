#!/usr/bin/env python3
"""kill_when_logged.py LOG NEEDLE CMD...: starts CMD (an orchrt run),
waits until LOG holds a line containing NEEDLE (polled, up to 60 s: never
a fixed sleep), kills the run with SIGKILL and prints how it ended. The
log is what the killed run left behind: the caller checks it."""
import os
import signal
import subprocess
import sys
import time

log, needle, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.monotonic() + 60
seen = False
while not seen and time.monotonic() < deadline and proc.poll() is None:
    if os.path.exists(log):
        with open(log, encoding="utf-8", errors="replace") as f:
            seen = any(needle in line for line in f)
    if not seen:
        time.sleep(0.01)
print("seen" if seen else "never seen")
proc.send_signal(signal.SIGKILL)
code = proc.wait()
print("killed" if code == -signal.SIGKILL else f"exit {code}")
