#!/usr/bin/python3
"""Differential test: `validate`'s JSON Schema checker against jsonschema.

Generates a deterministic corpus (hand-written cases for every draft-7
keyword, then random schemas built from those keywords with random values),
checks each case with the compiler's checker (the schema_check tool:
ir/SchemaValidate.h) and with Debian's python3-jsonschema
(Draft7Validator with its FormatChecker), and compares the violations as a
multiset of (JSON pointer into the value, failing keyword).

A case passes when both find the same violations. The checker may refuse a
schema jsonschema accepts only for a documented reason (docs/actions.md,
`validate`), matched by REJECTIONS; it may never find different
violations.

Usage: differential.py SCHEMA_CHECK [--seed N] [--cases N]
Run with /usr/bin/python3 (Debian's jsonschema).
"""
import json
import random
import subprocess
import sys

import jsonschema
from jsonschema import Draft7Validator

# Deliberate refusals: patterns outside ir/Regex's linear-time subset, and
# `format: regex` (Python's pattern syntax is larger than that subset).
REJECTIONS = ["the pattern is not usable", "format `regex` is not supported"]


def nested_bool(x, depth=0):
    """Whether a bool sits inside a list or object of \p x."""
    if isinstance(x, bool):
        return depth > 0
    if isinstance(x, list):
        return any(nested_bool(i, depth + 1) for i in x)
    if isinstance(x, dict):
        return any(nested_bool(i, depth + 1) for i in x.values())
    return False


def enum_quirk(data, mine, want):
    """jsonschema 4.10's `enum` and `const` compare a list or object with
    Python's ==, where true == 1 inside it ([1, true] is in [[1, 1]]); the
    spec and the checker keep booleans apart. A difference there, on those
    keywords only, with a boolean inside the data, is that quirk."""
    diff = set(mine) ^ set(want)
    return bool(diff) and all(k in ("enum", "const") for _, k in diff) and \
        nested_bool(data)


def pointer(path):
    out = ""
    for token in path:
        out += "/" + str(token).replace("~", "~0").replace("/", "~1")
    return out


def oracle(schema, data):
    """jsonschema's violations: [(pointer, keyword)], or None if the schema
    is not a draft-7 schema."""
    try:
        Draft7Validator.check_schema(schema)
    except jsonschema.SchemaError:
        return None
    v = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    try:
        return [(pointer(e.absolute_path),
                 e.validator if e.validator is not None else "false")
                for e in v.iter_errors(data)]
    except (TypeError, RecursionError, OverflowError):
        # jsonschema 4.10's own failures (`additionalItems` beside a boolean
        # `items`, a self-referring schema): no answer to compare with.
        return "oracle-failed"


# --- the hand-written corpus: (schema, [values]) ---------------------------

VALUES = [None, True, False, 0, 1, -1, 2, 7, 1.0, 2.5, -0.5, 1e3, 3.0, 0.3,
          "", "a", "ab", "abc", "héllo", "日本語", "x@y", "no-at", "1",
          "2024-02-29", "2023-02-29", "2024-13-01", "192.168.0.1", "256.1.1.1",
          "01.2.3.4", "::1", "1::2::3", "fe80::1",
          [], [1], [1, 2], [1, 1], [1, "1"], [1, True], [{"a": 1}, {"a": 1}],
          [1, 2, 3, 4], ["a", "b"], [None], 18446744073709551615, -9223372036854775808,
          9007199254740993, 9007199254740992.0, 1e20, -1e300, [-1, 18446744073709551615],
          [1, 1.0], [{"a": 1, "b": 2}, {"b": 2, "a": 1}], "a b", "(?P<n>a)", "(",
          {}, {"a": 1}, {"a": "x"}, {"a": 1, "b": 2}, {"b": 2}, {"a": None},
          {"a": 1, "c": 3}, {"aa": 1, "ab": 2, "b": 3}, {"x-1": 1},
          {"a": {"a": {"a": 1}}}, {"a~b": 1, "c/d": 2}]

HAND = [
    ({"type": "integer"}, VALUES),
    ({"type": "number"}, VALUES),
    ({"type": ["string", "null"]}, VALUES),
    ({"type": "boolean"}, VALUES),
    ({"type": "array"}, VALUES),
    ({"type": "object"}, VALUES),
    ({"enum": [1, "a", None, [1], {"a": 1}]}, VALUES),
    ({"enum": [True]}, [True, 1, 1.0]),
    ({"enum": [1]}, [True, 1, 1.0]),
    ({"const": 1}, [1, 1.0, True, "1"]),
    ({"const": {"a": [1, 2]}}, [{"a": [1, 2]}, {"a": [2, 1]}]),
    ({"minimum": 1, "maximum": 2.5}, VALUES),
    ({"exclusiveMinimum": 1, "exclusiveMaximum": 7}, VALUES),
    ({"multipleOf": 2}, VALUES),
    ({"multipleOf": 0.5}, VALUES),
    ({"multipleOf": 0.1}, [0.3, 0.2, 1, 0.5]),
    ({"minLength": 2, "maxLength": 3}, VALUES),
    ({"pattern": "^a"}, VALUES),
    ({"pattern": "[0-9]+"}, VALUES),
    ({"pattern": "(?i)a"}, ["A"]),
    ({"format": "email"}, VALUES),
    ({"format": "ipv4"}, VALUES),
    ({"format": "ipv6"}, VALUES),
    ({"format": "date"}, ["2024-02-29", "2023-02-29", "2024-13-01", "2024-1-01", "x", 5]),
    ({"format": "no-such-format"}, VALUES),
    ({"items": {"type": "integer"}}, VALUES),
    ({"items": [{"type": "integer"}, {"type": "string"}]}, VALUES),
    ({"items": [{"type": "integer"}], "additionalItems": False}, VALUES),
    ({"items": [{"type": "integer"}], "additionalItems": {"type": "integer"}}, VALUES),
    ({"additionalItems": False}, VALUES),
    ({"minItems": 1, "maxItems": 2}, VALUES),
    ({"uniqueItems": True}, VALUES),
    ({"uniqueItems": False}, VALUES),
    ({"contains": {"type": "string"}}, VALUES),
    ({"minProperties": 1, "maxProperties": 1}, VALUES),
    ({"required": ["a", "b"]}, VALUES),
    ({"properties": {"a": {"type": "integer"}, "b": {"type": "string"}}}, VALUES),
    ({"properties": {"a": False}}, VALUES),
    ({"properties": {"a": True}, "additionalProperties": False}, VALUES),
    ({"patternProperties": {"^a": {"type": "integer"}}, "additionalProperties": False},
     VALUES),
    ({"patternProperties": {"^a": {"type": "integer"}},
      "additionalProperties": {"type": "string"}}, VALUES),
    ({"propertyNames": {"maxLength": 1}}, VALUES),
    ({"propertyNames": {"pattern": "^[ab]"}}, VALUES),
    ({"propertyNames": False}, VALUES),
    ({"dependencies": {"a": ["b"], "b": {"required": ["c"]}}}, VALUES),
    ({"allOf": [{"type": "integer"}, {"minimum": 2}]}, VALUES),
    ({"anyOf": [{"type": "integer"}, {"type": "string"}]}, VALUES),
    ({"oneOf": [{"type": "integer"}, {"minimum": 2}]}, VALUES),
    ({"not": {"type": "integer"}}, VALUES),
    ({"if": {"type": "integer"}, "then": {"minimum": 2}, "else": {"type": "string"}},
     VALUES),
    ({"if": {"type": "integer"}, "then": {"minimum": 2}}, VALUES),
    ({"then": {"minimum": 2}}, VALUES),
    (True, VALUES),
    (False, VALUES),
    ({"definitions": {"n": {"type": "object", "properties": {"a": {"$ref": "#/definitions/n"}},
                            "additionalProperties": False}}, "$ref": "#/definitions/n"},
     VALUES),
    ({"properties": {"a": {"$ref": "#"}}, "required": ["a"]}, VALUES),
    ({"$ref": "#/definitions/i", "type": "string", "definitions": {"i": {"type": "integer"}}},
     VALUES),
    ({"properties": {"a~b": {"type": "string"}, "c/d": {"type": "string"}}}, VALUES),
    ({"items": {"properties": {"a": {"const": 1}}}, "uniqueItems": True}, VALUES),
]

# --- random schemas ---------------------------------------------------------

NAMES = ["a", "b", "c", "aa", "ab"]


def rand_schema(rng, depth):
    if depth <= 0 or rng.random() < 0.2:
        return rng.choice([True, False, {}, {"type": rng.choice(
            ["integer", "number", "string", "boolean", "null", "array", "object"])}])
    s = {}
    for _ in range(rng.randint(1, 3)):
        k = rng.choice([
            "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum",
            "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "format",
            "items", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains",
            "required", "properties", "patternProperties", "additionalProperties",
            "propertyNames", "dependencies", "minProperties", "maxProperties", "allOf",
            "anyOf", "oneOf", "not", "if"])
        if k == "type":
            s[k] = rng.choice(["integer", "number", "string", "object", "array",
                               ["integer", "string"], ["null", "array"]])
        elif k in ("enum",):
            s[k] = rng.sample(VALUES, rng.randint(1, 4))
        elif k == "const":
            s[k] = rng.choice(VALUES)
        elif k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            s[k] = rng.choice([0, 1, 2, 2.5, -1, 9007199254740992, 18446744073709551615,
                               -9223372036854775808])
        elif k == "multipleOf":
            s[k] = rng.choice([1, 2, 0.5, 3, 2.0, 18446744073709551615, 1e-3])
        elif k in ("minLength", "maxLength", "minItems", "maxItems", "minProperties",
                   "maxProperties"):
            s[k] = rng.choice([0, 1, 2, 3, 1e20, 2.0])
        elif k == "pattern":
            s[k] = rng.choice(["^a", "b$", "[0-9]", "^.{2}$", "é"])
        elif k == "format":
            s[k] = rng.choice(["email", "ipv4", "ipv6", "date", "regex"])
        elif k == "items":
            s[k] = (rand_schema(rng, depth - 1) if rng.random() < 0.6 else
                    [rand_schema(rng, depth - 1) for _ in range(rng.randint(1, 2))])
        elif k in ("additionalItems", "contains", "additionalProperties", "propertyNames",
                   "not"):
            s[k] = rand_schema(rng, depth - 1)
        elif k == "uniqueItems":
            s[k] = rng.random() < 0.8
        elif k == "required":
            s[k] = rng.sample(NAMES, rng.randint(1, 2))
        elif k == "properties":
            s[k] = {n: rand_schema(rng, depth - 1) for n in rng.sample(NAMES, 2)}
        elif k == "patternProperties":
            s[k] = {rng.choice(["^a", "b"]): rand_schema(rng, depth - 1)}
        elif k == "dependencies":
            s[k] = {rng.choice(NAMES): (rng.sample(NAMES, 1) if rng.random() < 0.5
                                        else rand_schema(rng, depth - 1))}
        elif k in ("allOf", "anyOf", "oneOf"):
            s[k] = [rand_schema(rng, depth - 1) for _ in range(rng.randint(1, 3))]
        elif k == "if":
            s["if"] = rand_schema(rng, depth - 1)
            if rng.random() < 0.8:
                s["then"] = rand_schema(rng, depth - 1)
            if rng.random() < 0.8:
                s["else"] = rand_schema(rng, depth - 1)
    return s


def rand_document(rng):
    """A schema with definitions that its parts refer to (`$ref`), at times
    recursively."""
    defs = {"d%d" % i: rand_schema(rng, 2) for i in range(2)}
    if rng.random() < 0.5:
        defs["tree"] = {"type": ["object", "integer", "string", "null", "array", "boolean",
                                 "number"],
                        "properties": {"a": {"$ref": "#/definitions/tree"}},
                        "items": {"$ref": "#/definitions/tree"}}

    def sprinkle(s, depth):
        if isinstance(s, dict):
            for k, v in list(s.items()):
                if k in ("properties", "patternProperties", "dependencies"):
                    for n, sub in list(v.items()):
                        if isinstance(sub, (dict, bool)) and rng.random() < 0.3:
                            v[n] = {"$ref": "#/definitions/" + rng.choice(sorted(defs))}
                elif k in ("items", "not", "additionalProperties", "contains") and \
                        rng.random() < 0.3 and not isinstance(v, list):
                    s[k] = {"$ref": "#/definitions/" + rng.choice(sorted(defs))}
        return s

    root = sprinkle(rand_schema(rng, 3), 0)
    if isinstance(root, bool):
        return root
    root = dict(root)
    root["definitions"] = defs
    if rng.random() < 0.2:
        root = {"definitions": defs, "$ref": "#/definitions/" + rng.choice(sorted(defs))}
    return root


def rand_value(rng, depth):
    r = rng.random()
    if depth <= 0 or r < 0.5:
        return rng.choice(VALUES)
    if r < 0.75:
        return [rand_value(rng, depth - 1) for _ in range(rng.randint(0, 3))]
    return {n: rand_value(rng, depth - 1) for n in rng.sample(NAMES, rng.randint(0, 3))}


def main():
    tool = sys.argv[1]
    seed = 7
    count = 4000
    args = sys.argv[2:]
    if "--seed" in args:
        seed = int(args[args.index("--seed") + 1])
    if "--cases" in args:
        count = int(args[args.index("--cases") + 1])
    rng = random.Random(seed)
    cases = [(s, v) for s, vs in HAND for v in vs]
    for i in range(count):
        schema = rand_document(rng) if i % 2 else rand_schema(rng, 3)
        cases.append((schema, rand_value(rng, 3)))
    lines = "".join(json.dumps({"schema": s, "data": v}) + "\n" for s, v in cases)
    out = subprocess.run([tool], input=lines, capture_output=True, text=True, check=True)
    results = [json.loads(l) for l in out.stdout.splitlines()]
    assert len(results) == len(cases), (len(results), len(cases))
    failures, refused, compared, violations, no_oracle, quirks = [], 0, 0, 0, 0, 0
    for (schema, data), got in zip(cases, results):
        want = oracle(schema, data)
        if want == "oracle-failed":
            no_oracle += 1
            continue
        if "schema_errors" in got:
            if want is None or all(any(r in e for r in REJECTIONS)
                                   for e in got["schema_errors"]):
                refused += 1
                continue
            failures.append((schema, data, "refused: %s" % got["schema_errors"], want))
            continue
        if want is None:
            failures.append((schema, data, "accepted a schema jsonschema refuses", None))
            continue
        mine = sorted((p, k) for p, k, _ in got["errors"])
        compared += 1
        violations += len(want)
        if mine != sorted(want):
            if enum_quirk(data, mine, want):
                quirks += 1
                continue
            failures.append((schema, data, mine, sorted(want)))
    for schema, data, mine, want in failures[:25]:
        print("MISMATCH schema=%s data=%s\n  ours:       %s\n  jsonschema: %s" %
              (json.dumps(schema), json.dumps(data), mine, want))
    print("%d cases compared (%d violations), %d refused as documented, %d without an "
          "oracle answer, %d differ by jsonschema's enum quirk, %d mismatches"
          % (compared, violations, refused, no_oracle, quirks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
