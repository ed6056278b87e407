# typing.get_type_hints evaluates a string annotation with eval.
import typing
def f(x: "print('evaluated') or int"): pass
print(typing.get_type_hints(f))
