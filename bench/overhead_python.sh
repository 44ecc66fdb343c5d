#!/bin/sh
# overhead_python.sh — per-call supervision overhead of the Python harness
# (issue 4): casbench's Python harness vs a bare os.fork + pipe + waitpid loop
# and vs multiprocessing.Process + Queue per call, all in python3 processes
# with SymPy imported, measured in the same run; prints the two ratios.
# Extra arguments go to bench/overhead_python.py (--calls, --rounds, --python).
cd "$(dirname "$0")/.." || exit 2
exec python3 bench/overhead_python.py "$@"
