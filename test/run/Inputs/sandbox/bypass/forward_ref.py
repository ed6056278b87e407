# typing.ForwardRef compiles and evaluates its string.
import typing
print(typing.ForwardRef("print('evaluated') or int")._evaluate(globals(), None, frozenset()))
