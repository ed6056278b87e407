"""Prints how many live processes have MARK (argv[1], or @FILE: the marker
in FILE) in their command line (zombies and processes that end while being
read do not count)."""
import os, sys

def pids(mark, argv0=None):
    """The live processes with MARK in their command line (and, given
    ARGV0, that as the basename of their first argument)."""
    found = []
    for p in os.listdir('/proc'):
        if not p.isdigit() or p == str(os.getpid()):
            continue
        try:
            with open(f'/proc/{p}/cmdline', 'rb') as f:
                c = f.read()
            with open(f'/proc/{p}/stat') as f:
                state = f.read().rsplit(')', 1)[1].split()[0]
        except OSError:
            continue
        if mark.encode() not in c or state == 'Z':
            continue
        if argv0 and os.path.basename(c.split(b'\0')[0]) != argv0.encode():
            continue
        found.append(int(p))
    return found

def left(mark, argv0=None):
    return len(pids(mark, argv0))

if __name__ == '__main__':
    mark = sys.argv[1]
    if mark.startswith('@'):  # the marker mark.py wrote
        with open(mark[1:]) as f:
            mark = f.read().strip()
    print('left:', left(mark))
