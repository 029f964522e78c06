#!/usr/bin/env bash
# Sparse tiles on the plane (issue 12), side by side in one run:
#
#   bench/tiles.sh                          # 3 rounds
#   BENCH_RUNS=5 COLONY=target/release/colony bench/tiles.sh
#
# 1. Speed of the tiles against the dense kernel, alternating in each round:
#      cargo bench -p colony-life --bench tiles   tiles on the 1024x1024 soup seed 1 on the plane,
#                                                 4000 generations (active-cell updates/s), and the
#                                                 bitwise kernel on a 4096x4096 torus, in-process
#      colony bench engine --size 4096 --steps 200 --repeat 3   the dense figure the CLI reports
#      bgolly -a QuickLife -m 4000 -i 1 soup.rle  Golly's QuickLife on the same soup, on the plane
#      colony play --algo tiles (same soup, 4000 generations, wall clock)
# 2. --algo auto, hashlife and tiles (wall clock, medians) on the soup to 4000 and 65536, and on the
#    Gosper gun to 10^6 and 10^9 (tiles on the gun get BENCH_TILES_GUN_TIMEOUT seconds, 60: their
#    work grows with the square of the generations).
# Populations are checked equal across contenders.
# Environment: BENCH_RUNS (3), BGOLLY (bgolly), COLONY (a prebuilt colony), BENCH_TILES_GUN_TIMEOUT.
set -euo pipefail

runs=${BENCH_RUNS:-3}
bgolly=${BGOLLY:-bgolly}
gun_timeout=${BENCH_TILES_GUN_TIMEOUT:-60}
command -v "$bgolly" >/dev/null || { echo "tiles.sh: $bgolly not found (apt-get install golly)" >&2; exit 1; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -n ${COLONY:-} ]]; then
    colony=$COLONY
else
    (cd "$root" && cargo build --release -p colony --quiet)
    colony=${CARGO_TARGET_DIR:-$root/target}/release/colony
fi
echo "== building the tiles bench"
# cargo names the binary it built: "Executable benches/tiles.rs (target/release/deps/tiles-HASH)".
built=$(cd "$root" && cargo bench -p colony-life --bench tiles --no-run 2>&1)
tiles_bench=$(grep -o '(.*deps/tiles-[0-9a-f]*)' <<<"$built" | tr -d '()' | tail -n1)
[[ $tiles_bench == /* ]] || tiles_bench=$root/$tiles_bench
[[ -x $tiles_bench ]] || { echo "tiles.sh: no tiles bench binary in: $built" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/colony-tiles.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$colony" play --topology plane --size 1024 --seed 1 --steps 0 --print none --out "$work/soup.rle" >/dev/null 2>&1

now() { local t=${EPOCHREALTIME:-}; [[ -n $t ]] && echo "${t/,/.}" || date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.4f", b - a }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.6g", v[(NR + 1) / 2]; else printf "%.6g", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $("$bgolly" --help 2>&1 | head -n1)"

: >"$work/tiles_rate" ; : >"$work/tiles_flip_rate"; : >"$work/dense_rate"; : >"$work/engine_rate"; : >"$work/golly"; : >"$work/play_tiles"
echo "== part 1: $runs rounds (tiles bench, colony bench engine, bgolly QuickLife, colony play --algo tiles)"
for ((r = 1; r <= runs; r++)); do
    TILES_ROUNDS=1 "$tiles_bench" >"$work/bench.out"
    grep -o '^round 1 tiles: .*' "$work/bench.out" | cut -c1-220 | sed "s/^round 1/   round $r/"
    grep -o 'median tiles: .*active-cell' "$work/bench.out" | grep -o '[0-9.]*e[0-9]* active-cell' | cut -d' ' -f1 >>"$work/tiles_rate"
    grep -o 'counting flipped tiles: [0-9.e]*' "$work/bench.out" | awk '{print $4}' >>"$work/tiles_flip_rate"
    grep -o 'median dense: [0-9.e]*' "$work/bench.out" | awk '{print $3}' >>"$work/dense_rate"
    "$colony" bench engine --size 4096 --steps 200 --repeat 3 --threads 1 >"$work/engine.out" 2>&1
    line=$(grep '^median' "$work/engine.out")
    echo "   round $r engine: $line"
    grep -o '[0-9.]*e[0-9]* cell updates/s' <<<"$line" | head -n1 | cut -d' ' -f1 >>"$work/engine_rate"
    t0=$(now)
    "$bgolly" -a QuickLife -m 4000 -i 1 "$work/soup.rle" >"$work/golly.out" 2>&1
    t=$(since "$t0")
    echo "$t" >>"$work/golly"
    echo "   round $r bgolly QuickLife: $t s, last line $(tail -n1 "$work/golly.out")"
    t0=$(now)
    s=$("$colony" play --topology plane --size 1024 --seed 1 --steps 4000 --print none --algo tiles 2>/dev/null | tail -n1)
    t=$(since "$t0")
    echo "$t" >>"$work/play_tiles"
    echo "   round $r play --algo tiles: $t s ($s)"
done
tr=$(median <"$work/tiles_rate"); tf=$(median <"$work/tiles_flip_rate"); dr=$(median <"$work/dense_rate"); er=$(median <"$work/engine_rate")
g=$(median <"$work/golly"); p=$(median <"$work/play_tiles")
echo "== part 1 medians of $runs rounds"
echo "   tiles active-cell updates/s      $tr (counting flipped tiles $tf)"
echo "   dense kernel in the same process $dr   ratio tiles/dense $(awk -v a="$tr" -v b="$dr" 'BEGIN{printf "%.2f", a/b}') (counting flips $(awk -v a="$tf" -v b="$dr" 'BEGIN{printf "%.2f", a/b}'))"
echo "   colony bench engine (4096^2)     $er   ratio tiles/engine $(awk -v a="$tr" -v b="$er" 'BEGIN{printf "%.2f", a/b}') (counting flips $(awk -v a="$tf" -v b="$er" 'BEGIN{printf "%.2f", a/b}'))"
echo "   bgolly QuickLife, soup to 4000   $g s; colony play --algo tiles $p s wall: $(awk -v a="$g" -v b="$p" 'BEGIN{printf "%.1f", a/b}')x"

echo "== part 2: --algo auto / hashlife / tiles, wall clock, medians of $runs"
cases=(
    "soup-4000|--topology plane --size 1024 --seed 1 --steps 4000"
    "soup-65536|--topology plane --size 1024 --seed 1 --steps 65536"
    "gun-10^6|--pattern gosper-glider-gun --steps 10^6"
    "gun-10^9|--pattern gosper-glider-gun --steps 10^9"
)
for c in "${cases[@]}"; do
    name=${c%%|*}; args=${c#*|}
    for algo in auto hashlife tiles; do : >"$work/$name.$algo"; done
    for ((r = 1; r <= runs; r++)); do
        for algo in auto hashlife tiles; do
            limit=()
            [[ $algo == tiles && $name == gun-* ]] && limit=(timeout "$gun_timeout")
            t0=$(now)
            # shellcheck disable=SC2086
            if s=$("${limit[@]}" "$colony" play $args --print none --algo "$algo" 2>/dev/null | tail -n1); then
                t=$(since "$t0")
                echo "$t" >>"$work/$name.$algo"
                pop=$(grep -o 'population [0-9]*' <<<"$s" | cut -d' ' -f2)
                how=$(grep -o 'B3/S23, [^,]*\(, hashlife from generation [0-9]*\)\?' <<<"$s" | cut -d' ' -f2-)
                echo "   $name $algo round $r: $t s, population $pop, $how"
            else
                echo "   $name $algo round $r: over $gun_timeout s (stopped)"
                echo "inf" >>"$work/$name.$algo"
            fi
        done
    done
done
echo "== part 2 medians (s)"
printf '   %-11s %10s %10s %10s   %s\n' case auto hashlife tiles "auto vs the better of the two"
for c in "${cases[@]}"; do
    name=${c%%|*}
    a=$(median <"$work/$name.auto"); h=$(median <"$work/$name.hashlife"); t=$(median <"$work/$name.tiles")
    best=$(awk -v h="$h" -v t="$t" 'BEGIN { if (t == "inf" || h + 0 < t + 0) print h; else print t }')
    printf '   %-11s %10s %10s %10s   %s\n' "$name" "$a" "$h" "$t" "$(awk -v a="$a" -v b="$best" 'BEGIN{printf "%.2fx the time", a/b}')"
done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
