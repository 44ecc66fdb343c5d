#!/bin/sh
# gen_speed.sh — casbench gen against Python's random doing the same draws
# (1,000,000 terms); prints both times and the ratios (goal: >= 20x).
# See bench/gen_reference.py.
cd "$(dirname "$0")/.." || exit 2
BUILD=${CASBENCH_BUILD:-build}
[ -x "$BUILD/casbench" ] || { echo "build $BUILD/casbench first (make)"; exit 2; }
exec python3 bench/gen_reference.py "$BUILD/casbench"
