# ... or by changing the import system's own loader class, then importing a
# standard library module.
import importlib.machinery
importlib.machinery.SourceFileLoader.get_data = lambda self, path: b"print('payload ran')\n"
import colorsys  # noqa: F401
