"""Starts the command in argv[2:] (an orchrt run), waits until two
processes with MARK (argv[1]) in their command line run, kills orchrt with
SIGKILL and prints how many such processes are left once the kernel has
had its say (polled, up to 10 s: never a fixed sleep)."""
import os, signal, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from left import left  # noqa: E402

mark, cmd = sys.argv[1], sys.argv[2:]
proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
deadline = time.monotonic() + 30
while left(mark) < 2 and time.monotonic() < deadline:
    time.sleep(0.02)
print('running:', min(left(mark), 2))
proc.send_signal(signal.SIGKILL)
proc.wait()
deadline = time.monotonic() + 10
while left(mark) and time.monotonic() < deadline:
    time.sleep(0.05)
print('left:', left(mark))
