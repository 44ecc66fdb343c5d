# lib.sh — the preamble the bench/*.sh scripts share, sourced first thing:
#
#     . "$(dirname "$0")/lib.sh"
#
# It turns on `set -eu` and sets ROOT (the source tree), BUILD
# ($CASBENCH_BUILD, else ROOT/build), CB (casbench in BUILD) and PREFIX
# (casbench's install prefix, $CASBENCH_PREFIX, where tools/install-deps.sh
# puts the pinned venvs); it puts tests/lib on PYTHONPATH so that a script's
# Python can `import cbtest` (write_dataset: the two pickles of a dataset).
# The functions below are the checks and chores the scripts used to spell
# out each in its own way.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${CASBENCH_BUILD:-$ROOT/build}
CB=$BUILD/casbench
PREFIX=${CASBENCH_PREFIX:-/opt/casbench}
PYTHONPATH=$ROOT/tests/lib${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH

# need_built NAME PATH: stop (exit 1) with "NAME: PATH is missing: run make
# first" unless make has built PATH.
need_built() {
    [ -e "$2" ] || { echo "$1: $2 is missing: run make first" >&2; exit 1; }
}

# need_command NAME COMMAND...: stop (exit 1) unless every COMMAND is installed.
need_command() {
    name=$1; shift
    for c in "$@"; do
        command -v "$c" >/dev/null || { echo "$name: $c is not installed" >&2; exit 1; }
    done
}

# workdir NAME: T, a fresh directory /tmp/NAME.XXXXXX, removed when the
# script ends (an interrupt ends it too); KEEP=1 keeps it, to look into a
# figure that looks odd (its path goes to stderr).
workdir() {
    T=$(mktemp -d "/tmp/$1.XXXXXX")
    if [ -n "${KEEP:-}" ]; then
        echo "$1: keeping $T" >&2
        trap '' EXIT
    else
        trap 'rm -rf "$T"' EXIT
    fi
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# pinned_venv VERSION...: the first of casbench's pinned venvs
# (PREFIX/venv-VERSION) that is installed; nothing when none is.
pinned_venv() {
    for v in "$@"; do
        [ -x "$PREFIX/venv-$v/bin/python" ] && { echo "$PREFIX/venv-$v"; return 0; }
    done
    return 0
}

# load_average: the 1, 5 and 15 minute load averages (a figure is only
# worth quoting from a quiet machine).
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# round_order ROUND WORD...: the words as given in even rounds, reversed in
# odd ones, so that no configuration always runs first (or last) in a round.
round_order() {
    r=$1; shift
    if [ $((r % 2)) -eq 0 ]; then echo "$*"; else echo "$*" | tr ' ' '\n' | tac | tr '\n' ' '; fi
}

# run_rounds ROUNDS MODE...: `casbench run` on the dataset in $T
# (polys.pickle, run_list.pickle) once per round and mode, the modes in
# round_order, each into $T/rROUNDMODE, with the flags `mode_flags MODE`
# prints (the script defines mode_flags) and then $RUN_OPTS; stops with
# casbench's stderr when a run fails.
run_rounds() {
    rounds=$1; shift
    round=0
    while [ $round -lt "$rounds" ]; do
        for mode in $(round_order $round "$@"); do
            # shellcheck disable=SC2046,SC2086
            "$CB" run "$T/polys.pickle" "$T/run_list.pickle" "$T/r$round$mode" $(mode_flags "$mode") $RUN_OPTS \
                >/dev/null 2>"$T/err" || { cat "$T/err" >&2; exit 1; }
        done
        round=$((round + 1))
    done
}
