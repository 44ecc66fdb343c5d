#!/bin/sh
# pickle_load.sh — loading a ~40 MB generated dataset (issue 2, "Speed"):
# casbench's pickle reader against CPython's pickle.load of the same file,
# measured in the same run.
#
# bench/pickle_dataset.py writes the file; `build/tests/test_pickle load`
# times cb_read_file + cb_pickle_load, Python times open + pickle.load (the C
# unpickler, gc on as users run it).  Each side takes the best of REPEATS
# runs, interleaved; wall and CPU (process) time are both shown, CPU being
# the steadier figure on a busy machine.  Goal: ratio (python / casbench) >= 1.
# Usage: sh bench/pickle_load.sh [MEGABYTES [REPEATS]]   (default 40, 5)
. "$(dirname "$0")/lib.sh"
TOOL=$BUILD/tests/test_pickle
MB=${1:-40}
REPEATS=${2:-5}
need_built pickle_load "$TOOL"
workdir cbpickleload

python3 "$ROOT/bench/pickle_dataset.py" "$T/polys.pickle" "$MB"
python3 - "$TOOL" "$T/polys.pickle" "$REPEATS" <<'PY'
import os, pickle, subprocess, sys, time
tool, path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
def python_load():
    t, c = time.perf_counter(), time.process_time()
    with open(path, "rb") as f:
        v = pickle.load(f)
    t, c = time.perf_counter() - t, time.process_time() - c
    del v
    return t, c
def casbench_load():
    out = subprocess.run([tool, "load", path, "1"], check=True, capture_output=True, text=True).stdout
    return tuple(map(float, out.split()))
py, cb = [], []
for _ in range(repeats):
    py.append(python_load())
    cb.append(casbench_load())
size = os.path.getsize(path) / 1e6
pw, pc = min(t for t, _ in py), min(c for _, c in py)
cw, cc = min(t for t, _ in cb), min(c for _, c in cb)
print(f"dataset: {size:.1f} MB, {repeats} interleaved runs each, best of each")
print(f"python pickle.load: wall {pw:.3f} s  cpu {pc:.3f} s  ({size / pw:.0f} MB/s)")
print(f"casbench load:      wall {cw:.3f} s  cpu {cc:.3f} s  ({size / cw:.0f} MB/s)")
print(f"ratio python/casbench: wall {pw / cw:.2f}  cpu {pc / cc:.2f}  (goal >= 1)")
PY
