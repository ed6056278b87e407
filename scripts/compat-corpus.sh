#!/usr/bin/env bash
# Runs `orchc check` over the pipelines of a ContextLab/orchestrator
# checkout, for docs/compatibility.md. Not part of ctest: the corpus comes
# from outside the repository.
#
# Usage: scripts/compat-corpus.sh [--table] GIT_DIR_OR_CHECKOUT [ORCHC]
#   GIT_DIR_OR_CHECKOUT: a bare git directory (its HEAD is read) or a work tree.
#   ORCHC: the compiler (default: build/tools/orchc/orchc).
# Prints one line a pipeline (`ok` or its diagnostic kinds), then totals:
# known-good (examples/supported/, tests/golden/) and the others, and the
# first error kind of each failing pipeline, counted. With --table, it then
# prints the Markdown table of docs/compatibility.md's last section: each
# pipeline that does not compile, its first error's kind and message.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
table=0
if [ "${1:-}" = --table ]; then table=1; shift; fi
src=${1:?usage: compat-corpus.sh [--table] GIT_DIR_OR_CHECKOUT [ORCHC]}
orchc=${2:-$root/build/tools/orchc/orchc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A pipeline: a .yaml/.yml file with a top-level `steps:` key.
if [ ! -e "$src/.git" ] && git --git-dir="$src" rev-parse --verify -q HEAD >/dev/null 2>&1; then
  # The whole tree: pipelines include files beside them (`{{ file:... }}`)
  # and call sub-pipelines.
  git --git-dir="$src" archive HEAD | tar -x -C "$work"
else
  cp -r "$src/." "$work/"
fi

python3 - "$work" "$orchc" "$table" <<'PY'
import collections, os, re, subprocess, sys
work, orchc, table = sys.argv[1], sys.argv[2], sys.argv[3] == '1'
rows = []
files = []
for d, _, names in os.walk(work):
    for n in names:
        p = os.path.join(d, n)
        if not n.endswith(('.yaml', '.yml')):
            continue
        with open(p, encoding='utf-8', errors='replace') as f:
            if re.search(r'^steps:', f.read(), re.M):
                files.append(os.path.relpath(p, work))
files.sort()
good = ('examples/supported/', 'tests/golden/')
totals = collections.Counter()
first = collections.Counter()
# Control flow (while/until loops, routing, handlers) is another issue's:
# a pipeline whose every error is one waits for it alone (as far as the
# stages that ran tell: a later stage may find more).
def control_flow(message, kind):
    return kind == 'NotSupportedYet' and 'issue #17' in message
flow_only = collections.Counter()
for f in files:
    # From the checkout's root, where ContextLab runs its examples (its
    # pipeline-executor reads paths relative to it).
    r = subprocess.run([orchc, 'check', '--no-auto', os.path.join(work, f)],
                       capture_output=True, text=True, timeout=60, cwd=work)
    errors = re.findall(r': error: (.*) \[(\w+)\]$', r.stderr, re.M)
    kinds = [k for _, k in errors]
    group = 'known-good' if f.startswith(good) else 'other'
    if r.returncode == 0:
        totals[group, 'ok'] += 1
        print(f'ok      {f}')
    else:
        totals[group, 'fail'] += 1
        head = kinds[0] if kinds else f'exit {r.returncode}'
        first[group, head] += 1
        if errors and all(control_flow(m, k) for m, k in errors):
            flow_only[group] += 1
        counts = collections.Counter(kinds)
        print(f'fail    {f}: ' + ', '.join(f'{k} x{n}' for k, n in counts.most_common()))
        # The checkout's temporary directory is `<tree>`: the table is the
        # same each run.
        message = (errors[0][0].replace(work, '<tree>')[:110].replace('|', '\\|')
                   if errors else '')
        rows.append(f'| `{f}` | `{head}` | {message} |')
print()
for g in ('known-good', 'other'):
    ok, bad = totals[g, 'ok'], totals[g, 'fail']
    print(f'{g}: {ok} of {ok + bad} compile; {flow_only[g]} fail only on control flow')
    for (gg, k), n in sorted(first.items(), key=lambda x: -x[1]):
        if gg == g:
            print(f'  first error {k}: {n}')
if table:
    print()
    print('| Pipeline | Kind | Message |')
    print('|---|---|---|')
    print('\n'.join(rows))
PY
