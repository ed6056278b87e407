import posix
print(posix.getpid())
