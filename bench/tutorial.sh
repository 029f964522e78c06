#!/usr/bin/env bash
# Colony against the tutorial's Python Game of Life (issue 2: record the ratio).
#
#   bench/tutorial.sh                      # 100x100 torus soup, seed 1, 500 generations, 3 rounds
#   BENCH_STEPS=100 BENCH_RUNS=5 bench/tutorial.sh
#
# Each round runs, alternating:
#   python  python3 ../shared/baseline/tutorial_baseline.py --mode sequential --games 1 --size N --steps S --seed SEED
#   colony  colony play --print none --size N --steps S --seed SEED
# Both build the same soup (splitmix64, DESIGN.md), so their final populations must be equal. Reports medians
# of wall-clock time and of each program's own timer (python's "Total time" line, colony's summary line),
# the ratios, and whether the populations agree.
#
# Environment: BENCH_SIZE (100), BENCH_STEPS (500), BENCH_SEED (1), BENCH_RUNS (3), PYTHON (python3),
# BASELINE (path of tutorial_baseline.py), CARGO_TARGET_DIR, COLONY (a prebuilt colony binary: no build).
# Needs numpy: `pip install numpy` (or `sudo apt-get install python3-numpy`).
set -euo pipefail

size=${BENCH_SIZE:-100}
steps=${BENCH_STEPS:-500}
seed=${BENCH_SEED:-1}
runs=${BENCH_RUNS:-3}
python=${PYTHON:-python3}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
baseline=${BASELINE:-$root/../shared/baseline/tutorial_baseline.py}

for v in size steps seed runs; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "tutorial.sh: $v must be a non-negative integer, got '${!v}'" >&2; exit 2; }
done
((runs >= 1 && size >= 1)) || { echo "tutorial.sh: BENCH_RUNS and BENCH_SIZE must be at least 1" >&2; exit 2; }
[[ -f $baseline ]] || { echo "tutorial.sh: no baseline at $baseline (set BASELINE=/path/to/tutorial_baseline.py)" >&2; exit 1; }
command -v "$python" >/dev/null 2>&1 || { echo "tutorial.sh: '$python' not found (set PYTHON)" >&2; exit 1; }
if ! "$python" -c 'import numpy' 2>/dev/null; then
    echo "tutorial.sh: the baseline needs numpy:  pip install numpy   (or: sudo apt-get install python3-numpy)" >&2
    exit 1
fi

if [[ -n ${COLONY:-} ]]; then
    colony=$COLONY
    echo "== using colony at $colony (COLONY set: not building)"
else
    echo "== building colony (release)"
    (cd "$root" && cargo build --release -p colony --quiet)
    colony=${CARGO_TARGET_DIR:-$root/target}/release/colony
fi
[[ -x $colony ]] || { echo "tutorial.sh: no binary at $colony" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/colony-tutorial.XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { local t=${EPOCHREALTIME:-}; [[ -n $t ]] && echo "${t/,/.}" || date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.4f", b - a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.6g", v[(NR + 1) / 2]; else printf "%.6g", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f", a / b; else print "inf" }'; }
rate() { awk -v n="$size" -v s="$steps" -v t="$1" 'BEGIN { if (t > 0) printf "%.3e", n * n * s / t; else print "inf" }'; }
# Colony's own stepping time: its summary prints elapsed to the millisecond only, but its rate (cell
# updates per second of stepping) to four digits, so time = cells * steps / rate.
stepping_time() { awk -v n="$size" -v s="$steps" -v r="$1" 'BEGIN { if (r > 0) printf "%.6f", n * n * s / r; else print 0 }'; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //'), load average $(cut -d' ' -f1-3 /proc/loadavg), $("$python" --version 2>&1), numpy $("$python" -c 'import numpy; print(numpy.__version__)')"
py_wall=() py_inner=() co_wall=() co_inner=()
py_pop='' co_pop='' mismatch=0
echo "== $runs rounds: ${size}x${size} torus soup, seed $seed, $steps generations (alternating python, colony)"
for ((i = 1; i <= runs; i++)); do
    t0=$(now)
    "$python" "$baseline" --mode sequential --games 1 --size "$size" --steps "$steps" --seed "$seed" >"$work/py.out" 2>&1
    t=$(since "$t0")
    timing=$(grep -m1 '^Total time' "$work/py.out" || true)
    [[ $timing =~ ([0-9.]+)\ seconds$ ]] || { echo "tutorial.sh: unexpected baseline output:" >&2; cat "$work/py.out" >&2; exit 1; }
    inner=${BASH_REMATCH[1]}
    [[ $(grep -m1 '^final populations:' "$work/py.out") =~ ^final\ populations:\ ([0-9]+)$ ]] ||
        { echo "tutorial.sh: no final population in baseline output:" >&2; cat "$work/py.out" >&2; exit 1; }
    py_pop=${BASH_REMATCH[1]} py_wall+=("$t") py_inner+=("$inner")
    echo "   round $i python: $t s wall, $inner s own timer, final population $py_pop"

    t0=$(now)
    summary=$("$colony" play --print none --size "$size" --steps "$steps" --seed "$seed" 2>/dev/null | tail -n1)
    t=$(since "$t0")
    [[ $summary =~ population\ ([0-9]+),.*\ ([0-9.]+e[0-9]+)\ cell\ updates/s ]] || { echo "tutorial.sh: unexpected summary '$summary'" >&2; exit 1; }
    co_pop=${BASH_REMATCH[1]} co_wall+=("$t") co_inner+=("$(stepping_time "${BASH_REMATCH[2]}")")
    echo "   round $i colony: $t s wall ($summary)"
    [[ $py_pop == "$co_pop" ]] || mismatch=1
done

pw=$(median "${py_wall[@]}") pi=$(median "${py_inner[@]}") cw=$(median "${co_wall[@]}") ci=$(median "${co_inner[@]}")
echo
echo "== load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg) (other processes on these cores skew the figures)"
echo "== results: ${size}x${size} torus soup seed $seed, $steps generations, medians of $runs rounds"
printf '   %-44s %9s s   %s cell updates/s\n' \
    "python baseline (wall clock)" "$pw" "$(rate "$pw")" \
    "python baseline (its own 'Total time')" "$pi" "$(rate "$pi")" \
    "colony play --print none (wall clock)" "$cw" "$(rate "$cw")" \
    "colony play (stepping time, from its rate)" "$ci" "$(rate "$ci")"
echo "   ratio python / colony (wall clock, process start included): $(ratio "$pw" "$cw")x"
echo "   ratio python / colony (each program's own timer):           $(ratio "$pi" "$ci")x"
if ((mismatch == 0)); then
    echo "   final populations identical: yes ($py_pop)"
else
    echo "   final populations identical: NO (python $py_pop, colony $co_pop)"
    exit 1
fi
