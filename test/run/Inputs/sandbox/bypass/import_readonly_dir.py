# ... also in a writable run directory, when the step makes the directory
# and the file read-only first: it owns them on a writable file system and
# could change them back.
import os
import sys
d = os.getcwd() + '/m_lib'
os.makedirs(d)
with open(d + '/m_hidden.py', 'w') as f:
    f.write("print('payload ran')\n")
os.chmod(d + '/m_hidden.py', 0o444)
os.chmod(d, 0o555)
sys.path.insert(0, d)
import m_hidden  # noqa: F401
