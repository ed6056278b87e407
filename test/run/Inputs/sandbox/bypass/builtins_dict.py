# eval fetched from the builtins' dictionary.
b = __builtins__ if isinstance(__builtins__, dict) else __builtins__.__dict__
print(b['eval']('6 * 7'))
