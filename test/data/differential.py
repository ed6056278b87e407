#!/usr/bin/python3
"""The pandas differential test of data.clean and data.merge.

ContextLab's data-processing tool cleans and merges tables with pandas.
This script generates random tables (integers, floats, text, booleans and
missing cells, with repeated rows), runs each case through data_action (the
C++ actions) and through pandas (Debian's python3-pandas) doing what
ContextLab's tool asks of it, and compares the rows: the same columns in the
same order, the same values (floats within 1e-9), integers staying integers
and floats floats.

Usage: differential.py DATA_ACTION [--seed N] [--cases N]
"""

import csv
import io
import json
import math
import random
import subprocess
import sys

import warnings

import pandas as pd

# pandas 1.5 warns of behaviour it will change; the oracle is 1.5 as it is.
warnings.simplefilter("ignore", FutureWarning)


def table(rng, bools=True):
    """Rows of objects, each column with its own kind of values."""
    names = rng.sample(["id", "a", "b", "c", "name"], rng.randint(1, 4))
    choices = ["int", "float", "text", "mixed", "none"] + (["bool"] if bools else [])
    kinds = {n: rng.choice(choices) for n in names}
    pools = {
        "int": [1, 2, 3, 5, 40, -7],
        "float": [0.5, 1.25, 2.0, -3.5, 100.0],
        "text": ["x", "y", "z", "long text", "a cell longer than sixteen characters"],
        "bool": [True, False],
        "mixed": [1, "x", 2.5, 1.0] + ([True] if bools else []),
        "none": [None],
    }
    rows = []
    for _ in range(rng.randint(0, 9)):
        if rows and rng.random() < 0.2:
            rows.append(dict(rng.choice(rows)))  # a repeated row
            continue
        row = {}
        for n in names:
            r = rng.random()
            if r < 0.1:
                continue  # the key is missing
            row[n] = None if r < 0.22 else rng.choice(pools[kinds[n]])
        rows.append(row)
    return rows


def plain(v):
    """A pandas cell as JSON: NaN is null, numpy scalars Python's."""
    if v is None:
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def records(df):
    return [{k: plain(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def csv_text(rows):
    """Rows as CSV text: a missing or None cell empty."""
    names = []
    for r in rows:
        names += [k for k in r if k not in names]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(names)
    for r in rows:
        w.writerow(["" if r.get(n) is None else r[n] for n in names])
    return out.getvalue()


def pandas_clean(params):
    # ContextLab's `data or input_data or {}`, then a list is rows and an
    # object without lists or objects one row; text (not JSON) is read by
    # pandas' read_csv.
    data = params["input"] or {}
    if isinstance(data, str):
        df = pd.read_csv(io.StringIO(data))
    else:
        df = pd.DataFrame(data) if isinstance(data, list) else pd.DataFrame([data])
    shape = df.shape
    if params.get("remove_duplicates", True):
        df = df.drop_duplicates()
    how = params.get("handle_missing", "drop")
    num = df.select_dtypes(include="number").columns
    if how == "drop":
        df = df.dropna()
    elif how == "forward_fill":
        df = df.fillna(method="ffill")
    elif how == "backward_fill":
        df = df.fillna(method="bfill")
    elif how == "interpolate":
        df[num] = df[num].interpolate()
    elif how == "mean":
        for c in num:
            df[c] = df[c].fillna(df[c].mean())
    if params.get("remove_outliers", False):
        for c in df.select_dtypes(include="number").columns:
            q1, q3 = df[c].quantile(0.25), df[c].quantile(0.75)
            iqr = q3 - q1
            df = df[(df[c] >= q1 - 1.5 * iqr) & (df[c] <= q3 + 1.5 * iqr)]
    return {
        "action": "clean",
        "data": records(df),
        "original_shape": {"rows": shape[0], "columns": shape[1]},
        "cleaned_shape": {"rows": df.shape[0], "columns": df.shape[1]},
        "rows_removed": shape[0] - df.shape[0],
    }


def pandas_merge(params):
    strategy = params.get("merge_strategy", "combine")
    frames = []
    for d in params["datasets"]:
        df = pd.DataFrame(d["data"])
        if strategy == "combine":
            df["_source"] = d["name"]
        frames.append(df)
    if strategy == "join":
        out = frames[0]
        for df in frames[1:]:
            out = pd.merge(out, df, on=params["join_on"], how=params.get("join_type", "inner"))
    else:
        out = pd.concat(frames, ignore_index=True, sort=False)
    return {
        "action": "merge",
        "data": records(out),
        "datasets_merged": len(frames),
        "total_rows": len(out),
        "total_columns": len(out.columns),
        "columns": list(out.columns),
    }


def merge_table(rng):
    """A table for concat, without a column of None alone and without
    booleans: the kind pandas 1.5 gives such a column beside another
    dataset's depends on how its internal blocks split, and it turns
    booleans beside numbers into numbers in some of those cases (deprecated
    there); docs/actions.md §24 says what the actions do instead."""
    rows = table(rng, bools=False)
    for name in {k for r in rows for k in r}:
        cells = [r for r in rows if name in r]
        if all(r[name] is None for r in cells):
            cells[0][name] = rng.choice([1, 2.5, "x"])
    return rows


def keyed_table(rng, key, others):
    """Rows with an integer key (sometimes repeated) and other columns."""
    rows = []
    keys = [1, 2, 3, 4] + ([None, 9007199254740992, 9007199254740993]
                          if rng.random() < 0.2 else [])
    for _ in range(rng.randint(0, 6)):
        row = {key: rng.choice(keys)}
        for n in others:
            row[n] = rng.choice([None, 1, 2.5, "t"]) if rng.random() < 0.3 else rng.randint(0, 9)
        rows.append(row)
    # A key column of None alone is an object column, which pandas refuses
    # to join with a number one (here they join by value).
    if rows and all(r[key] is None for r in rows):
        rows[0][key] = 1
    return rows


def make_case(rng):
    if rng.random() < 0.55:
        rows = table(rng)
        # CSV text needs a header, so rows with a column.
        text = rng.random() < 0.3 and any(rows)
        params = {
            "input": csv_text(rows) if text else rows,
            "remove_duplicates": rng.random() < 0.7,
            "handle_missing": rng.choice(
                ["drop", "forward_fill", "backward_fill", "interpolate", "mean", "keep"]),
            "remove_outliers": rng.random() < 0.3,
        }
        return "data.clean", params, pandas_clean
    strategy = rng.choice(["combine", "concat", "join"])
    if strategy == "join":
        datasets = [{"name": f"d{i}", "data": keyed_table(rng, "k", rng.sample(["u", "v", "w"], 2))}
                    for i in range(rng.randint(2, 3))]
        # pandas cannot merge a frame without the key column (no rows).
        for d in datasets:
            if not d["data"]:
                d["data"] = [{"k": 1, "u": 0, "v": 0, "w": 0}]
        params = {"datasets": datasets, "merge_strategy": "join", "join_on": "k",
                  "join_type": rng.choice(["inner", "left", "right", "outer"])}
    else:
        datasets = [{"name": f"d{i}", "data": merge_table(rng)}
                    for i in range(rng.randint(1, 3))]
        params = {"datasets": datasets, "merge_strategy": strategy}
    return "data.merge", params, pandas_merge


def same(a, b, path="$"):
    """Where a and b differ, or None: floats within 1e-9, types exact."""
    if isinstance(a, bool) or isinstance(b, bool):
        return None if a is b else path
    if isinstance(a, float) and isinstance(b, float):
        return None if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) else path
    if type(a) is not type(b):
        return f"{path} ({type(a).__name__} vs {type(b).__name__})"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path} keys {list(a)} vs {list(b)}"
        for k in a:
            d = same(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path} length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = same(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else path


def main():
    args = sys.argv[1:]
    tool = args[0]
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 11
    count = int(args[args.index("--cases") + 1]) if "--cases" in args else 3000
    rng = random.Random(seed)
    cases = [make_case(rng) for _ in range(count)]
    lines = "".join(json.dumps({"action": a, "params": p}) + "\n" for a, p, _ in cases)
    out = subprocess.run([tool], input=lines, capture_output=True, text=True, check=True)
    got = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(got) == len(cases), f"{len(got)} answers for {len(cases)} cases"
    failures = 0
    kinds = {}
    for (action, params, oracle), answer in zip(cases, got):
        kinds[action] = kinds.get(action, 0) + 1
        want = oracle(params)
        if action == "data.merge" and not want["data"] and answer.get("ok"):
            # pandas 1.5 orders the columns of an empty join result its own
            # way (the key column not first): compared as a set.
            if sorted(want["columns"]) == sorted(answer["value"]["columns"]):
                want["columns"] = answer["value"]["columns"]
        if not answer["ok"]:
            diff = "failed: " + answer["error"]
        else:
            diff = same(answer["value"], want)
        if diff:
            failures += 1
            if failures <= 10:
                print(f"MISMATCH {action} at {diff}\n  params: {json.dumps(params)}\n"
                      f"  pandas: {json.dumps(want)}\n  ours:   {json.dumps(answer)}")
    print(f"{count - failures} of {count} cases agree with pandas {pd.__version__} "
          f"({', '.join(f'{k}: {n}' for k, n in sorted(kinds.items()))})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
