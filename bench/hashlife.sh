#!/usr/bin/env bash
# Colony's HashLife against Golly's (bgolly -a HashLife), side by side in one run (issue 10).
#
#   bench/hashlife.sh                      # Gosper gun to 10^9 (5 rounds), 1024x1024 soup seed 1 to 65536 (3 rounds)
#   BENCH_RUNS=1 bench/hashlife.sh
#
# Each round runs the contenders back to back, so drifts in machine load hit both alike, and reports
# wall-clock medians and peak memory (max RSS, from /usr/bin/time), and checks that the populations agree:
#   gun    colony play --pattern gosper-glider-gun --steps 10^9 --print none
#          bgolly -a HashLife -m 1000000000 gun.rle
#   soup   colony play --topology plane --size 1024 --seed 1 --steps 65536 --print none
#          bgolly -a HashLife -m 65536 soup.rle   (the same soup, written by colony play --steps 0 --out)
# If python-lifelib is importable (pip install python-lifelib), lifelib runs the gun and the soup in the
# same rounds.
# Environment: BENCH_RUNS (gun 5, soup 3), BGOLLY (bgolly), COLONY (a prebuilt binary).
set -euo pipefail

bgolly=${BGOLLY:-bgolly}
command -v "$bgolly" >/dev/null || { echo "hashlife.sh: $bgolly not found (apt-get install golly)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "hashlife.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -n ${COLONY:-} ]]; then
    colony=$COLONY
else
    (cd "$root" && cargo build --release -p colony --quiet)
    colony=${CARGO_TARGET_DIR:-$root/target}/release/colony
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/colony-hashlife.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$colony" play --pattern gosper-glider-gun --steps 0 --print none --out "$work/gun.rle" >/dev/null
"$colony" play --topology plane --size 1024 --seed 1 --steps 0 --print none --out "$work/soup.rle" >/dev/null 2>&1

# Runs "$@" under /usr/bin/time; prints "seconds kilobytes population".
measure() {
    local out
    out=$(/usr/bin/time -f '@@ %e %M' "$@" 2>&1)
    local t m pop
    read -r t m < <(grep '^@@' <<<"$out" | tail -1 | cut -c4-)
    # colony: "population P,"; bgolly: last "G: P" line.
    pop=$(grep -o 'population [0-9]*' <<<"$out" | tail -1 | cut -d' ' -f2 || true)
    [[ -n $pop ]] || pop=$(grep -E '^[0-9,]+: [0-9,]+$' <<<"$out" | tail -1 | cut -d' ' -f2 | tr -d , || true)
    echo "$t $m $pop"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench() { # name rounds colony-args... -- bgolly-args...
    local name=$1 rounds=$2; shift 2
    local cargs=() bargs=()
    while [[ $1 != -- ]]; do cargs+=("$1"); shift; done; shift
    bargs=("$@")
    : >"$work/$name.colony"; : >"$work/$name.golly"
    : >"$work/$name.lifelib"
    for ((r = 1; r <= rounds; r++)); do
        measure "$colony" "${cargs[@]}" >>"$work/$name.colony"
        measure "$bgolly" "${bargs[@]}" >>"$work/$name.golly"
        if [[ -n $lifelib && -n ${LIFELIB_ARGS[$name]:-} ]]; then
            # shellcheck disable=SC2086
            measure python3 "$work/run_lifelib.py" ${LIFELIB_ARGS[$name]} >>"$work/$name.lifelib"
        fi
    done
    local ct cm cp gt gm gp
    ct=$(cut -d' ' -f1 "$work/$name.colony" | median); cm=$(cut -d' ' -f2 "$work/$name.colony" | median)
    gt=$(cut -d' ' -f1 "$work/$name.golly" | median); gm=$(cut -d' ' -f2 "$work/$name.golly" | median)
    cp=$(cut -d' ' -f3 "$work/$name.colony" | sort -u | tr '\n' ' '); gp=$(cut -d' ' -f3 "$work/$name.golly" | sort -u | tr '\n' ' ')
    echo "$name: colony ${ct} s ${cm} KB, bgolly ${gt} s ${gm} KB (medians of $rounds); populations colony ${cp}bgolly ${gp}"
    echo "$name: runs colony $(cut -d' ' -f1 "$work/$name.colony" | tr '\n' ' ')/ bgolly $(cut -d' ' -f1 "$work/$name.golly" | tr '\n' ' ')"
    if [[ -s $work/$name.lifelib ]]; then
        local lt lm lp
        lt=$(cut -d' ' -f1 "$work/$name.lifelib" | median); lm=$(cut -d' ' -f2 "$work/$name.lifelib" | median)
        lp=$(cut -d' ' -f3 "$work/$name.lifelib" | sort -u | tr '\n' ' ')
        echo "$name: lifelib ${lt} s ${lm} KB (median of $rounds, runs $(cut -d' ' -f1 "$work/$name.lifelib" | tr '\n' ' ')); population ${lp}"
        echo "$name: colony/bgolly speed $(awk -v c="$ct" -v g="$gt" 'BEGIN {printf "%.2f", g / c}')x, colony/lifelib speed $(awk -v c="$ct" -v l="$lt" 'BEGIN {printf "%.2f", l / c}')x"
    fi
}

# lifelib (pip install python-lifelib) joins the soup's rounds when importable. It compiles its C++ on
# first use, so one warm-up run comes first and is not timed.
lifelib=
declare -A LIFELIB_ARGS=([gun]="$work/gun.rle 1000000000" [soup]="$work/soup.rle 65536")
cat >"$work/run_lifelib.py" <<'PY'
import sys, lifelib
sess = lifelib.load_rules("b3s23")
lt = sess.lifetree(memory=4000)
p = lt.pattern(open(sys.argv[1]).read())
print("population", p[int(sys.argv[2])].population)
PY
if python3 -c 'import lifelib' 2>/dev/null; then
    python3 "$work/run_lifelib.py" "$work/gun.rle" 1 >/dev/null 2>&1 && lifelib=1
fi
[[ -n $lifelib ]] || echo "lifelib: not installed (pip install python-lifelib), skipped"

bench gun "${BENCH_RUNS:-5}" play --pattern gosper-glider-gun --steps 10^9 --print none -- -a HashLife -m 1000000000 "$work/gun.rle"
bench soup "${BENCH_RUNS:-3}" play --topology plane --size 1024 --seed 1 --steps 65536 --print none -- -a HashLife -m 65536 "$work/soup.rle"
