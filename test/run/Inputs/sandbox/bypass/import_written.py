# Issue 14: source text written to a file and imported runs as code (the
# import system compiles it): with eval/exec forbidden, importing a module
# from a place the step can write (/tmp here) is refused.
import sys
import tempfile
d = tempfile.mkdtemp()
with open(d + '/m_payload.py', 'w') as f:
    f.write("print('payload ran')\n")
sys.path.insert(0, d)
import m_payload  # noqa: F401
