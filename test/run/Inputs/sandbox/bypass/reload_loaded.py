# importlib.reload of a module: it runs the module's source again.
import importlib, json
importlib.reload(json)
print('reloaded')
