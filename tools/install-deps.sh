#!/bin/sh
# install-deps.sh — installs the Debian packages casbench builds, tests and
# runs with, when any is missing, and speedscope (npm) for the tests that open
# profiles in it.  Called by `make test` and `make run`.
PKGS="build-essential clang libclang-rt-14-dev libgmp-dev libmpfr-dev libflint-dev libcalcium-dev
libpari-dev pari-gp singular libjson-c-dev linux-perf gnuplot-nox heaptrack valgrind chromium pandoc
python3 python3-sympy python3-gmpy2 python3-pandas python3-pil python3-sage"
missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
if [ -n "$missing" ]; then
    echo "installing:$missing"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
# speedscope's static web app, which tests/integration/cpu_profile.py loads
# casbench's perf script text into (Debian has no package; npm has).  A
# failure here (no network) only makes that test skip its speedscope part.
SPEEDSCOPE=/opt/casbench/node_modules/speedscope/dist/release/index.html
if [ ! -f "$SPEEDSCOPE" ] && command -v npm >/dev/null; then
    echo "installing: speedscope (npm) into /opt/casbench"
    $SUDO mkdir -p /opt/casbench &&
        $SUDO npm install --silent --no-audit --no-fund --prefix /opt/casbench speedscope@1.25.0 >/dev/null ||
        echo "install-deps: speedscope could not be installed from npm" >&2
fi
exit 0
