#!/usr/bin/env bash
# The dense torus: `colony play` (a Game: history, outcome detection, a fingerprint per generation)
# against `colony bench engine` (the bare kernel on two boards), on the same soup, in one run
# (issue 10: play within 10% of the engine). Rounds alternate the two; medians of the stepping
# times each prints (process start and soup making excluded on both sides).
# Environment: SIZE (1024), STEPS (5000), RUNS (7), SEED (3), THREADS (both sides' --threads; default
# one per core), COLONY (a prebuilt binary).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size=${SIZE:-1024} steps=${STEPS:-5000} runs=${RUNS:-7} seed=${SEED:-3}
threads=()
[[ -z ${THREADS:-} ]] || threads=(--threads "$THREADS")
if [[ -n ${COLONY:-} ]]; then colony=$COLONY; else
    (cd "$root" && cargo build --release -p colony --quiet)
    colony=${CARGO_TARGET_DIR:-$root/target}/release/colony
fi
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== ${size}x${size} torus soup, seed $seed, $steps generations, $runs rounds, threads ${THREADS:-one per core}"
play=() engine=()
for _ in $(seq "$runs"); do
    # "generation G, population P, outcome O, SECONDS s, ..."
    line=$("$colony" play --size "$size" --seed "$seed" --steps "$steps" --print none "${threads[@]}" 2>/dev/null | tail -1)
    [[ $line == *"outcome running"* ]] || { echo "play-vs-engine.sh: the soup settled ($line): pick another SEED or fewer STEPS" >&2; exit 1; }
    play+=("$(grep -o '[0-9.]* s,' <<<"$line" | head -1 | cut -d' ' -f1)")
    # "median T s, ..." over one run: the engine's own stepping time.
    engine+=("$("$colony" bench engine --size "$size" --seed "$seed" --steps "$steps" --repeat 1 "${threads[@]}" 2>/dev/null | grep -o 'median [0-9.]*' | cut -d' ' -f2)")
done
python3 - "${play[*]}" "${engine[*]}" <<'PY'
import statistics, sys
play = [float(x) for x in sys.argv[1].split()]
engine = [float(x) for x in sys.argv[2].split()]
p, e = statistics.median(play), statistics.median(engine)
print(f"   play {p:.4f} s   engine {e:.4f} s   play / engine {p / e:.3f}  (play runs {play}, engine runs {engine})")
PY
