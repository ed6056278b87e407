# A function whose code claims to be the standard library's `dataclass`.
import types, json
lib = json.__file__.rsplit('/json/', 1)[0] + '/'
def g(src):
    return eval(src)
c = g.__code__.replace(co_filename=lib + 'dataclasses.py', co_name='dataclass')
h = types.FunctionType(c, globals())
print('FAKE-STDLIB-EVAL', h('6 * 7'))
