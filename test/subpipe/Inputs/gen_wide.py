"""Writes DIR/main.yaml calling DIR/many.yaml CALLS times; many.yaml has
STEPS steps (fail_subpipe_limits.yaml)."""
import os
import sys

out, calls, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "many.yaml"), "w") as f:
    f.write("name: many\nsteps:\n")
    for i in range(steps):
        f.write(f"  - id: s{i}\n    action: echo\n    parameters: {{message: x}}\n")
with open(os.path.join(out, "main.yaml"), "w") as f:
    f.write("name: wide\nsteps:\n")
    for i in range(calls):
        f.write(f"  - id: c{i}\n    action: pipeline\n    pipeline: many.yaml\n")
