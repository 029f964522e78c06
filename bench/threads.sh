#!/usr/bin/env bash
# One board on every core (issue 12): `colony bench engine` on one thread, on THREADS threads, and
# the machine's ceiling — two independent one-thread runs at once (what two cores give with no
# sharing at all) — in one run, rounds alternating. Speed-ups are against the one-thread run;
# efficiency is the threaded speed-up over the ceiling's. Medians of RUNS rounds.
# Environment: SIZE (4096), STEPS (200), RUNS (7), THREADS (2), COLONY (a prebuilt binary).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size=${SIZE:-4096} steps=${STEPS:-200} runs=${RUNS:-7} threads=${THREADS:-2}
if [[ -n ${COLONY:-} ]]; then colony=$COLONY; else
    (cd "$root" && cargo build --release -p colony --quiet)
    colony=${CARGO_TARGET_DIR:-$root/target}/release/colony
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/colony-threads.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== ${size}x${size} torus soup, $steps generations, $runs rounds, $threads threads"
engine() { "$colony" bench engine --size "$size" --steps "$steps" --repeat 1 "$@" | grep -o 'median [0-9.]*' | cut -d' ' -f2; }
for _ in $(seq "$runs"); do
    engine --threads 1 >>"$work/one"
    # The ceiling: each process steps its own board; the slower one bounds the pair.
    engine --threads 1 --seed 2 >"$work/a" & engine --threads 1 --seed 3 >"$work/b" & wait
    python3 -c "import sys;print(max(float(open(sys.argv[1]).read()), float(open(sys.argv[2]).read())))" "$work/a" "$work/b" >>"$work/pair"
    engine --threads "$threads" >>"$work/many"
done
python3 - "$work" "$threads" <<'PY'
import statistics, sys
d, threads = sys.argv[1], sys.argv[2]
m = {k: statistics.median(float(x) for x in open(f"{d}/{k}")) for k in ("one", "pair", "many")}
ceiling = 2 * m["one"] / m["pair"]
speedup = m["one"] / m["many"]
print(f"   one thread {m['one']:.4f} s   two one-thread processes {m['pair']:.4f} s (ceiling {ceiling:.2f}x)   {threads} threads {m['many']:.4f} s ({speedup:.2f}x)")
print(f"   efficiency against the ceiling: {100 * speedup / ceiling:.0f}%")
PY
