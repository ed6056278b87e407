# The standard library's own source text (namedtuple) still works.
import collections
print(collections.namedtuple('P', 'a b')(1, 2))
