"""Compares a run under tokens_per_minute with one without: the same
outputs, every model call of the limited run carries `token_wait_ms`, and
some call waited (three requests of ~550 estimated tokens do not fit in
1200 at once)."""
import json
import sys

limited, free, events = sys.argv[1:4]
a, b = json.load(open(limited)), json.load(open(free))
calls = [json.loads(l) for l in open(events)]
calls = [e for e in calls if e.get("event") == "model_call"]
waits = [e.get("token_wait_ms") for e in calls]
print("status", a["status"], b["status"])
print("same outputs", a["outputs"] == b["outputs"] and len(a["outputs"]) == 3)
print("calls", len(calls), "all carry token_wait_ms", all(w is not None for w in waits))
print("some waited", max(w or 0 for w in waits) > 0)
