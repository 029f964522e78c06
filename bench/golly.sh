#!/usr/bin/env bash
# Colony against Golly's QuickLife, side by side in one run (issue 2's speed requirement).
#
#   bench/golly.sh                         # 4096x4096 torus soup, seed 1, 1000 generations, 3 rounds
#   BENCH_SIZE=1024 BENCH_STEPS=200 BENCH_RUNS=5 bench/golly.sh
#
# One soup is written by `colony play --steps 0 --out soup.rle` (RLE rule `B3/S23:T<size>,<size>`, so
# Golly runs the same torus). Each round then runs, alternating so that drifts in machine load hit
# every contender alike:
#   golly   bgolly -a QuickLife -m STEPS -i 1 soup.rle       (wall clock; its last line is the final population)
#   play    colony play --size N --seed S --steps STEPS --print none   (wall clock, soup generation included)
#   engine  colony bench engine --size N --seed S --steps STEPS --repeat R   (stepping only, its own median)
# and the script reports medians, the ratios, and whether the three final populations are identical.
#
# Environment: BENCH_SIZE (4096), BENCH_STEPS (1000), BENCH_SEED (1), BENCH_RUNS (3 rounds),
# BENCH_ENGINE_REPEAT (3, runs inside each `colony bench engine`), BGOLLY (bgolly), CARGO_TARGET_DIR,
# COLONY (a prebuilt colony binary to use instead of building one).
# Installs nothing: Golly comes from `sudo apt-get install golly` (Debian/Ubuntu; it provides bgolly).
set -euo pipefail

size=${BENCH_SIZE:-4096}
steps=${BENCH_STEPS:-1000}
seed=${BENCH_SEED:-1}
runs=${BENCH_RUNS:-3}
engine_repeat=${BENCH_ENGINE_REPEAT:-3}
bgolly=${BGOLLY:-bgolly}

for v in size steps seed runs engine_repeat; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "golly.sh: $v must be a non-negative integer, got '${!v}'" >&2; exit 2; }
done
((runs >= 1 && size >= 1 && engine_repeat >= 1)) || { echo "golly.sh: BENCH_RUNS, BENCH_SIZE and BENCH_ENGINE_REPEAT must be at least 1" >&2; exit 2; }

if ! command -v "$bgolly" >/dev/null 2>&1; then
    echo "golly.sh: '$bgolly' not found. Golly's command-line runner comes with the golly package:" >&2
    echo "    sudo apt-get install golly      # Debian/Ubuntu; or set BGOLLY=/path/to/bgolly" >&2
    exit 1
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -n ${COLONY:-} ]]; then
    colony=$COLONY
    echo "== using colony at $colony (COLONY set: not building)"
else
    echo "== building colony (release)"
    (cd "$root" && cargo build --release -p colony --quiet)
    colony=${CARGO_TARGET_DIR:-$root/target}/release/colony
fi
[[ -x $colony ]] || { echo "golly.sh: no binary at $colony" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/colony-golly.XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { local t=${EPOCHREALTIME:-}; [[ -n $t ]] && echo "${t/,/.}" || date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.4f", b - a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.6g", v[(NR + 1) / 2]; else printf "%.6g", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }
rate() { awk -v n="$size" -v s="$steps" -v t="$1" 'BEGIN { if (t > 0) printf "%.3e", n * n * s / t; else print "inf" }'; }
# Colony's own stepping time: its summary prints elapsed to the millisecond only, but its rate (cell
# updates per second of stepping) to four digits, so time = cells * steps / rate.
stepping_time() { awk -v n="$size" -v s="$steps" -v r="$1" 'BEGIN { if (r > 0) printf "%.6f", n * n * s / r; else print 0 }'; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $("$bgolly" --help 2>&1 | head -n1)"
echo "== soup: ${size}x${size} torus, seed $seed -> $work/soup.rle"
"$colony" play --size "$size" --seed "$seed" --steps 0 --out "$work/soup.rle" --print none >/dev/null 2>&1
header=$(grep -m1 -v '^#' "$work/soup.rle")
echo "   header: $header"
[[ $header == *"rule = B3/S23:T${size},${size}"* ]] || { echo "golly.sh: soup.rle header lacks rule = B3/S23:T${size},${size}" >&2; exit 1; }

golly_times=() play_times=() play_inner=() engine_medians=()
golly_pop='' play_pop='' engine_pop=''
echo "== $runs rounds of $steps generations (alternating golly, colony play, colony bench engine)"
for ((i = 1; i <= runs; i++)); do
    t0=$(now)
    "$bgolly" -a QuickLife -m "$steps" -i 1 "$work/soup.rle" >"$work/golly.out" 2>&1
    t=$(since "$t0")
    last=$(tail -n1 "$work/golly.out" | tr -d ',')
    [[ $last =~ ^([0-9]+):\ ([0-9]+)$ && ${BASH_REMATCH[1]} == "$steps" ]] ||
        { echo "golly.sh: unexpected bgolly output (last line '$last'):" >&2; tail -n5 "$work/golly.out" >&2; exit 1; }
    pop=${BASH_REMATCH[2]}
    [[ -z $golly_pop || $golly_pop == "$pop" ]] || echo "   warning: golly population changed between rounds ($golly_pop, $pop)"
    golly_pop=$pop golly_times+=("$t")
    echo "   round $i golly : $t s, final population $pop"

    t0=$(now)
    summary=$("$colony" play --size "$size" --seed "$seed" --steps "$steps" --print none 2>/dev/null | tail -n1)
    t=$(since "$t0")
    [[ $summary =~ population\ ([0-9]+),.*\ ([0-9.]+e[0-9]+)\ cell\ updates/s ]] || { echo "golly.sh: unexpected summary '$summary'" >&2; exit 1; }
    play_pop=${BASH_REMATCH[1]} play_times+=("$t") play_inner+=("$(stepping_time "${BASH_REMATCH[2]}")")
    echo "   round $i play  : $t s wall ($summary)"

    "$colony" bench engine --size "$size" --seed "$seed" --steps "$steps" --repeat "$engine_repeat" >"$work/engine.out" 2>&1
    line=$(grep '^median' "$work/engine.out")
    [[ $line =~ ^median\ ([0-9.]+)\ s,.*final\ population\ ([0-9]+) ]] || { echo "golly.sh: unexpected engine output:" >&2; cat "$work/engine.out" >&2; exit 1; }
    engine_medians+=("${BASH_REMATCH[1]}") engine_pop=${BASH_REMATCH[2]}
    echo "   round $i engine: $line"
done
sed -n 1p "$work/engine.out" | sed 's/^/   /'

g=$(median "${golly_times[@]}") p=$(median "${play_times[@]}") pi=$(median "${play_inner[@]}") e=$(median "${engine_medians[@]}")
echo
echo "== load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg) (other processes on these cores skew the figures)"
echo "== results: ${size}x${size} torus soup seed $seed, $steps generations, medians of $runs rounds"
printf '   %-46s %9s s   %s cell updates/s\n' \
    "golly QuickLife (bgolly -i 1, wall clock)" "$g" "$(rate "$g")" \
    "colony play --print none (wall clock)" "$p" "$(rate "$p")" \
    "colony play (stepping time, from its rate)" "$pi" "$(rate "$pi")" \
    "colony bench engine (median of medians)" "$e" "$(rate "$e")"
echo "   ratio golly / colony play (wall clock):        $(ratio "$g" "$p")x"
echo "   ratio golly / colony play (its stepping time): $(ratio "$g" "$pi")x"
echo "   ratio golly / colony bench engine (stepping):  $(ratio "$g" "$e")x"
if [[ $golly_pop == "$play_pop" && $play_pop == "$engine_pop" ]]; then
    echo "   final populations identical: yes ($golly_pop)"
else
    echo "   final populations identical: NO (golly $golly_pop, colony play $play_pop, colony bench engine $engine_pop)"
    exit 1
fi
