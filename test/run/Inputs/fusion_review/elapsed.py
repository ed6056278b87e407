"""Runs a command and says whether it took from MIN to MAX seconds.
Usage: elapsed.py MIN MAX -- CMD...; prints `took: in range` or the time;
exits with the command's status."""
import subprocess
import sys
import time

lo, hi = float(sys.argv[1]), float(sys.argv[2])
cmd = sys.argv[sys.argv.index("--") + 1:]
t = time.monotonic()
rc = subprocess.run(cmd).returncode
took = time.monotonic() - t
print("took: in range" if lo <= took <= hi else f"took: {took:.2f} s, not in [{lo}, {hi}]")
sys.exit(rc)
