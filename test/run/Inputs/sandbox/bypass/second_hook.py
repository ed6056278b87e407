import sys
sys.addaudithook(lambda *a: None)
print(sys.modules.get("os"))
