# An already loaded forbidden module looked up in sys.modules.
import sys
print(sys.modules['os'].getpid())
