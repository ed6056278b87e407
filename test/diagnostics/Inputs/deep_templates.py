"""Writes the long templates of ../fail_template_too_deep.yaml into argv[1]."""
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
N = 30000
cases = {
    "sets": "{% set a = 1 %}" * N + "{{ a }}",
    "ifs": "{% if true %}" * N + "x" + "{% endif %}" * N,
    "elifs": "{% if false %}" + "{% elif false %}" * N + "{% endif %}",
    "fors": "{% for x in [1] %}" * N + "{% endfor %}" * N,
    "ok": "".join("{%% set a = n + %d %%}" % i for i in range(1024)) + "{{ a }}",
}
for name, text in cases.items():
    with open(os.path.join(out, name + ".yaml"), "w") as f:
        f.write("name: %s\ninputs: {n: integer}\nsteps:\n  - id: s\n    action: echo\n"
                '    parameters: {message: "%s"}\n' % (name, text))
