#!/bin/sh
# codec_bytes.sh — the bytes casbench writes as pickles do not change when
# the codec's code does (issue 17: gen and the value writer share one emit
# API, lib/data/pickle_emit.h).  Datasets are compared bit for bit: a published
# benchmark names a dataset by its seed and options, so the same command must
# keep writing the same file.
#
# Each case below runs casbench commands into a fresh directory and compares
# the SHA-256 of the pickles written (polys.pickle: gen's own streaming
# writer, or the value writer after --append / systems / import-phc;
# run_list.pickle: the value writer) with digests recorded from casbench at
# commit b88d55f, before the codec was split (record again, after a change
# that is MEANT to change bytes, with: sh codec_bytes.sh --record).
# The cases cover: default options; 0 generators, 0 terms; more than three
# generators (MARK ... TUPLE); exponents near 2**63 (LONG1 exponents);
# coefficients beyond 2**128 (the mpz path) and between 2**64 and 2**120
# (the 128-bit path), negative ones; seeds 0, negative, above 2**64;
# several parts per option; --groupby; --append (merged, >64 KiB: frames);
# systems and import-phc (the value writer over FLINT-built polynomials).
# One change was meant and is left out of these cases: gen wrote the ints
# -2**(8k-1), k >= 15, with a redundant 0xff byte where CPython writes one
# byte fewer; it now writes CPython's bytes (gen_python.py, test_int_encoding).
. "$(dirname "$0")/../lib/testlib.sh"
need_fixtures
[ -x "$CB" ] || { fail "no casbench build at $CB"; finish; }

# name|command line after `casbench`, OUT standing for the case's directory;
# several commands separated by ';'
CASES='
default|gen OUT --seed 1
shapes|gen OUT --generators 0-6 --terms 0,3,40 --coefficients -2**200-2**200:3,-5-5 --exponents 0-3,2**62-2**63 --number 4 --seed 18446744073709551617
mid|gen OUT --generators 4 --terms 300 --coefficients -2**100--2**64 --exponents 60000-70000 --number 3 --seed -7
big|gen OUT --generators 3 --terms 20 --coefficients 2**300-2**301,-2**1000--2**998 --exponents 0-100 --number 2 --seed 0
groupby|gen OUT --generators 2-4 --terms 5 --exponents 0-5,0-10 --coefficients 1-10,100-200 --groupby exp_range coeff_range --seed 3
append|gen OUT --seed 12; gen OUT --generators 5 --terms 4-33:4 --coefficients 2**65-2**66 --number 2 --seed 67 --append
systems|systems OUT cyclic-5 katsura-4 fateman-3 mp-1 gcd-sparse-2-3-4-5
phc|import-phc OUT FIXTURES/phc/cyclic5 FIXTURES/phc/katsura5 FIXTURES/phc/boon
'

# case file sha256, recorded at b88d55f
DIGESTS='
default polys.pickle 161b692886c259102690de3ea9f103074712a9885e60822be22616aa456027a7
default run_list.pickle bd574655210cbced6bc9ead9401baa932f10ddedfdddadb8ae69813f0500fce4
shapes polys.pickle b431ec21b5576cbae7848d0561346aac6bb120400d57d37e8e8989bca04ed732
shapes run_list.pickle 899b13404b497213cd61e20a9efff8b58ab0cd4b76c7841ae1f03d105be4a69e
mid polys.pickle 8266fb36302fa553d69ee1f4cee466cf59ce6cda3d97c6a719d2bc3e8e10e99a
mid run_list.pickle b3bf7d0aeec29e4286391b334e643505a8629b9970a2ce0d7583d89586bcfbe3
big polys.pickle 8b61c6ba042300dc800ad57a923caffa1b3861986a925543f2c41b194e5a9436
big run_list.pickle 6e3bc7c5446b7a5246076eaf704a954f0fb7414ddd17d9d6758a5c8ccf500e50
groupby polys.pickle 4ec7134a2e38f6f972ca46b83fcd79abe5cacbff01f4ac507104be3f8353bd92
groupby run_list.pickle 7b022b70ee973cc6e9326097058e1a19a69821dd219e6c7a841786ad067ae0c1
append polys.pickle d5d69575bf3dc652bd43d361791471054212b3fba6b9ecff4a8c328110e874bf
append run_list.pickle 7891c96ce8a7653540663c9b3dd3e115297de02f6c91d3a6f5316e754593097d
systems polys.pickle 50340e280a3a855e41074dafe2e448d6d03dfb964fb756ec1331e309b2389b09
systems run_list.pickle 00fe4bfbbdf3d774467ce2eaf501361f8d4a5b6b41bed4147b46441887fa9c1e
phc polys.pickle d8f94965dcdaa3f396199a6b691a4229c9275cd5ddc5866b7531752c2effedcf
phc run_list.pickle bf9f39de798a79d85a084a9c98f9f12a57704cfb7fdf91e0ebfbbf4cf3fb2dca
'

record=0
[ "${1:-}" = --record ] && record=1

run_case() { # name commands
    dir=$T/$1
    echo "$2" | tr ';' '\n' | while read -r cmd; do
        [ -n "$cmd" ] || continue
        # shellcheck disable=SC2086
        set -- $(echo "$cmd" | sed "s|OUT|$dir|g; s|FIXTURES|$FIXTURES|g")
        "$CB" "$@" >/dev/null 2>"$T/err" || { echo "casbench $cmd: $(head -c 300 "$T/err")"; return 1; }
    done
}

echo "$CASES" | while IFS='|' read -r name cmds; do
    [ -n "$name" ] || continue
    out=$(run_case "$name" "$cmds")
    if [ -n "$out" ]; then
        fail "$name: $out"
        continue
    fi
    for f in polys.pickle run_list.pickle; do
        got=$(sha256sum "$T/$name/$f" | cut -d' ' -f1)
        if [ $record = 1 ]; then
            echo "$name $f $got"
            continue
        fi
        want=$(echo "$DIGESTS" | awk -v n="$name" -v f="$f" '$1 == n && $2 == f { print $3 }')
        if [ -z "$want" ]; then
            fail "$name $f: no recorded digest"
        elif [ "$got" = "$want" ]; then
            pass "$name: $f has the bytes casbench wrote before the codec split"
        else
            fail "$name: $f differs from the recorded bytes (sha256 $got, want $want)"
        fi
    done
done >"$T/results"
cat "$T/results"
grep -q '^FAIL' "$T/results" && _failed=1
finish
