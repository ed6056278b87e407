"""Usage: mark.py SRC.yaml DST.yaml MARKFILE: copies SRC to DST with its
marker `4247.4247` replaced by one of this run's own (written to MARKFILE,
for `left.py @MARKFILE`), so that concurrent runs never count each other's
processes."""
import os, random, sys

src, dst, markfile = sys.argv[1:4]
mark = '%d.%d%05d' % (4000 + os.getpid() % 5000, random.randrange(10**6), os.getpid() % 10**5)
with open(src) as f:
    text = f.read().replace('4247.4247', mark)
with open(dst, 'w') as f:
    f.write(text)
with open(markfile, 'w') as f:
    f.write(mark)
