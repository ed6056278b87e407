"""Usage: kill_orchrt.py [--early] ORCHC PIPELINE.yaml WORKDIR -- ORCHRT ARGS...

Compiles PIPELINE (whose command sleeps for `4248.4248`) with that marker
replaced by one of this run's own, starts the orchrt command (PLAN in it
stands for the plan), waits until both of the step's `sleep`s run (with
--early: until the first process of the step exists, inside the sandbox's
setup), kills orchrt with SIGKILL and prints how many processes with the
marker are left once the kernel has had its say (polled, up to 10 s: never
a fixed sleep). Whatever is left is then killed, so that a leak fails this
run alone, never a later or concurrent one."""
import os, random, signal, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from left import left, pids  # noqa: E402

args = sys.argv[1:]
early = args[0] == '--early'
if early:
    args = args[1:]
orchc, src, work = args[:3]
cmd = args[args.index('--') + 1:]
mark = '%d.%d%05d' % (4000 + os.getpid() % 5000, random.randrange(10**6), os.getpid() % 10**5)
os.makedirs(work, exist_ok=True)
yaml = os.path.join(work, 'long-%d.yaml' % os.getpid())
plan = os.path.join(work, 'long-%d.bin' % os.getpid())
with open(src) as f:
    text = f.read().replace('4248.4248', mark)
with open(yaml, 'w') as f:
    f.write(text)
subprocess.run([orchc, 'build', yaml, '-o', plan], check=True)
cmd = [plan if a == 'PLAN' else a for a in cmd]

def sleeping():
    return left(mark, argv0='sleep')

proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
deadline = time.monotonic() + 30
want = (lambda: left(mark) >= 1) if early else (lambda: sleeping() >= 2)
while not want() and time.monotonic() < deadline:
    time.sleep(0.001 if early else 0.02)
if not early:
    print('running:', min(sleeping(), 2))
proc.send_signal(signal.SIGKILL)
proc.wait()
deadline = time.monotonic() + 10
while left(mark) and time.monotonic() < deadline:
    time.sleep(0.05)
print('left:', left(mark))
for p in pids(mark):
    try:
        os.kill(p, signal.SIGKILL)
    except OSError:
        pass
for f in (yaml, plan):
    os.unlink(f)
