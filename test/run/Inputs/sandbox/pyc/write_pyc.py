# Run by a `run_dir: write` shell step: a .pyc for the OLD m_old.py whose
# header matches its mtime and size, with different code in it.
import importlib._bootstrap_external as e, importlib.util as u, os
st = os.stat('m_old.py')
code = compile("print('PYC-INJECTED-RAN', 6 * 7)\nVALUE = 7\n", 'm_old.py', 'exec')
data = e._code_to_timestamp_pyc(code, st.st_mtime, st.st_size)
os.makedirs('__pycache__', exist_ok=True)
open(u.cache_from_source('m_old.py'), 'wb').write(data)
