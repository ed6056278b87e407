import gc
hooks = [o for o in gc.get_objects() if callable(o)]
