#!/usr/bin/env bash
# Issue 12, "Speed": a trial of 64 acorns on the plane, as actors, to generation 5206 (where the
# acorn's ash is final: population 633), time and memory per game, against the same work done by
# Golly: bgolly -a HashLife on one acorn, 64 times over (a process each; its start is included, so
# the ratio is generous to Colony only by a process start, ~2 ms, per game).
#
#   bench/plane-trial.sh
#   RUNS=3 GAMES=16 bench/plane-trial.sh
#
# Every round runs Colony's trial (actors and sequential, `--repeat 1`, one process, peak RSS from
# /usr/bin/time) then bgolly's 64 runs; prints the medians, their ratio per round, and the peak
# memory per game (the process's peak RSS over the games; it includes the runtime's own ~10 MB).
# Environment: RUNS (rounds, 5), GAMES (64), STEPS (5206), BATCH (500), COLONY (a prebuilt binary).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${RUNS:-5}
games=${GAMES:-64}
steps=${STEPS:-5206}
batch=${BATCH:-500}
for v in runs games steps batch; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "plane-trial.sh: $v must be a positive integer, got '${!v}'" >&2; exit 2; }
done
command -v bgolly >/dev/null || { echo "plane-trial.sh: bgolly is missing (apt-get install golly)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "plane-trial.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
colony=${COLONY:-}
if [[ -z $colony ]]; then
    cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin colony
    colony=${CARGO_TARGET_DIR:-$root/target}/release/colony
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$colony" play --pattern acorn --steps 0 --print none --out "$work/acorn.rle" >/dev/null
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
: >"$work/actors" >"$work/seq" >"$work/golly" >"$work/ratio" >"$work/rss"
for round in $(seq "$runs"); do
    for mode in actors sequential; do
        /usr/bin/time -f "%M" -o "$work/time" "$colony" trial --topology plane --pattern acorn --games "$games" \
            --steps "$steps" --batch-size "$batch" --mode "$mode" --report "$work/report.json" >/dev/null 2>&1
        python3 - "$work/report.json" "$steps" <<'PY' >>"$work/$([[ $mode == actors ]] && echo actors || echo seq)"
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
assert all(r["generation"] == int(sys.argv[2]) for r in run["results"]), "every game reaches the target"
if int(sys.argv[2]) == 5206:
    assert all(r["population"] == 633 for r in run["results"]), "the acorn's known population"
print(run["seconds"])
PY
        [[ $mode == actors ]] && cat "$work/time" >>"$work/rss"
    done
    start=$(date +%s.%N)
    for _ in $(seq "$games"); do bgolly -a HashLife -m "$steps" "$work/acorn.rle" >/dev/null; done
    golly=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN {print a - b}')
    echo "$golly" >>"$work/golly"
    awk -v a="$(tail -1 "$work/actors")" -v b="$golly" 'BEGIN {print a / b}' >>"$work/ratio"
    echo "round $round: actors $(tail -1 "$work/actors") s, sequential $(tail -1 "$work/seq") s, bgolly x$games $golly s" >&2
done
rss=$(median <"$work/rss")
printf '%s acorns to generation %s, batch %s, %s rounds (medians)\n' "$games" "$steps" "$batch" "$runs"
actors=$(median <"$work/actors")
printf '  colony actors      %8.3f s  (%.1f ms per game)\n' "$actors" "$(awk -v a="$actors" -v g="$games" 'BEGIN {print a * 1000 / g}')"
printf '  colony sequential  %8.3f s\n' "$(median <"$work/seq")"
printf '  bgolly x%-3s        %8.3f s\n' "$games" "$(median <"$work/golly")"
printf '  actors / bgolly    %8.2f  (median of per-round ratios)\n' "$(median <"$work/ratio")"
printf '  peak RSS (actors)  %8.1f MiB, %.2f MiB per game\n' "$(awk -v r="$rss" 'BEGIN {print r / 1024}')" \
    "$(awk -v r="$rss" -v g="$games" 'BEGIN {print r / 1024 / g}')"
