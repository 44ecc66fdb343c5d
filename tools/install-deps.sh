#!/bin/sh
# install-deps.sh — installs what casbench builds, tests and runs with, when
# it is missing.  Called by `make test` and `make run` (docs/design.md §10).
#
#   sh tools/install-deps.sh [PART...]     PART: debian speedscope venvs mathics samply
#                                          (default: all of them, in that order)
#
# - debian      the Debian packages casbench uses, --no-install-recommends
#               (SageMath's recommends alone would bring LaTeX, Jupyter and
#               documentation: 724 packages instead of about 450).
# - speedscope  speedscope's static web app from npm (tests open profiles in it).
# - venvs       one venv per CPython among 3.11, 3.12, 3.13 found on the machine
#               (pyenv's newest patch release first, else python3.X on PATH):
#               $PREFIX/venv-3.X from tools/requirements-venv.txt (SymPy,
#               python-flint, gmpy2, memray, pinned).
# - mathics     $PREFIX/venv-mathics from tools/requirements-mathics.txt
#               (Mathics3, for the `mathics` library), on 3.13 or 3.12.
# - samply      `cargo install --locked samply@0.13.1` into $PREFIX/cargo
#               (target dir kept in $PREFIX/cargo/target: a rebuild is cheap);
#               kernel.perf_event_paranoid lowered to 1 when higher (samply
#               refuses to record above 1, even as root), until reboot.
#
# Everything outside Debian goes under one prefix, PREFIX = $CASBENCH_PREFIX,
# default /opt/casbench (casbench looks there too: lib/common/paths.h).  Installing
# twice does nothing the second time: each venv keeps a stamp of its
# requirements file and interpreter, samply answers --version.  A part that
# fails says what failed (one "install-deps: FAILED:" line each) and the rest
# goes on; casbench then reports what is missing as `unavailable` with the
# reason.  Exit status 1 when something failed, else 0.
PREFIX=${CASBENCH_PREFIX:-/opt/casbench}
TOOLS=$(cd "$(dirname "$0")" && pwd)
SAMPLY_VERSION=0.13.1
SPEEDSCOPE_VERSION=1.25.0
PARTS=${*:-debian speedscope venvs mathics samply}
SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
failed=0
fail() {
    echo "install-deps: FAILED: $*" >&2
    failed=1
}
# the last non-blank line of a log: what pip or cargo said went wrong
last_words() {
    grep -v '^[[:space:]]*$' "$1" | tail -n 1
}
# the prefix, created (and owned by us) on first use
prefix_dir() {
    [ -d "$PREFIX" ] || $SUDO mkdir -p "$PREFIX" || return 1
    [ -w "$PREFIX" ] || $SUDO chown "$(id -u):$(id -g)" "$PREFIX"
}

debian() {
    PKGS="build-essential clang libclang-rt-14-dev libgmp-dev libmpfr-dev libflint-dev libcalcium-dev
libpari-dev pari-gp singular libjson-c-dev libssl-dev zlib1g-dev linux-perf gnuplot-nox heaptrack valgrind
chromium pandoc python3 python3-venv python3-sympy python3-gmpy2 python3-pandas python3-pil python3-sage"
    missing=
    for p in $PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
    done
    [ -n "$missing" ] || return 0
    echo "installing (Debian):$missing"
    $SUDO apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
        fail "Debian packages:$missing (apt-get install failed)"
}

# speedscope's static web app, which tests/integration/cpu_profile.py loads
# casbench's perf script text into (Debian has no package; npm has).
speedscope() {
    [ -f "$PREFIX/node_modules/speedscope/dist/release/index.html" ] && return 0
    command -v npm >/dev/null || { fail "speedscope: npm is not installed"; return; }
    echo "installing: speedscope $SPEEDSCOPE_VERSION (npm) into $PREFIX"
    prefix_dir && npm install --silent --no-audit --no-fund --prefix "$PREFIX" "speedscope@$SPEEDSCOPE_VERSION" >/dev/null ||
        fail "speedscope: npm install speedscope@$SPEEDSCOPE_VERSION failed"
}

# The interpreter for CPython X.Y: pyenv's newest X.Y.Z, else pythonX.Y on PATH.
python_for() {
    root=${PYENV_ROOT:-$HOME/.pyenv}
    for d in $(ls -d "$root/versions/$1".* 2>/dev/null | sort -V -r); do
        [ -x "$d/bin/python$1" ] && { echo "$d/bin/python$1"; return 0; }
    done
    command -v "python$1"
}

# build_venv NAME PYTHON REQUIREMENTS CHECK: $PREFIX/NAME with REQUIREMENTS
# installed, unless its stamp says it already is and CHECK (Python code)
# still runs in it.  A failed pip install leaves the venv without a stamp
# (casbench then reports its libraries unavailable, with pip's reason) and
# the next run tries again.
build_venv() {
    name=$1 python=$2 req=$3 check=$4
    venv=$PREFIX/$name
    version=$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])') || {
        fail "$name: $python does not run"
        return
    }
    stamp="$(sha256sum <"$req" | cut -c1-64) $python $version"
    if [ -f "$venv/.casbench-stamp" ] && [ "$(cat "$venv/.casbench-stamp")" = "$stamp" ] &&
        "$venv/bin/python" -c "$check" 2>/dev/null; then
        return 0
    fi
    echo "installing: $venv (Python $version, $(basename "$req"))"
    prefix_dir || { fail "$name: cannot create $PREFIX"; return; }
    rm -rf "$venv"
    log=$PREFIX/$name.install.log
    if ! "$python" -m venv "$venv" >"$log" 2>&1; then
        fail "$name: $python -m venv failed: $(last_words "$log") (Debian: apt-get install python3-venv)"
        rm -rf "$venv"
        return
    fi
    if "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" >>"$log" 2>&1 &&
        "$venv/bin/python" -c "$check" >>"$log" 2>&1; then
        echo "$stamp" >"$venv/.casbench-stamp"
        rm -f "$log"
    else
        fail "$name: pip install -r $(basename "$req") failed: $(last_words "$log") (log: $log)"
    fi
}

venvs() {
    found=
    for v in 3.11 3.12 3.13; do
        python=$(python_for "$v") || continue
        found=1
        # SymPy must accept this python-flint for its flint ground types
        build_venv "venv-$v" "$python" "$TOOLS/requirements-venv.txt" "
import os; os.environ['SYMPY_GROUND_TYPES'] = 'flint'
import flint, gmpy2, memray, sympy.external.gmpy as g
assert g.GROUND_TYPES == 'flint', 'SymPy rejects python-flint %s: ground types %s' % (flint.__version__, g.GROUND_TYPES)"
    done
    [ -n "$found" ] || fail "venvs: no CPython 3.11, 3.12 or 3.13 on this machine (pyenv or python3.X on PATH)"
}

mathics() {
    for v in 3.13 3.12; do
        python=$(python_for "$v") || continue
        build_venv venv-mathics "$python" "$TOOLS/requirements-mathics.txt" "import mathics.core.load_builtin"
        return
    done
    fail "mathics: Mathics3's pinned requirements need CPython 3.13 or 3.12, and neither is here"
}

# samply refuses to record while kernel.perf_event_paranoid is above 1, even
# as root: lower it for the running system (not persistently), and say so.
samply_paranoid() {
    level=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null) || return 0
    [ "$level" -le 1 ] && return 0
    if $SUDO sh -c 'echo 1 > /proc/sys/kernel/perf_event_paranoid' 2>/dev/null; then
        echo "samply: kernel.perf_event_paranoid lowered from $level to 1 until reboot (samply refuses above 1)"
    else
        fail "samply: kernel.perf_event_paranoid is $level and cannot be lowered to 1 (samply refuses above 1)"
    fi
}

samply() {
    exe=$PREFIX/cargo/bin/samply
    if [ -x "$exe" ] && [ "$("$exe" --version 2>/dev/null)" = "samply $SAMPLY_VERSION" ]; then
        samply_paranoid
        return 0
    fi
    cargo=$(command -v cargo || { [ -x "$HOME/.cargo/bin/cargo" ] && echo "$HOME/.cargo/bin/cargo"; }) || {
        fail "samply: cargo is not installed (Rust's toolchain: https://rustup.rs)"
        return
    }
    echo "installing: samply $SAMPLY_VERSION (cargo install --locked) into $PREFIX/cargo; this takes minutes"
    prefix_dir || { fail "samply: cannot create $PREFIX"; return; }
    mkdir -p "$PREFIX/cargo"
    log=$PREFIX/cargo/install.log
    if CARGO_TARGET_DIR=$PREFIX/cargo/target "$cargo" install --locked --root "$PREFIX/cargo" \
        "samply@$SAMPLY_VERSION" >"$log" 2>&1; then
        rm -f "$log"
        samply_paranoid
    else
        fail "samply: cargo install samply@$SAMPLY_VERSION failed: $(last_words "$log") (log: $log)"
    fi
}

for part in $PARTS; do
    case $part in
    debian | speedscope | venvs | mathics | samply) $part ;;
    *)
        echo "install-deps: unknown part '$part' (debian speedscope venvs mathics samply)" >&2
        exit 2
        ;;
    esac
done
exit $failed
