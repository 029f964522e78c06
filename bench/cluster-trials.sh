#!/usr/bin/env bash
# The headline trials locally, on one node and on three nodes on this machine, side by side in one
# run (issue 11, "Speed"):
#   headline  the tutorial's headline trial: 8 games of 100x100, 50 steps, seed 1
#   big       64 games of 512x512, 200 generations, seed 1
# each at batch 1 and batch 10, each
#   local     colony trial --mode actors --workers $LOCAL_WORKERS          (no cluster)
#   1 node    colony trial --cluster A        (one `colony node --workers $ONE_WORKERS`)
#   3 nodes   colony trial --cluster B,C,D    (three `colony node --workers $THREE_WORKERS`)
# The four node processes start once, on free 127.0.0.1 ports, and stay up for the whole run. Every
# round runs every configuration once (the three placements next to each other, their order rotated
# from round to round), each invocation `--repeat $REPEAT` times in one process; the time of a run
# is the report's `seconds` (stepping only: not the process start, the connection or the spawns).
# Prints, per configuration, the median over every run, the median of the per-round ratios against
# local, the driver's CPU per reply (the report's `cpu_seconds`, the driver process's only) and the
# nodes' CPU per reply (from /proc, whole invocation: spawns included). Checks that every placement
# gives the same results as local (fingerprints, populations, generations).
#
# On a 2-core machine three nodes are not more hardware: their figure is the cost of spreading a
# trial over three processes and three sessions, not a gain.
#
#   bench/cluster-trials.sh
#   RUNS=3 REPEAT=2 TRIALS=headline bench/cluster-trials.sh
#
# Environment: RUNS (rounds, 5), REPEAT (runs per invocation, 3), TRIALS ("headline big"),
# BATCHES ("1 10"), LOCAL_WORKERS (2), ONE_WORKERS (2), THREE_WORKERS (1), COLONY (a prebuilt
# colony binary: no build), CARGO_TARGET_DIR, KEEP (a folder: keep every report and node log there).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${RUNS:-5}
repeat=${REPEAT:-3}
trials=${TRIALS:-headline big}
batches=${BATCHES:-1 10}
local_workers=${LOCAL_WORKERS:-2}
one_workers=${ONE_WORKERS:-2}
three_workers=${THREE_WORKERS:-1}
for v in runs repeat local_workers one_workers three_workers; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "cluster-trials.sh: $v must be a positive integer, got '${!v}'" >&2; exit 2; }
done
for t in $trials; do
    [[ $t == headline || $t == big ]] || { echo "cluster-trials.sh: TRIALS takes headline and big, got '$t'" >&2; exit 2; }
done
for b in $batches; do
    [[ $b =~ ^[1-9][0-9]*$ ]] || { echo "cluster-trials.sh: BATCHES must be positive integers, got '$b'" >&2; exit 2; }
done

if [[ -n ${COLONY:-} ]]; then
    colony=$COLONY
    echo "== using colony at $colony (COLONY set: not building)"
else
    (cd "$root" && cargo build --release -p colony --quiet)
    colony=${CARGO_TARGET_DIR:-$root/target}/release/colony
fi
[[ -x $colony ]] || { echo "cluster-trials.sh: no binary at $colony" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/colony-cluster-trials.XXXXXX")
node_pids=()
cleanup() {
    local pid
    for pid in "${node_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${node_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ -n ${KEEP:-} ]]; then mkdir -p "$KEEP" && cp -r "$work"/. "$KEEP"/; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

(umask 077 && head -c 32 /dev/urandom | base64 >"$work/cookie")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts a node; sets $started to its address. Retries another port if the one found is taken.
start_node() { # name workers
    local name=$1 workers=$2 port log
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        log="$work/$name.log"
        RUST_LOG=warn "$colony" node --listen "127.0.0.1:$port" --cookie-file "$work/cookie" \
            --workers "$workers" --name "$name" >"$log" 2>&1 &
        local pid=$!
        node_pids+=("$pid")
        for _ in $(seq 100); do
            grep -qs "listening on" "$log" && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if grep -qs "listening on" "$log"; then
            started=127.0.0.1:$port
            pids_of[$name]=$pid
            return 0
        fi
        kill "$pid" 2>/dev/null || true
    done
    echo "cluster-trials.sh: node $name did not start:" >&2
    cat "$log" >&2
    exit 1
}

declare -A pids_of=()
started=
start_node one "$one_workers"
one_addr=$started
three_addrs=
for n in b1 b2 b3; do
    start_node "$n" "$three_workers"
    three_addrs+=${three_addrs:+,}$started
done

# CPU seconds (user + system) of the node processes of a placement, from /proc.
node_cpu() { # names...
    local total=0 name
    for name in "$@"; do
        total=$(awk -v t="$total" -v hz="$(getconf CLK_TCK)" '{ printf "%.4f", t + ($14 + $15) / hz }' "/proc/${pids_of[$name]}/stat")
    done
    echo "$total"
}

args_of() { # trial
    case $1 in
        headline) echo "--games 8 --size 100 --steps 50 --seed 1" ;;
        big) echo "--games 64 --size 512 --steps 200 --seed 1" ;;
    esac
}
replies_of() { # trial batch: games * batches
    case $1 in
        headline) echo $((8 * ((50 + $2 - 1) / $2))) ;;
        big) echo $((64 * ((200 + $2 - 1) / $2))) ;;
    esac
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(load)"
echo "== nodes: one ($one_addr, $one_workers workers); three ($three_addrs, $three_workers worker(s) each)"
echo "== local: --mode actors --workers $local_workers; drivers: default (an async thread per core)"
echo "== $runs rounds x $repeat runs per invocation; trials: $trials; batches: $batches"

# One invocation: appends "trial batch placement round seconds cpu node_cpu replies" lines to rows.
placements=(local one three)
run_one() { # round trial batch placement
    local round=$1 trial=$2 batch=$3 placement=$4 report nodes=() cluster=() before after
    report="$work/r-$trial-$batch-$placement-$round.json"
    case $placement in
        local) cluster=(--mode actors --workers "$local_workers") ;;
        one) cluster=(--cluster "$one_addr" --cookie-file "$work/cookie") nodes=(one) ;;
        three) cluster=(--cluster "$three_addrs" --cookie-file "$work/cookie") nodes=(b1 b2 b3) ;;
    esac
    before=$( ((${#nodes[@]})) && node_cpu "${nodes[@]}" || echo 0)
    # shellcheck disable=SC2046 # the trial's flags are words
    "$colony" trial $(args_of "$trial") --batch-size "$batch" --repeat "$repeat" "${cluster[@]}" \
        --report "$report" >"$work/out-$trial-$batch-$placement-$round.txt" 2>&1 ||
        { echo "cluster-trials.sh: trial failed:" >&2; cat "$work/out-$trial-$batch-$placement-$round.txt" >&2; exit 1; }
    after=$( ((${#nodes[@]})) && node_cpu "${nodes[@]}" || echo 0)
    python3 - "$report" "$trial" "$batch" "$placement" "$round" "$before" "$after" "$(replies_of "$trial" "$batch")" \
        "$work/results-$trial-$batch" "$repeat" >>"$work/rows" <<'EOF'
import json, sys
report, trial, batch, placement, rnd, before, after, replies, results, repeat = sys.argv[1:]
runs = json.load(open(report))["runs"]
node = (float(after) - float(before)) / int(repeat)
for r in runs:
    print(trial, batch, placement, rnd, r["seconds"], r["cpu_seconds"], node, replies)
# Every placement must give local's results.
key = json.dumps([[g.get("game"), g.get("generation"), g.get("population"), g.get("fingerprint")] for g in runs[-1]["results"]])
open(results + ".json." + placement, "w").write(key)
EOF
}

for ((round = 1; round <= runs; round++)); do
    echo "   round $round, load $(load)"
    for trial in $trials; do
        for batch in $batches; do
            for ((k = 0; k < 3; k++)); do
                run_one "$round" "$trial" "$batch" "${placements[(round + k) % 3]}"
            done
        done
    done
done
echo "== load average after the runs: $(load)"

mismatch=0
for f in "$work"/results-*.json.local; do
    base=${f%.local}
    for p in one three; do
        cmp -s "$f" "$base.$p" || { echo "   results differ from local: ${base##*/results-} on $p" >&2; mismatch=1; }
    done
done

python3 - "$work/rows" <<'EOF'
import sys, statistics
from collections import defaultdict
rows = [l.split() for l in open(sys.argv[1])]
runs = defaultdict(list)        # (trial, batch, placement) -> [seconds]
cpu = defaultdict(list)
node = defaultdict(list)
per_round = defaultdict(list)   # (trial, batch, placement, round) -> [seconds]
replies = {}
for trial, batch, placement, rnd, s, c, n, rep in rows:
    k = (trial, int(batch), placement)
    runs[k].append(float(s)); cpu[k].append(float(c)); node[k].append(float(n))
    per_round[k + (rnd,)].append(float(s))
    replies[k] = int(rep)
med = statistics.median
print("== medians (seconds: the report's stepping time); ratios = median over rounds of (placement / local), (3 nodes / 1 node), each in the same round")
print(f"   {'trial':<9} {'batch':>5} {'placement':<9} {'runs':>4} {'median s':>10} {'min s':>9} {'max s':>9} {'x local':>8} {'x 1 node':>8} {'driver CPU µs/reply':>20} {'nodes CPU µs/reply':>19}")
for (trial, batch, placement) in sorted(runs, key=lambda k: (k[0], k[1], ["local", "one", "three"].index(k[2]))):
    k = (trial, batch, placement)
    ratios, vs_one = [], []
    for rk, v in per_round.items():
        if rk[:3] == k and (trial, batch, "local", rk[3]) in per_round:
            ratios.append(med(v) / med(per_round[(trial, batch, "local", rk[3])]))
        if rk[:3] == k and (trial, batch, "one", rk[3]) in per_round:
            vs_one.append(med(v) / med(per_round[(trial, batch, "one", rk[3])]))
    one = f"{med(vs_one):.2f}x" if placement == "three" and vs_one else "-"
    r = replies[k]
    nodes = f"{1e6 * med(node[k]) / r:.1f}" if placement != "local" else "-"
    name = {"local": "local", "one": "1 node", "three": "3 nodes"}[placement]
    print(f"   {trial:<9} {batch:>5} {name:<9} {len(runs[k]):>4} {med(runs[k]):>10.4f} {min(runs[k]):>9.4f} {max(runs[k]):>9.4f} {med(ratios):>7.2f}x {one:>8} {1e6 * med(cpu[k]) / r:>20.1f} {nodes:>19}")
EOF
if ((mismatch)); then echo "   results identical to local: NO" >&2; exit 1; fi
echo "   results identical to local on every placement: yes"
