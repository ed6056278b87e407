"""Runs a command under an address-space and CPU-time limit, so a test
proves bounded memory and time: limits.py MEM_MB CPU_S cmd args..."""
import os
import resource
import sys

mem = int(sys.argv[1]) << 20
cpu = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
os.execvp(sys.argv[3], sys.argv[3:])
