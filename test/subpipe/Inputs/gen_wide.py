"""Writes DIR/main.yaml calling DIR/many.yaml CALLS times; many.yaml has
STEPS steps. With a 4th argument `unique`, each call has its own copy,
many<N>.yaml; a 5th adds a comment line of that many bytes to each
(fail_subpipe_limits.yaml)."""
import os
import sys

out, calls, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
unique = sys.argv[4:5] == ["unique"]
pad = int(sys.argv[5]) if len(sys.argv) > 5 else 0
os.makedirs(out, exist_ok=True)
for n in range(calls if unique else 1):
    with open(os.path.join(out, f"many{n if unique else ''}.yaml"), "w") as f:
        f.write("#" + "x" * pad + "\nname: many\nsteps:\n")
        for i in range(steps):
            f.write(f"  - id: s{i}\n    action: echo\n    parameters: {{message: x}}\n")
with open(os.path.join(out, "main.yaml"), "w") as f:
    f.write("name: wide\nsteps:\n")
    for i in range(calls):
        name = f"many{i}.yaml" if unique else "many.yaml"
        f.write(f"  - id: c{i}\n    action: pipeline\n    pipeline: {name}\n")
