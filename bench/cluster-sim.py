#!/usr/bin/env python3
"""One driver, N nodes, G games: where `colony trial --cluster` saturates (issue 11, "Speed").

A small discrete-event model of the design as it is (crates/cluster on ractor_cluster 0.16.5),
calibrated on the 2-core AMD EPYC VM by bench/cluster-calibrate.sh and bench/cluster-trials.sh
(CALIBRATION names the measurement behind each figure; docs/cluster.md "At scale" has the runs).
Python 3 stdlib only; deterministic for a given --seed.

Every machine is assumed to be like the one measured: a node has --workers 2 on 2 cores, the
driver has 2 cores (--driver-cores). What is modelled:

  spawn phase (before the report's `seconds`): with --checkpoint the journal first writes every
    game's record and starting board in one transaction (main thread); then every game is
    spawned, all at once: the driver's CPU per game is a fixed part plus a part per node (the
    process-group sync: ractor_cluster's NodeSession monitors every group of every scope, so a
    game's join on its node sends `Spawn` and `PgJoin` control frames to every session that node
    has, and at the driver each one spawns a `RemoteActor` whose `pg::join_scoped` notifies every
    session actor, one per node; the same again with `PgLeave`/`Terminate` when the game ends);
    each node's host spawns its games one after another.
  rounds (the report's `seconds`): the runner sends every game its batch and waits for every
    reply before the next round, as `colony trial` does. Per round, event by event: the driver
    issues the G calls one after another (half of a call's driver CPU each); a call crosses the
    link (--latency-us), queues on its node's workers (placement spreads games evenly), steps
    `batch` generations (time from the board's cells, jittered lognormally per call) plus the
    node's CPU per reply; the reply crosses back carrying the game's whole board (`Detail::Last`
    is one summary and one board) and queues in the driver's fan-in, one FIFO whose service per
    reply is the other half of the driver's CPU per reply over its cores, but never less than
    the part on the runner's single task. The driver's NIC (--nic-gbit) is a FIFO too.
  heartbeats: the driver calls every node every timeout/6 (500 ms for the default 3 s): a small
    call's CPU each, taken off the driver's capacity. A reply queued longer than the timeout
    behind the fan-in would get its node declared lost: the largest queueing delay is reported.
  checkpoints (--checkpoint-every K, default 100 as `colony trial`): every game hands its board
    to the driver's one SQLite writer every K generations and at the end. The writer coalesces
    (the newest board of a game wins), so an overloaded writer does not slow the trial: its
    checkpoints get older (the work a node loss costs grows by the overload factor). The final
    save of every game is waited for.

Not modelled: TCP congestion beyond the NIC's bandwidth, memory, failures and restarts, the
dashboard, stragglers beyond the jitter, several trials at once.

  bench/cluster-sim.py                                  # 1/3/10/100 nodes x 100/1,000/10,000 games, batch 1 and 10
  # docs/cluster.md "At scale": the results, with and without checkpoints, and the design changes
  bench/cluster-sim.py --batch 1 10 100 --games 10000 --checkpoint-every 0
  bench/cluster-sim.py --batch 1 10 100 --games 10000
  bench/cluster-sim.py --variant all --nodes 100 --games 10000 --batch 1 10 100 --checkpoint-every 0
  bench/cluster-sim.py --nodes 100 --games 10000 -v     # one configuration, every figure
  bench/cluster-sim.py --json
"""

import argparse
import heapq
import json
import math
import random

# Measured on the 2-core AMD EPYC VM, 2026-12-01, load average 3-5 from other jobs (CPU times are
# the process's own, so less affected than wall times; wall-time figures are marked and are
# upper bounds). Microseconds.
CALIBRATION = {
    # One generation of one game on a worker, CPU: 512x512 19.2 µs (cluster-trials.sh, local
    # batch 10: the report's cpu_seconds 0.245 s over 64 x 200 game-generations), 100x100
    # 1.75 µs (headline, local batch 10); fixed part from 8x8 (cluster-calibrate.sh 3: 0.53 µs).
    "gen_fixed_us": 0.5,
    "gen_ns_per_cell": 0.071,
    # The driver's CPU per reply, request and reply together (the report's cpu_seconds: the driver
    # process only, spawns excluded), tiny boards at high load: 26.4 µs on one node, 30.3 µs on
    # three (cluster-calibrate.sh 1: 1,000 games of 8x8, 100 steps, batch 1, 100,000 replies);
    # and per KiB of board carried: 27.5 µs at 64 B, 30.7 at 2 KiB, 60.9 at 8 KiB, 130.9 at
    # 32 KiB (cluster-calibrate.sh 2; cluster-trials.sh big batch 1 gives 129-135 µs).
    "driver_reply_us": 28.0,
    "driver_reply_us_per_kib": 3.2,
    # ... and its growth with the number of node sessions: 31.5, 41.3, 67.2 µs per reply on 1, 8,
    # 32 nodes of --workers 1 (cluster-calibrate.sh 6, same trial): +1.15 µs per node, counted up
    # to `driver_reply_nodes_cap` nodes (the most measured; beyond, unmeasured: --reply-nodes-cap
    # raises it). Fewer replies per socket read and more wake-ups as sessions multiply, and 32
    # node processes sharing the driver's 2 cores here: partly this VM's artefact.
    "driver_reply_us_per_node": 1.15,
    "driver_reply_nodes_cap": 32,
    # The part of a reply on the runner's one task: at most the local runner's whole CPU per
    # reply, game actors and stepping included (cluster-calibrate.sh 1, local --workers 1: 7.0 µs).
    "driver_serial_us": 7.0,
    # The node's CPU per reply beside the stepping (from /proc around the same runs): 27-28 µs at
    # 64 B; 117 µs at 32 KiB once the 33 µs step is taken off (cluster-calibrate.sh 1 and 2).
    "node_reply_us": 27.0,
    "node_reply_us_per_kib": 2.6,
    # Loopback one-way: (round trip - both sides' CPU) / 2 = (116 - 54) / 2 (cluster-roundtrip.sh);
    # a LAN adds its own: --latency-us.
    "loopback_latency_us": 30.0,
    # Spawning and ending one game, driver CPU (whole process, /usr/bin/time; the 2,000-game
    # trial minus the 200-game one, 1 step, 8x8; cluster-calibrate.sh 4): 156, 200, 333, 444 µs
    # on 1, 8, 32, 64 nodes (RUNS=5): least squares 163 µs + 4.6 µs per node (an earlier run,
    # RUNS=3 on 1, 4, 16, 32 nodes: 172, 183, 283, 272 µs, 181 + 3.5 per node).
    "spawn_driver_us": 163.0,
    "spawn_driver_us_per_node": 4.6,
    # The same, node CPU per game it hosts (111 µs on one node; more with many idle nodes).
    "spawn_node_us": 111.0,
    # Control frames of the process-group sync per game and driver session: Spawn + PgJoin when
    # it starts, PgLeave + Terminate when it ends (ractor_cluster node_session.rs), each a
    # protobuf of the group name `game/DRIVER/KEY`, the pid and the scope: ~80 bytes (estimated
    # from the fields, not measured).
    "pg_frames_per_game": 4,
    "pg_frame_bytes": 80,
    # SQLite checkpoint writer (one thread, WAL, synchronous=NORMAL, this VM's virtual disk), per
    # snapshot, wall: 28.8-30.6 µs at 0.5 KiB (4,000 and 16,000 games of 64x64), 141 µs at 8 KiB
    # (4,000 of 256x256) (cluster-calibrate.sh 5: --checkpoint-every 0 against none, halved):
    # 22 µs + 15 µs per KiB. Per transaction: not separable from these; 1 ms assumed.
    "writer_snapshot_us": 22.0,
    "writer_us_per_kib": 15.0,
    "writer_tx_us": 1000.0,
    # A heartbeat: one small call (driver CPU per reply at 64 B).
    "beat_us": 28.0,
}


def board_kib(side):
    """KiB of a side x side board (rows padded to 64-bit words), as a reply or a snapshot holds it."""
    return math.ceil(side / 64) * 8 * side / 1024


def simulate(nodes, games, o, cal, rng):
    """One trial of `games` games on `nodes` nodes under options `o`: a dict of figures."""
    drivers = o.drivers
    # Sharded drivers: each takes its share of nodes and games; all alike, so one is simulated.
    nodes_d = max(1, nodes // drivers)
    games_d = max(1, math.ceil(games / drivers))
    # Sessions a node has: its driver, or every driver when they all connect to every node.
    sessions_per_node = drivers if o.connect_all else 1
    kib = board_kib(o.size)
    gen_us = cal["gen_fixed_us"] + cal["gen_ns_per_cell"] * o.size * o.size / 1000
    drv_fixed = cal["driver_reply_us"] + cal["driver_reply_us_per_node"] * (
        min(nodes_d, o.reply_nodes_cap or cal["driver_reply_nodes_cap"]) - 1)
    latency = o.latency_us if o.latency_us is not None else cal["loopback_latency_us"]
    nic_us_per_kib = 1024 * 8 / (o.nic_gbit * 1000) if o.nic_gbit else 0.0
    cores = o.driver_cores

    beats_per_s = nodes_d * 6.0 / o.heartbeat_timeout
    beat_share = beats_per_s * cal["beat_us"] / 1e6 / cores
    capacity = 1.0 - beat_share
    if capacity <= 0.05:
        return {"nodes": nodes, "games": games, "bottleneck": "heartbeats", "beat_share": beat_share}

    def service(cpu, serial):
        """Fan-in service time of `cpu` µs of driver CPU, `serial` of it on the runner's task."""
        return max(cpu / cores, serial) / capacity

    # Games go to node g mod N (least-loaded placement of equal nodes); the runner calls them in
    # game order. With --reply-per-node, a node answers a round with one frame for all its games.
    owner = [g % nodes_d for g in range(games_d)]
    every = o.checkpoint_every

    def one_round(start, batch, carry_kib):
        """One round from `start` (µs): its end, the driver's and nodes' CPU, the longest fan-in wait."""
        drv_kib = cal["driver_reply_us_per_kib"] * carry_kib
        node_cpu = cal["node_reply_us"] + cal["node_reply_us_per_kib"] * carry_kib
        if o.reply_per_node:
            issue = [service(drv_fixed / 2, cal["driver_serial_us"] / 2) if g < nodes_d else 0.0 for g in range(games_d)]
        else:
            issue = [service((drv_fixed + drv_kib) / 2, cal["driver_serial_us"] / 2)] * games_d
        sent = start
        free = [[start] * o.workers for _ in range(nodes_d)]
        arrivals = []
        node_busy = 0.0
        for g in range(games_d):
            sent += issue[g]
            j = owner[g]
            begin = max(heapq.heappop(free[j]), sent + latency)
            work = batch * gen_us * rng.lognormvariate(0.0, o.jitter) + node_cpu
            node_busy += work
            heapq.heappush(free[j], begin + work)
            arrivals.append((begin + work + latency, j))
        d, nic, wait, busy = sent, 0.0, 0.0, 0.0
        fifo = sum(issue)  # the fan-in's busy time: issuing, then serving replies
        if o.reply_per_node:
            last, count = {}, {}
            for at, j in arrivals:
                last[j] = max(last.get(j, 0.0), at)
                count[j] = count.get(j, 0) + 1
            for j in sorted(last, key=last.get):
                nic = max(nic, last[j]) + count[j] * carry_kib * nic_us_per_kib
                cpu = drv_fixed / 2 + count[j] * drv_kib
                wait = max(wait, d - nic)
                svc = service(cpu, count[j] * cal["driver_serial_us"] / 2)
                d = max(d, nic) + svc
                fifo += svc
                busy += cpu + drv_fixed / 2
        else:
            arrivals.sort()
            svc = service((drv_fixed + drv_kib) / 2, cal["driver_serial_us"] / 2)
            for at, _ in arrivals:
                nic = max(nic, at) + carry_kib * nic_us_per_kib
                wait = max(wait, d - nic)
                d = max(d, nic) + svc
            fifo += games_d * svc
            busy = games_d * (drv_fixed + drv_kib)
        return d, busy, node_busy, wait, fifo

    # Rounds are independent (each starts when the last reply of the one before is in), so each
    # kind of round (batch length, board carried or not) is simulated a few times and counted.
    kinds = {}
    generation = 0
    while generation < o.steps:
        batch = min(o.batch, o.steps - generation)
        after = generation + batch
        due = after >= o.steps or (every and after // every > generation // every)
        carry = kib if (o.reply == "board" or due) else 0.0625  # a summary: ~64 bytes
        kinds[(batch, carry)] = kinds.get((batch, carry), 0) + 1
        generation = after
    rounds = sum(kinds.values())
    stepping = driver_busy = node_busy = backlog = carried = fifo_busy = 0.0
    for (batch, carry), count in kinds.items():
        samples = min(count, max(2, o.max_events // (games_d * len(kinds))))
        t = 0.0
        for _ in range(samples):
            end, busy, nbusy, wait, fifo = one_round(t, batch, carry)
            stepping += (end - t) * count / samples
            fifo_busy += fifo * count / samples
            driver_busy += busy * count / samples
            node_busy += nbusy * count / samples
            backlog = max(backlog, wait)
            t = end
        carried += count * games_d * carry
    stepping_s = stepping / 1e6

    # Spawn phase and teardown: the process-group sync. A driver hears every game of every node
    # it is connected to (with --connect-all, the other drivers' games too: a RemoteActor each).
    nodes_seen = nodes if o.connect_all else nodes_d
    games_heard = games if o.connect_all else games_d
    per_game = cal["spawn_driver_us"] + cal["spawn_driver_us_per_node"] * nodes_seen
    spawn_cpu = games_d * per_game + (games_heard - games_d) * (per_game / 2)
    spawn_node = math.ceil(games_d / nodes_d) * cal["spawn_node_us"] * (games_heard / games_d)
    spawn_s = max(spawn_cpu / cores, spawn_node) / 1e6
    pg_frames = games_d * cal["pg_frames_per_game"] * sessions_per_node
    pg_notifications = 2 * games_heard * nodes_seen

    # Checkpoints: the journal's creation, the writer's load, the final save.
    ck = {}
    journal_s = 0.0
    if o.checkpoint_every:
        per_snapshot = cal["writer_snapshot_us"] + cal["writer_us_per_kib"] * kib
        journal_s = games_d * per_snapshot / 1e6
        saves = o.steps // o.checkpoint_every
        demand = games_d * saves / max(stepping_s, 1e-9)  # snapshots per second
        writer_util = (demand * per_snapshot + saves / max(stepping_s, 1e-9) * cal["writer_tx_us"]) / 1e6
        ck = {
            "snapshots_per_s": demand,
            "writer_snapshots_per_s": 1e6 / per_snapshot,
            "writer_mib_per_s": demand * kib / 1024,
            "writer_util": writer_util,
            "final_save_s": games_d * per_snapshot / 1e6,
            "journal_s": journal_s,
        }
    ideal_s = games_d * o.steps * gen_us / (nodes_d * o.workers) / 1e6
    total_s = journal_s + spawn_s + stepping_s + ck.get("final_save_s", 0.0)
    util = {
        # The fan-in's FIFO busy time (its CPU over the cores, or the runner's serial share where
        # that is longer), heartbeats included.
        "driver fan-in": fifo_busy * capacity / 1e6 / max(stepping_s, 1e-9) + beat_share,
        "node workers": node_busy / 1e6 / (nodes_d * o.workers) / max(stepping_s, 1e-9),
        "checkpoint writer": ck.get("writer_util", 0.0),
        "driver NIC": carried * nic_us_per_kib / 1e6 / max(stepping_s, 1e-9),
    }
    bottleneck = max(util, key=util.get)
    setup = journal_s + spawn_s + ck.get("final_save_s", 0.0)
    if setup > stepping_s:
        bottleneck = "checkpoint journal/final save" if journal_s + ck.get("final_save_s", 0) > spawn_s else "spawn/pg sync"
    return {
        "nodes": nodes,
        "games": games,
        "drivers": drivers,
        "rounds": rounds,
        "spawn_s": spawn_s,
        "stepping_s": stepping_s,
        "total_s": total_s,
        "ideal_s": ideal_s,
        "efficiency": ideal_s / stepping_s if stepping_s else 0.0,
        "util": util,
        "driver_cpu_util": driver_busy / 1e6 / cores / max(stepping_s, 1e-9) + beat_share,
        "beats_per_s": beats_per_s,
        "beat_share": beat_share,
        "fanin_wait_max_s": backlog / 1e6,
        "driver_in_mib_per_s": carried / 1024 / max(stepping_s, 1e-9),
        "replies_per_s": games_d * rounds / max(stepping_s, 1e-9),
        "pg_frames": pg_frames,
        "pg_bytes": pg_frames * cal["pg_frame_bytes"],
        "pg_notifications": pg_notifications,
        "bottleneck": bottleneck,
        **ck,
    }


def knee(o, cal):
    """How many nodes one driver keeps busy: its fan-in's replies per second over one node's, for
    rounds that carry a board (or not), from the calibration alone (the driver's cost per reply
    grows with the nodes, so the answer is found by iteration)."""
    carry = board_kib(o.size) if o.reply == "board" else 0.0625
    gen_us = cal["gen_fixed_us"] + cal["gen_ns_per_cell"] * o.size * o.size / 1000
    node = 1e6 * o.workers / (o.batch * gen_us + cal["node_reply_us"] + cal["node_reply_us_per_kib"] * carry)
    cap = o.reply_nodes_cap or cal["driver_reply_nodes_cap"]
    n = 1.0
    for _ in range(100):
        fixed = cal["driver_reply_us"] + cal["driver_reply_us_per_node"] * (min(n, cap) - 1)
        per_reply = (0.0 if o.reply_per_node else fixed) + cal["driver_reply_us_per_kib"] * carry
        serial = cal["driver_serial_us"] / 2 if o.reply_per_node else cal["driver_serial_us"]
        driver = 1e6 / max(per_reply / o.driver_cores, serial)
        n = max(1.0, driver / node)
    return driver, node, driver / node


VARIANTS = {
    "as-is": {},
    "summaries": {"reply": "summary"},
    "per-node": {"reply_per_node": True},
    "per-node+summaries": {"reply_per_node": True, "reply": "summary"},
    "sharded-10": {"drivers": 10},
    "sharded-10-all": {"drivers": 10, "connect_all": True},
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--nodes", type=int, nargs="*", default=[1, 3, 10, 100])
    p.add_argument("--games", type=int, nargs="*", default=[100, 1000, 10000])
    p.add_argument("--size", type=int, default=512, help="board side (512: the benchmarks' 64 games x 512² x 200)")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--batch", type=int, nargs="*", default=[1, 10])
    p.add_argument("--workers", type=int, default=2, help="workers per node (this VM: 2)")
    p.add_argument("--driver-cores", type=int, default=2)
    p.add_argument("--drivers", type=int, default=1, help="independent drivers sharing the nodes and games")
    p.add_argument("--connect-all", action="store_true", help="with --drivers: every driver connected to every node")
    p.add_argument("--reply", choices=["board", "summary"], default="board", help="what a step reply carries")
    p.add_argument("--reply-per-node", action="store_true", help="one reply frame per node and round")
    p.add_argument("--checkpoint-every", type=int, default=100, help="generations; 0: no --checkpoint")
    p.add_argument("--heartbeat-timeout", type=float, default=3.0)
    p.add_argument("--latency-us", type=float, default=100.0, help="one-way link latency (a LAN; loopback: 30)")
    p.add_argument("--nic-gbit", type=float, default=10.0, help="the driver's NIC; 0: unlimited")
    p.add_argument("--reply-nodes-cap", type=int, default=None,
                   help="nodes up to which the driver's cost per reply grows (default: the most measured, 32)")
    p.add_argument("--jitter", type=float, default=0.1, help="lognormal sigma of one call's stepping time")
    p.add_argument("--max-events", type=int, default=300_000, help="replies simulated per trial; later rounds extrapolated")
    p.add_argument("--variant", choices=list(VARIANTS) + ["all"], help="a design change (see VARIANTS)")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--calibration", help="a JSON file overriding entries of CALIBRATION")
    p.add_argument("--json", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args()
    cal = dict(CALIBRATION)
    if a.calibration:
        with open(a.calibration) as f:
            cal.update(json.load(f))
    variants = ["as-is"] if a.variant is None else (list(VARIANTS) if a.variant == "all" else [a.variant])
    rows = []
    for variant in variants:
        for batch in a.batch:
            o = argparse.Namespace(**vars(a))
            o.batch = batch
            for k, v in VARIANTS[variant].items():
                setattr(o, k, v)
            for n in a.nodes:
                for g in a.games:
                    rng = random.Random(f"{a.seed}/{variant}/{batch}/{n}/{g}")
                    row = simulate(n, g, o, cal, rng)
                    row.update(variant=variant, batch=batch)
                    rows.append(row)
    if a.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"# {a.size}x{a.size} boards ({board_kib(a.size):g} KiB), {a.steps} generations, {a.workers} workers per "
          f"node, driver {a.driver_cores} cores, checkpoint every {a.checkpoint_every or 'never'}, latency "
          f"{a.latency_us:g} µs, NIC {a.nic_gbit:g} Gbit/s, seed {a.seed}")
    print(f"{'variant':<19} {'batch':>5} {'nodes':>5} {'games':>6} {'setup s':>8} {'step s':>8} {'total s':>8} "
          f"{'eff':>5} {'replies/s':>9} {'driver':>6} {'nodes':>6} {'writer':>6} {'wait s':>7}  saturates")
    for r in rows:
        if "util" not in r:
            print(f"{r['variant']:<19} {r['batch']:>5} {r['nodes']:>5} {r['games']:>6}  {r['bottleneck']}")
            continue
        u = r["util"]
        setup = r["total_s"] - r["stepping_s"]
        print(f"{r['variant']:<19} {r['batch']:>5} {r['nodes']:>5} {r['games']:>6} {setup:>8.2f} {r['stepping_s']:>8.2f} "
              f"{r['total_s']:>8.2f} {r['efficiency']:>5.2f} {r['replies_per_s']:>9.0f} {u['driver fan-in']:>6.0%} "
              f"{u['node workers']:>6.0%} {u['checkpoint writer']:>6.0%} {r['fanin_wait_max_s']:>7.3f}  {r['bottleneck']}")
        if a.verbose:
            shown = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items() if k != "util"}
            print("    " + json.dumps(shown))
    print_knees(a, cal, variants)


def print_knees(a, cal, variants):
    print("# one driver's fan-in against one node, replies per second (what the nodes can use):")
    for variant in variants:
        for batch in a.batch:
            o = argparse.Namespace(**vars(a))
            o.batch = batch
            for k, v in VARIANTS[variant].items():
                setattr(o, k, v)
            driver, node, n = knee(o, cal)
            print(f"#   {variant:<19} batch {batch:>4}: driver {driver:>8.0f}/s, node {node:>8.0f}/s -> "
                  f"saturated from {n:.1f} nodes")


if __name__ == "__main__":
    main()
