"""Prints how many live processes have MARK (argv[1]) in their command
line (zombies and processes that end while being read do not count)."""
import os, sys

def left(mark):
    n = 0
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            with open(f'/proc/{p}/cmdline', 'rb') as f:
                c = f.read()
            with open(f'/proc/{p}/stat') as f:
                state = f.read().rsplit(')', 1)[1].split()[0]
        except OSError:
            continue
        if mark.encode() in c and state != 'Z' and p != str(os.getpid()):
            n += 1
    return n

if __name__ == '__main__':
    print('left:', left(sys.argv[1]))
