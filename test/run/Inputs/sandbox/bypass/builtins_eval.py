import builtins
print(builtins.eval("6 * 7"))
