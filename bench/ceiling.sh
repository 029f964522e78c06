#!/usr/bin/env bash
# Parallel efficiency of the actor runner against the machine's own ceiling, in one run:
#   sequential  one process steps all the games, one after another;
#   ceiling     two independent sequential processes at once, each with half the games (what two
#               cores give with no coordination at all);
#   actors      one process, one actor per game, WORKERS workers, batch BATCH (one request per
#               game per batch, replies handled as they come).
# Efficiency = actors' speed-up over sequential / the ceiling's. Medians of RUNS rounds; the
# modes alternate within each round so drift hits all of them alike.
# Environment: GAMES (64), SIZE (512), STEPS (200), BATCH (1), WORKERS (2), RUNS (7), COLONY, and
# BASELINE: another colony binary (an older commit) whose actor runs join each round, for a
# before/after ratio measured in the same run.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
games=${GAMES:-64} size=${SIZE:-512} steps=${STEPS:-200} batch=${BATCH:-1} workers=${WORKERS:-2} runs=${RUNS:-7}
if [[ -n ${COLONY:-} ]]; then colony=$COLONY; else
    (cd "$root" && cargo build --release -p colony --quiet)
    colony=${CARGO_TARGET_DIR:-$root/target}/release/colony
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/colony-ceiling.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $games games of ${size}x${size}, $steps generations, batch $batch, $workers workers, $runs rounds"
half=$((games / 2))
common=(--size "$size" --steps "$steps" --batch-size "$batch")
seconds() { python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['runs'][-1]['seconds'])" "$1"; }
for _ in $(seq "$runs"); do
    "$colony" trial --mode sequential --games "$games" --seed 1 "${common[@]}" --report "$work/s.json" >/dev/null
    echo "$(seconds "$work/s.json")" >>"$work/sequential"
    # The ceiling: wall time of the two halves running at once (each process times itself too;
    # the slower one bounds the pair).
    "$colony" trial --mode sequential --games "$half" --seed 1 "${common[@]}" --workers 1 --report "$work/a.json" >/dev/null &
    "$colony" trial --mode sequential --games "$half" --seed $((1 + half)) "${common[@]}" --workers 1 --report "$work/b.json" >/dev/null &
    wait
    python3 -c "import sys;print(max(float(sys.argv[1]), float(sys.argv[2])))" "$(seconds "$work/a.json")" "$(seconds "$work/b.json")" >>"$work/ceiling"
    "$colony" trial --mode actors --games "$games" --seed 1 "${common[@]}" --workers "$workers" --report "$work/r.json" >/dev/null
    echo "$(seconds "$work/r.json")" >>"$work/actors"
    if [[ -n ${BASELINE:-} ]]; then
        "$BASELINE" trial --mode actors --games "$games" --seed 1 "${common[@]}" --workers "$workers" --report "$work/r.json" >/dev/null
        echo "$(seconds "$work/r.json")" >>"$work/baseline"
    fi
done
python3 - "$work" <<'PY'
import statistics, sys
d = sys.argv[1]
m = {k: statistics.median(float(x) for x in open(f"{d}/{k}")) for k in ("sequential", "ceiling", "actors")}
ceiling, actors = m["sequential"] / m["ceiling"], m["sequential"] / m["actors"]
print(f"   sequential {m['sequential']:.4f} s   ceiling {m['ceiling']:.4f} s ({ceiling:.2f}x)   actors {m['actors']:.4f} s ({actors:.2f}x)")
print(f"   efficiency against the ceiling: {100 * actors / ceiling:.0f}%")
try:
    base = statistics.median(float(x) for x in open(f"{d}/baseline"))
    print(f"   baseline actors {base:.4f} s ({m['sequential'] / base:.2f}x, {100 * m['sequential'] / base / ceiling:.0f}% of the ceiling); this build / baseline: {base / m['actors']:.2f}x")
except FileNotFoundError:
    pass
PY
