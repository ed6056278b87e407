# A module of the run directory, which the step cannot write, imports fine.
import sys
sys.path.insert(0, '.')
import m_helper
print(m_helper.VALUE)
