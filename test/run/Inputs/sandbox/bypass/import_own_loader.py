# ... and through a finder and loader of the step's own claiming a standard
# library path (the loader's get_data returns the step's text).
import importlib.machinery
import importlib.util
import sys
class L(importlib.machinery.SourceFileLoader):
    def get_data(self, path):
        return b"print('payload ran')\n"
class F:
    def find_spec(self, name, path=None, target=None):
        if name == 'm_loader':
            return importlib.util.spec_from_loader(name, L(name, '/usr/lib/python3/m.py'))
sys.meta_path.insert(0, F())
import m_loader  # noqa: F401
