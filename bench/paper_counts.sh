#!/bin/sh
# bench/paper_counts.sh — the published term counts of the products too big
# for a test (Pearce 12x12: 5,821,335), computed with FLINT, next to the
# published figure; exit 1 if one differs.  See docs/literature.md.
. "$(dirname "$0")/lib.sh"
workdir cb_counts
cc -O2 -Wall -Wextra -Werror -std=gnu11 -I/usr/include/flint -o "$T/paper_counts" "$ROOT/bench/paper_counts.c" -lflint -lgmp
"$T/paper_counts" | tee "$T/out"
awk '{ got = $3; want = $5; sub(/\)/, "", want); if (got != want) bad = 1 } END { exit bad }' "$T/out"
