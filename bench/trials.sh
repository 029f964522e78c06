#!/usr/bin/env bash
# The actor runtime's figures for BENCHMARKS.md, in one run:
#   1. the tutorial's headline trial (8 games, 100x100, 50 steps, batch 1): Colony (sequential, actors)
#      against the tutorial's Python, sequential and on Ray, same seeds (needs `pip install ray numpy`);
#   2. parallel efficiency: 64 games of 512x512, 200 generations, sequential vs actors on 2 workers;
#   3. checkpoint cost: 64 games of 256x256, 1000 generations, checkpointing every 100 vs not at all;
#   4. actor overhead: `colony bench actors` (100,000 idle game actors).
# Environment: RUNS (5), SKIP_PYTHON=1 to skip the Python runs, COLONY (a prebuilt binary).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${RUNS:-5}
if [[ -n ${COLONY:-} ]]; then colony=$COLONY; else
    (cd "$root" && cargo build --release -p colony --quiet)
    colony=${CARGO_TARGET_DIR:-$root/target}/release/colony
fi
baseline=$root/../shared/baseline/tutorial_baseline.py
work=$(mktemp -d "${TMPDIR:-/tmp}/colony-trials.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Median seconds of one mode of `colony trial` over $runs runs (from --report JSON).
trial_median() { # mode, args...
    local mode=$1; shift
    for _ in $(seq "$runs"); do
        "$colony" trial --mode "$mode" --report "$work/r.json" "$@" >/dev/null
        python3 -c "import json;print(json.load(open('$work/r.json'))['runs'][-1]['seconds'])"
    done | median
}

echo "== 1. tutorial headline: 8 games, 100x100, 50 steps, batch 1, seed 1"
seq_s=$(trial_median sequential --games 8 --size 100 --steps 50 --seed 1)
act_s=$(trial_median actors --games 8 --size 100 --steps 50 --seed 1)
echo "   colony sequential  ${seq_s} s"
echo "   colony actors      ${act_s} s"
if [[ -z ${SKIP_PYTHON:-} ]]; then
    py_seq=$(python3 "$baseline" --mode sequential --games 8 --size 100 --steps 50 --seed 1 | grep -o '[0-9.]* seconds' | cut -d' ' -f1)
    py_ray=$(python3 "$baseline" --mode ray --games 8 --size 100 --steps 50 --seed 1 2>/dev/null | grep -o '[0-9.]* seconds' | cut -d' ' -f1)
    echo "   python sequential  ${py_seq} s   (one run)"
    echo "   python ray         ${py_ray} s   (one run)"
    python3 -c "print('   ratio ray / colony actors: %.0fx; python sequential / colony sequential: %.0fx' % ($py_ray/$act_s, $py_seq/$seq_s))"
fi

for batch in 1 10; do
    echo "== 2. parallel efficiency: 64 games, 512x512, 200 generations, batch $batch, 2 workers"
    s=$(trial_median sequential --games 64 --size 512 --steps 200 --batch-size "$batch" --seed 1 --workers 2)
    a=$(trial_median actors --games 64 --size 512 --steps 200 --batch-size "$batch" --seed 1 --workers 2)
    python3 -c "print('   sequential %.4f s, actors %.4f s, speed-up %.2fx' % ($s, $a, $s/$a))"
done

echo "== 3. checkpoint cost: 64 games, 256x256, 1000 generations, batch 100, every 100 generations"
plain=$(trial_median actors --games 64 --size 256 --steps 1000 --batch-size 100 --seed 1)
ck=$(for i in $(seq "$runs"); do
    rm -f "$work"/ck.db*
    "$colony" trial --mode actors --games 64 --size 256 --steps 1000 --batch-size 100 --seed 1 \
        --checkpoint "$work/ck.db" --checkpoint-every 100 --report "$work/r.json" >/dev/null 2>&1
    python3 -c "import json;print(json.load(open('$work/r.json'))['runs'][-1]['seconds'])"
done | median)
python3 -c "print('   without %.4f s, with checkpoints %.4f s, cost %+.1f%%' % ($plain, $ck, 100*($ck-$plain)/$plain))"

echo "== 4. actor overhead"
"$colony" bench actors --actors 100000
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
