"""Runs a command under an address-space and CPU-time limit, so a test
proves bounded memory and time: limits.py MEM_MB CPU_S cmd args...

Under AddressSanitizer (ORCH_SANITIZER set by lit.cfg.py) the address
space holds the sanitizer's shadow memory, terabytes of reservations, so
only the CPU limit applies there; the plain build proves the memory bound."""
import os
import resource
import sys

mem = int(sys.argv[1]) << 20
cpu = int(sys.argv[2])
if not os.environ.get("ORCH_SANITIZER"):
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
os.execvp(sys.argv[3], sys.argv[3:])
