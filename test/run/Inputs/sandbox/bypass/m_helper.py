# A helper module in the run directory (read-only in the sandbox).
VALUE = 42
