#!/usr/bin/env bash
# The measurements that calibrate bench/cluster-sim.py (issue 11, "Speed": 100 nodes x 10,000
# games on paper), all with the colony binary and `colony node` processes on 127.0.0.1:
#   1. fan-in at high load: 1,000 games of 8x8, 100 steps, batch 1 (100,000 replies) on one node
#      (--workers 2) and on three (--workers 1 each): the driver's CPU per reply (the report's
#      cpu_seconds: the driver process only, spawns excluded) and the nodes' (from /proc around the
#      run: spawns included, so an upper bound); the same trial locally, --workers 1 (the runner
#      and the game actors in one process: an upper bound of the runner's own part);
#   2. what a reply's board costs: 64 games, 50 steps, batch 1, boards of 8, 128, 256 and 512
#      cells a side (64 B to 32 KiB a reply) on one node: CPU per reply against the KiB carried;
#   3. stepping alone: the same boards, --mode sequential, time per game-generation;
#   4. spawning (process-group sync): 200 and 2,000 games of 8x8, 1 step, on 1, 4, 16 and 32 nodes
#      (--workers 1): the driver process's whole CPU (user + sys) and wall time, the difference
#      between the two sizes per game, against the number of nodes;
#   5. the SQLite checkpoint writer: --checkpoint F --checkpoint-every 0 against no checkpoint,
#      locally, 1,000, 4,000 and 16,000 games of 64x64 and 1,000 and 4,000 of 256x256, 1 step,
#      every game a glider (so that building the journal's starting boards costs next to
#      nothing): the extra wall time is the journal's creation (every game's record and starting
#      board, one transaction) and the final save (every game's board, one transaction), so two
#      snapshot writes per game.
#   6. fan-in against the number of nodes: part 1's trial on 1, 8 and 32 nodes of --workers 1:
#      the driver's CPU per reply as sessions multiply.
# Each figure is the median of $RUNS runs; the runs of a comparison alternate.
#
#   COLONY=target/release/colony bench/cluster-calibrate.sh
#
# Environment: RUNS (3), COLONY (a prebuilt colony binary: no build), CARGO_TARGET_DIR,
# ONLY (a space-separated subset of 1 2 3 4 5 6), SPAWN_NODES (node counts of 4: "1 4 16 32"),
# FANIN_NODES (node counts of 6: "1 8 32"),
# KEEP (a folder: keep reports and logs there).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${RUNS:-3}
only=${ONLY:-1 2 3 4 5 6}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "cluster-calibrate.sh: RUNS must be a positive integer, got '$runs'" >&2; exit 2; }
if [[ -n ${COLONY:-} ]]; then colony=$COLONY; else
    (cd "$root" && cargo build --release -p colony --quiet)
    colony=${CARGO_TARGET_DIR:-$root/target}/release/colony
fi
[[ -x $colony ]] || { echo "cluster-calibrate.sh: no binary at $colony" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "cluster-calibrate.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/colony-calibrate.XXXXXX")
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
declare -A pid_of=() addr_of=()
start_node() { # name workers
    local name=$1 workers=$2 port log pid
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        log="$work/node-$name.log"
        RUST_LOG=warn "$colony" node --listen "127.0.0.1:$port" --cookie-file "$work/cookie" \
            --workers "$workers" --name "$name" >"$log" 2>&1 &
        pid=$!
        node_pids+=("$pid")
        for _ in $(seq 100); do
            grep -qs "listening on" "$log" && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if grep -qs "listening on" "$log"; then
            pid_of[$name]=$pid addr_of[$name]=127.0.0.1:$port
            return 0
        fi
        kill "$pid" 2>/dev/null || true
    done
    echo "cluster-calibrate.sh: node $name did not start:" >&2
    cat "$log" >&2
    exit 1
}
addrs() { local a='' n; for n in "$@"; do a+=${a:+,}${addr_of[$n]}; done; echo "$a"; }
node_cpu() { # names...: CPU seconds of those node processes so far
    local total=0 n
    for n in "$@"; do
        total=$(awk -v t="$total" -v hz="$(getconf CLK_TCK)" '{ printf "%.4f", t + ($14 + $15) / hz }' "/proc/${pid_of[$n]}/stat")
    done
    echo "$total"
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.6g", v[(NR + 1) / 2]; else printf "%.6g", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['runs'][-1]; print(r[sys.argv[2]])" "$1" "$2"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# Runs a trial; sets wall, user_sys (the whole process, from /usr/bin/time), seconds and cpu (its report).
trial() {
    local u s
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$colony" trial --report "$work/r.json" "$@" >"$work/out" 2>&1 ||
        { echo "cluster-calibrate.sh: trial $* failed:" >&2; cat "$work/out" >&2; exit 1; }
    read -r wall u s <"$work/time"
    user_sys=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }')
    seconds=$(field "$work/r.json" seconds)
    cpu=$(field "$work/r.json" cpu_seconds)
}
us_per() { awk -v a="$1" -v n="$2" 'BEGIN { printf "%.2f", 1e6 * a / n }'; }
wants() { [[ " $only " == *" $1 "* ]]; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(load); $runs runs each"
spawn_nodes=${SPAWN_NODES:-1 4 16 32}
fanin_nodes=${FANIN_NODES:-1 8 32}
most=3
for n in $spawn_nodes $fanin_nodes; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "cluster-calibrate.sh: SPAWN_NODES and FANIN_NODES take positive integers, got '$n'" >&2; exit 2; }
done
if wants 4; then for n in $spawn_nodes; do ((n > most)) && most=$n; done; fi
if wants 6; then for n in $fanin_nodes; do ((n > most)) && most=$n; done; fi
start_node one 2
many=()
for ((i = 1; i <= most; i++)); do start_node "s$i" 1; many+=("s$i"); done
three=(s1 s2 s3)

if wants 1; then
    echo "== 1. fan-in: 1000 games of 8x8, 100 steps, batch 1 (100,000 replies); load $(load)"
    replies=100000
    declare -A sec=() cpu_of=() node_of=()  # where -> space-separated values, one per run
    for ((i = 0; i < runs; i++)); do
        for where in local one three; do
            case $where in
                local) flags=(--mode actors --workers 1) nodes=() ;;
                one) flags=(--cluster "${addr_of[one]}" --cookie-file "$work/cookie") nodes=(one) ;;
                three) flags=(--cluster "$(addrs "${three[@]}")" --cookie-file "$work/cookie") nodes=("${three[@]}") ;;
            esac
            before=$( ((${#nodes[@]})) && node_cpu "${nodes[@]}" || echo 0)
            trial --games 1000 --size 8 --steps 100 --batch-size 1 --seed 1 "${flags[@]}"
            after=$( ((${#nodes[@]})) && node_cpu "${nodes[@]}" || echo 0)
            sec[$where]+=" $seconds" cpu_of[$where]+=" $cpu"
            node_of[$where]+=" $(awk -v a="$after" -v b="$before" 'BEGIN { print a - b }')"
        done
    done
    for where in local one three; do
        read -ra s <<<"${sec[$where]}"
        read -ra c <<<"${cpu_of[$where]}"
        read -ra n <<<"${node_of[$where]}"
        printf '   %-6s %8.4f s stepping = %6s µs wall/reply (%s replies/s); driver CPU %6s µs/reply; nodes CPU %6s µs/reply\n' \
            "$where" "$(median "${s[@]}")" "$(us_per "$(median "${s[@]}")" $replies)" \
            "$(awk -v t="$(median "${s[@]}")" -v n=$replies 'BEGIN { printf "%.0f", n / t }')" \
            "$(us_per "$(median "${c[@]}")" $replies)" "$(us_per "$(median "${n[@]}")" $replies)"
    done
fi

if wants 2 || wants 3; then
    echo "== 2/3. a reply's board: 64 games, 50 steps, batch 1 (3,200 replies), one node; stepping alone (sequential); load $(load)"
    printf '   %-6s %9s %14s %16s %16s %18s\n' side "KiB/reply" "seq µs/gen" "remote µs/reply" "driver µs/reply" "node µs/reply"
    for side in 8 128 256 512; do
        seqs=() secs=() cpus=() nodes=()
        for ((i = 0; i < runs; i++)); do
            trial --games 64 --size "$side" --steps 50 --batch-size 1 --seed 1 --mode sequential
            seqs+=("$seconds")
            before=$(node_cpu one)
            trial --games 64 --size "$side" --steps 50 --batch-size 1 --seed 1 --cluster "${addr_of[one]}" --cookie-file "$work/cookie"
            after=$(node_cpu one)
            secs+=("$seconds") cpus+=("$cpu") nodes+=("$(awk -v a="$after" -v b="$before" 'BEGIN { print a - b }')")
        done
        printf '   %-6s %9.3f %14s %16s %16s %18s\n' "$side" "$(awk -v s="$side" 'BEGIN { printf "%.3f", int((s + 63) / 64) * 8 * s / 1024 }')" \
            "$(us_per "$(median "${seqs[@]}")" 3200)" "$(us_per "$(median "${secs[@]}")" 3200)" \
            "$(us_per "$(median "${cpus[@]}")" 3200)" "$(us_per "$(median "${nodes[@]}")" 3200)"
    done
fi

if wants 4; then
    echo "== 4. spawning: 200 and 2000 games of 8x8, 1 step, on $spawn_nodes nodes (--workers 1); driver process CPU and wall; load $(load)"
    printf '   %-6s %22s %22s %24s %20s\n' nodes "driver CPU µs/game" "wall µs/game" "nodes CPU µs/game" "(2000-game wall s)"
    for count in $spawn_nodes; do
        set_nodes=("${many[@]:0:count}")
        cl=(--cluster "$(addrs "${set_nodes[@]}")" --cookie-file "$work/cookie")
        dc=() dw=() dn=() w2k=()
        for ((i = 0; i < runs; i++)); do
            b=$(node_cpu "${set_nodes[@]}")
            trial --games 200 --size 8 --steps 1 --seed 1 "${cl[@]}"
            small_cpu=$user_sys small_wall=$wall
            m=$(node_cpu "${set_nodes[@]}")
            trial --games 2000 --size 8 --steps 1 --seed 1 "${cl[@]}"
            e=$(node_cpu "${set_nodes[@]}")
            dc+=("$(awk -v a="$user_sys" -v b="$small_cpu" 'BEGIN { print (a - b) / 1800 * 1e6 }')")
            dw+=("$(awk -v a="$wall" -v b="$small_wall" 'BEGIN { print (a - b) / 1800 * 1e6 }')")
            dn+=("$(awk -v b="$b" -v m="$m" -v e="$e" 'BEGIN { print ((e - m) - (m - b)) / 1800 * 1e6 }')")
            w2k+=("$wall")
        done
        printf '   %-6s %22.1f %22.1f %24.1f %20s\n' "$count" "$(median "${dc[@]}")" "$(median "${dw[@]}")" "$(median "${dn[@]}")" "$(median "${w2k[@]}")"
    done
fi

if wants 5; then
    echo "== 5. checkpoint writer: --checkpoint-every 0 (two snapshots of every game: the journal's start, the end) vs none, locally, 1 step, gliders; load $(load)"
    printf '   %-6s %6s %9s %14s %14s %18s\n' side games "KiB each" "without s" "with s" "µs/snapshot"
    for spec in "64 1000" "64 4000" "64 16000" "256 1000" "256 4000"; do
        read -r side games <<<"$spec"
        plain=() with=()
        for ((i = 0; i < runs; i++)); do
            trial --games "$games" --size "$side" --steps 1 --pattern glider --mode actors --workers 2
            plain+=("$wall")
            rm -f "$work"/ck.db*
            trial --games "$games" --size "$side" --steps 1 --pattern glider --mode actors --workers 2 --checkpoint "$work/ck.db" --checkpoint-every 0
            with+=("$wall")
        done
        p=$(median "${plain[@]}") w=$(median "${with[@]}")
        printf '   %-6s %6s %9.3f %14s %14s %18s\n' "$side" "$games" "$(awk -v s="$side" 'BEGIN { printf "%.3f", int((s + 63) / 64) * 8 * s / 1024 }')" \
            "$p" "$w" "$(awk -v p="$p" -v w="$w" -v g="$games" 'BEGIN { printf "%.1f", (w - p) / (2 * g) * 1e6 }')"
    done
fi
if wants 6; then
    echo "== 6. fan-in against nodes: 1000 games of 8x8, 100 steps, batch 1, on $fanin_nodes nodes (--workers 1); load $(load)"
    printf '   %-6s %12s %20s %20s %14s\n' nodes "stepping s" "driver CPU µs/reply" "nodes CPU µs/reply" "replies/s"
    for count in $fanin_nodes; do
        set_nodes=("${many[@]:0:count}")
        secs=() cpus=() nodes=()
        for ((i = 0; i < runs; i++)); do
            before=$(node_cpu "${set_nodes[@]}")
            trial --games 1000 --size 8 --steps 100 --batch-size 1 --seed 1 --cluster "$(addrs "${set_nodes[@]}")" --cookie-file "$work/cookie"
            after=$(node_cpu "${set_nodes[@]}")
            secs+=("$seconds") cpus+=("$cpu") nodes+=("$(awk -v a="$after" -v b="$before" 'BEGIN { print a - b }')")
        done
        printf '   %-6s %12s %20s %20s %14s\n' "$count" "$(median "${secs[@]}")" "$(us_per "$(median "${cpus[@]}")" 100000)" \
            "$(us_per "$(median "${nodes[@]}")" 100000)" "$(awk -v t="$(median "${secs[@]}")" 'BEGIN { printf "%.0f", 100000 / t }')"
    done
fi
echo "== load average after: $(load)"
