# Run the wrapper's own code object again, with source text in sys.argv.
import sys, types
top = sys._getframe(1).f_code
sys.argv = ['x', 'eval,exec', 'eval,exec', '0', 'code', "print('WRAPPER-AGAIN-RAN', 6 * 7)"]
types.FunctionType(top, {'__builtins__': __builtins__})()
