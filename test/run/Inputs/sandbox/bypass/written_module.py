# A .py file the step writes and then imports: its eval is the step's too.
import sys
import tempfile
d = tempfile.mkdtemp()
with open(d + '/evil_mod.py', 'w') as f:
    f.write("x = eval('6 * 7')\n")
sys.path.insert(0, d)
import evil_mod
print(evil_mod.x)
