#!/usr/bin/env bash
# Request/reply round trip to a game actor in the driver's process and to one on a node over
# loopback (ractor_cluster, plaintext), through the same GameHandle: median and 99th percentile of
# sequential calls, and calls per second with 64 in flight.
#
#   bench/cluster-roundtrip.sh            # 20,000 calls of each kind
#   CALLS=5000 bench/cluster-roundtrip.sh
#
# Environment: CALLS (20000), PORT (a free one), COLONY (a prebuilt colony binary), CARGO_TARGET_DIR.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
calls=${CALLS:-20000}
port=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
target=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && cargo build --release -p colony-cluster --example roundtrip --quiet)
[[ -n ${COLONY:-} ]] || (cd "$root" && cargo build --release -p colony --quiet)
colony=${COLONY:-$target/release/colony}
work=$(mktemp -d "${TMPDIR:-/tmp}/colony-roundtrip.XXXXXX")
node_pid=
cleanup() { [[ -n $node_pid ]] && kill "$node_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
(umask 077 && head -c 32 /dev/urandom | base64 >"$work/cookie")
"$colony" node --listen "127.0.0.1:$port" --cookie-file "$work/cookie" --workers 1 >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/node.log" && break; sleep 0.1; done
grep -q "listening on" "$work/node.log" || { cat "$work/node.log"; exit 1; }
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== node on 127.0.0.1:$port, 1 worker; the driver: 2 async threads, 1 worker"
"$target/release/examples/roundtrip" "127.0.0.1:$port" "$work/cookie" "$calls"
