import json, sys
print(json.dumps([2 * x for x in json.load(sys.stdin)]))
