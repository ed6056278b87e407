# Review 4: `_io.open_code` replaced, so that the trusted SourceFileLoader of
# a read-only standard library path returns text the step made.
import _io, io, sys
def fake(p):
    if p.endswith('colorsys.py'):
        return io.BytesIO(b"print('PAYLOAD RAN via open_code', __name__)\n")
    raise OSError('no')
_io.open_code = fake
sys.modules.pop('colorsys', None)
import colorsys
