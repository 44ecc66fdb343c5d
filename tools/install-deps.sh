#!/bin/sh
# install-deps.sh — installs the Debian packages casbench builds, tests and
# runs with, when any is missing.  Called by `make test` and `make run`.
PKGS="build-essential clang libclang-rt-14-dev libgmp-dev libmpfr-dev libflint-dev libcalcium-dev
libpari-dev pari-gp singular libjson-c-dev linux-perf gnuplot-nox heaptrack valgrind chromium
python3 python3-sympy python3-gmpy2 python3-pandas python3-pil python3-sage"
missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
