# dataclass() pastes a field name into the source text it compiles.
import dataclasses
payload = "print('DATACLASS-EXEC-RAN', 6 * 7)"
N = "a,)==(" + payload + ",)or(0"
C = type('C', (), {'__annotations__': {N: int}, 'a': 1})
C = dataclasses.dataclass(init=False, repr=False)(C)
print(C() == C())
