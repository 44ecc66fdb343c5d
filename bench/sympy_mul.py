"""sympy_mul.py — the SymPy workload of the memory benchmarks
(mem_overhead.sh, mem_vs_heaptrack.sh): the product of two random Poly
(4 generators, NTERMS terms, 100-bit coefficients, seed 1).

Usage: python3 sympy_mul.py MODE NTERMS
  setup  builds the two factors only (what heaptrack's figures subtract);
  call   also multiplies them between casbench_mem_begin and _end when
         casbench's tracker is LD_PRELOADed, printing the tracker's report
         ("report JSON") and the product's time ("call_seconds S").
Run it with PYTHONMALLOC=malloc so that the tracker sees every allocation."""
import ctypes
import os
import random
import sys
import time

mode, nterms = sys.argv[1], int(sys.argv[2])
lib = ctypes.CDLL(None)
begin = getattr(lib, "casbench_mem_begin", None)
from sympy import Poly, ZZ, symbols  # noqa: E402

gens = symbols("x0:4")
rng = random.Random(1)


def rand_poly():
    return Poly.from_dict({tuple(rng.randrange(7) for _ in gens): rng.randrange(-2**100, 2**100)
                           for _ in range(nterms)}, *gens, domain=ZZ)


p, q = rand_poly(), rand_poly()
if mode == "call":
    if begin:
        begin()
    t = time.perf_counter()
    r = p * q
    t = time.perf_counter() - t
    if begin:
        lib.casbench_mem_end()
        lib.casbench_mem_report_json.restype = ctypes.c_char_p
        sys.stdout.write("report " + lib.casbench_mem_report_json().decode() + "\n")
    sys.stdout.write("call_seconds %.6f\n" % t)
    sys.stdout.flush()
os._exit(0)
