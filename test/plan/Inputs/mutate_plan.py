"""Flips bytes of a plan one at a time (every byte of the first 256, a
spread of 800 of the rest, 60 under a sanitizer) and truncates it at many
lengths (every 97th, every 293rd under a sanitizer, and the first 80); `orchc dump` (or `orchrt`, when TOOL is orchrt) must exit 2 with an
error each time.
Usage: mutate_plan.py TOOL PLAN WORKDIR"""
import os
import subprocess
import sys

orchc, path, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
data = open(path, "rb").read()
mutant = os.path.join(work, "m.plan")
# Under a sanitizer (lit sets ORCH_SANITIZER) each process costs ~65 ms, and
# twice that when LeakSanitizer scans at exit: every mutant is still checked
# for memory errors, every eighth also for leaks, over a sparser spread.
sanitized = bool(os.environ.get("ORCH_SANITIZER"))
runs = 0


def run(blob):
    global runs
    runs += 1
    with open(mutant, "wb") as f:
        f.write(blob)
    cmd = [orchc, mutant, "-q"] if os.path.basename(orchc) == "orchrt" else [orchc, "dump", mutant]
    env = dict(os.environ)
    if sanitized and runs % 8:
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=20, env=env)
    if r.returncode != 2 or "error:" not in r.stderr:
        sys.exit(f"exit {r.returncode} for a mutant: {r.stderr[:200]}")


# Every byte of the header and the payload's first bytes, and a spread of 800
# of the rest (all of it if small). A flip in the payload meets the header's
# SHA-256 first wherever it is, so a denser spread re-tests one path; crafted
# payloads with a matching hash are the plan fuzzer's (plan-fuzz-smoke.test).
head = list(range(min(len(data), 256)))
step = max(1, (len(data) - 256) // (60 if sanitized else 800))
positions = head + list(range(256, len(data), step))
for i in positions:
    run(data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1:])
print(f"flipped {len(positions)} bytes: all exit 2")
# Past the header a cut meets the same size and hash checks wherever it is.
cuts = sorted(set(list(range(0, 80)) + list(range(0, len(data), 293 if sanitized else 97)) + [len(data) - 1]))
for n in cuts:
    run(data[:n])
print(f"truncated at {len(cuts)} lengths: all exit 2")
run(b"name: not a plan\n")
print("not a plan: exit 2")
