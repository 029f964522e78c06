#!/usr/bin/env python3
"""One driver, N nodes, G games: where `colony trial --cluster` saturates (issue 11, "Speed").

A small discrete-event model of the design as it is (crates/cluster, ractor_cluster 0.16.5),
calibrated on the 2-core AMD EPYC VM with the measurements in CALIBRATION (each names the command
that gave it; BENCHMARKS.md and docs/cluster.md "At scale" give the runs). Python 3 stdlib only,
deterministic for a given --seed.

What is modelled, per round of a trial (the runner sends every game its batch, then waits for every
reply before the next round, as `colony trial` does):
  * the driver issues G step calls (its half of a call's CPU each), one after another;
  * each call crosses the link (one-way latency), queues on its node's workers (least-loaded
    placement: games spread evenly), steps `batch` generations (time per generation from the
    board's cells, jittered lognormally per call), and the node spends its CPU per reply;
  * every reply carries the game's whole board (`Detail::Last`: one summary and one board) and
    queues in the driver's fan-in: one FIFO whose service time per reply is the driver's CPU per
    reply spread over its cores, but never less than the part that runs on the runner's one task;
  * heartbeats: the driver calls every node every timeout/6 (500 ms by default); each beat costs
    a small call's CPU, taken off the driver's capacity;
  * checkpoints (`--checkpoint-every K`): every game hands its board to the driver's single SQLite
    writer every K generations; the writer coalesces (the newest board of a game wins), so an
    overloaded writer does not slow the trial, it writes older checkpoints (the work at risk on a
    node loss grows by the overload factor); the last flush is waited for at the end;
  * the spawn phase (process-group sync): each game spawned is announced by its node to every
    session it has (ractor_cluster's NodeSession monitors every group of every scope): a `Spawn`
    and a `PgJoin` control frame to each driver connected to that node, `PgLeave` and `Terminate`
    when it ends; at the driver, each announcement spawns a `RemoteActor` and `pg::join_scoped`
    notifies every session actor (one per node: the world listeners), so a spawn costs the driver
    a fixed part plus a part per node. Spawns and teardown are outside the report's `seconds`
    but inside the user's wait: both are reported.

Not modelled: TCP congestion and the NIC beyond a fixed bandwidth at the driver, memory, GC-like
pauses, node failures and restarts, stragglers beyond the jitter, the dashboard.

  bench/cluster-sim.py                         # the table of docs/cluster.md "At scale"
  bench/cluster-sim.py --nodes 100 --games 10000 --batch 10 --checkpoint-every 100 -v
  bench/cluster-sim.py --variant all           # the design changes, side by side
  bench/cluster-sim.py --json                  # machine-readable rows
"""

import argparse
import heapq
import json
import math
import random

# Every figure measured on this machine (2-core AMD EPYC VM), 2026-12-01; commands and runs in
# BENCHMARKS.md, "Cluster". Times in microseconds unless named otherwise.
CALIBRATION = {
    # Stepping: one generation of one board, from `colony trial --mode sequential` (seconds per
    # game-generation) on 512x512 (64 games, 200 generations) and 100x100 (8 games, 50): fitted as
    # fixed + per-cell.
    "gen_fixed_us": 0.8,
    "gen_ns_per_cell": 0.075,
    # The driver's CPU per reply (request and reply together), at high load: `colony trial
    # --cluster ONE --games 1000 --size 8 --steps 100 --batch-size 1` (the report's cpu_seconds,
    # the driver process's only, over 100,000 replies), and its growth with the board carried
    # (bench/cluster-trials.sh, 64 games of 512x512 at batch 1: 32 KiB a reply).
    "driver_reply_us": 20.0,
    "driver_reply_us_per_kib": 0.5,
    # The part of it on the runner's single task (the local runner's CPU per reply, tiny boards:
    # `colony trial --mode actors --workers 1 --games 1000 --size 8 --steps 100`), an upper bound.
    "driver_serial_us": 4.0,
    # The node's CPU per reply beside the stepping (from /proc around the same runs).
    "node_reply_us": 15.0,
    "node_reply_us_per_kib": 0.4,
    # Loopback one-way latency: half the remote round trip's median minus both sides' CPU
    # (bench/cluster-roundtrip.sh); a LAN adds its own (--latency-us).
    "latency_us": 20.0,
    # Spawning (and later ending) one game, driver CPU: fixed + per node session notified
    # (`colony trial --cluster … --games 2000 --size 8 --steps 1` with 1, 3 and 8 nodes, whole
    # process CPU minus the same with 200 games).
    "spawn_driver_us": 60.0,
    "spawn_driver_us_per_node": 1.0,
    # The node's host spawns serially: CPU per game on the node.
    "spawn_node_us": 40.0,
    # Control frames of the process-group sync per game and driver session (Spawn + PgJoin at
    # the start, PgLeave + Terminate at the end) and their size (a group `game/DRIVER/KEY`).
    "pg_frames_per_game": 4,
    "pg_frame_bytes": 90,
    # SQLite checkpoint writer (one thread, WAL, synchronous=NORMAL): per transaction and per
    # snapshot of a board, from `colony trial --mode actors --checkpoint F --checkpoint-every 0`
    # (one transaction of every game at the end) against the same without, 250 to 4,000 games
    # of 64x64 and of 256x256.
    "writer_tx_us": 2000.0,
    "writer_snapshot_us": 15.0,
    "writer_us_per_kib": 3.0,
    # The driver's heartbeat: one small call per node per beat.
    "beat_us": 20.0,
}


def board_bytes(side):
    """Bytes of a side x side board (rows padded to 64-bit words), as a reply carries it."""
    return math.ceil(side / 64) * 8 * side


class Config:
    def __init__(self, a, cal):
        self.__dict__.update(vars(a))
        self.cal = cal


def simulate(nodes, games, cfg, rng):
    """One trial: returns a dict of times, utilisations and the bottleneck."""
    cal = cfg.cal
    drivers = cfg.drivers
    # Sharded drivers: each takes nodes/drivers nodes and games/drivers games; all alike, so one is
    # simulated. Their nodes are still connected to every driver when --connect-all is given
    # (the process-group sync then reaches every driver).
    nodes_d = max(1, nodes // drivers)
    games_d = max(1, math.ceil(games / drivers))
    kib = board_bytes(cfg.size) / 1024
    reply_kib = kib if cfg.reply == "board" else 64 / 1024
    workers = cfg.workers
    gen_us = cal["gen_fixed_us"] + cal["gen_ns_per_cell"] * cfg.size * cfg.size / 1000
    # Per reply at the driver: CPU, its share on one task, and the service time of the fan-in.
    drv_cpu_fixed = cal["driver_reply_us"]
    drv_cpu_kib = cal["driver_reply_us_per_kib"] * reply_kib
    drv_cpu = drv_cpu_fixed + drv_cpu_kib
    node_cpu = cal["node_reply_us"] + cal["node_reply_us_per_kib"] * reply_kib
    beats_per_s = nodes_d * 6.0 / cfg.heartbeat_timeout
    beat_share = beats_per_s * cal["beat_us"] / 1e6 / cfg.driver_cores
    capacity = 1.0 - beat_share
    if capacity <= 0.05:
        return {"nodes": nodes, "games": games, "bottleneck": "heartbeat", "beat_share": beat_share}

    def drv_service(cpu, serial):
        """Fan-in service time of `cpu` µs of driver CPU of which `serial` µs on the runner's task."""
        return max(cpu / cfg.driver_cores, serial) / capacity

    latency = cfg.latency_us if cfg.latency_us is not None else cal["latency_us"]
    nic_us_per_kib = 1024 / (cfg.nic_gbit * 125) if cfg.nic_gbit else 0.0
    # Least-loaded placement by workers: games i go to node i mod N (all nodes alike), and the
    # runner calls them in game order.
    owner = [g % nodes_d for g in range(games_d)]
    rounds = math.ceil(cfg.steps / cfg.batch)
    sim_rounds = min(rounds, max(2, cfg.max_events // games_d))
    if cfg.reply_per_node:
        # One request and one reply frame per node and round: the fixed cost per frame, the
        # board's cost and the runner's bookkeeping per game.
        issue_cost = [0.0] * games_d
        for j in range(nodes_d):
            issue_cost[j] = drv_service(drv_cpu_fixed / 2, cal["driver_serial_us"] / 2)
    else:
        issue_cost = [drv_service(drv_cpu / 2, cal["driver_serial_us"] / 2)] * games_d
    t = 0.0
    driver_busy = 0.0
    node_busy = 0.0
    backlog_max = 0.0
    for r in range(sim_rounds):
        batch = min(cfg.batch, cfg.steps - r * cfg.batch)
        start = t
        free = [[start] * workers for _ in range(nodes_d)]
        arrivals = []
        sent = start
        for g in range(games_d):
            sent += issue_cost[g]
            j = owner[g]
            w = heapq.heappop(free[j])
            begin = max(w, sent + latency)
            work = batch * gen_us * rng.lognormvariate(0, cfg.jitter) + node_cpu
            node_busy += work
            heapq.heappush(free[j], begin + work)
            arrivals.append((begin + work + latency + reply_kib * nic_us_per_kib, j))
        d = sent
        if cfg.reply_per_node:
            last, count = {}, {}
            for at, j in arrivals:
                last[j] = max(last.get(j, 0.0), at)
                count[j] = count.get(j, 0) + 1
            for j in sorted(last, key=last.get):
                cpu = drv_cpu_fixed / 2 + count[j] * drv_cpu_kib
                svc = drv_service(cpu, count[j] * cal["driver_serial_us"] / 2)
                backlog_max = max(backlog_max, d - last[j])
                d = max(d, last[j]) + svc
                driver_busy += cpu + drv_cpu_fixed / 2
        else:
            arrivals.sort()
            svc = drv_service(drv_cpu / 2, cal["driver_serial_us"] / 2)
            for at, _ in arrivals:
                backlog_max = max(backlog_max, d - at)
                d = max(d, at) + svc
            driver_busy += games_d * drv_cpu
        t = d
    scale = rounds / sim_rounds
    stepping_s = t * scale / 1e6
    driver_busy *= scale
    node_busy *= scale

    # Spawn phase and teardown (process-group sync), outside the report's seconds.
    sessions = nodes if cfg.connect_all else nodes_d
    spawn_drv = games_d * (cal["spawn_driver_us"] + cal["spawn_driver_us_per_node"] * sessions)
    if cfg.connect_all:
        # Every driver hears every game's join, not only its own.
        spawn_drv += (games - games_d) * (cal["spawn_driver_us"] / 2 + cal["spawn_driver_us_per_node"] * sessions)
    spawn_node = math.ceil(games_d / nodes_d) * cal["spawn_node_us"]
    spawn_s = (max(spawn_drv / cfg.driver_cores, spawn_node) + 2 * latency) / 1e6
    teardown_s = spawn_drv / cfg.driver_cores / 1e6
    pg_frames = games_d * cal["pg_frames_per_game"] * (drivers if cfg.connect_all else 1)
    pg_notifications = 2 * games_d * sessions

    # Checkpoints: demand against the single writer's capacity.
    ck = {}
    if cfg.checkpoint_every:
        per_snapshot = cal["writer_snapshot_us"] + cal["writer_us_per_kib"] * kib
        checkpoints_per_game = cfg.steps // cfg.checkpoint_every
        demand = games_d * checkpoints_per_game / max(stepping_s, 1e-9)  # snapshots/s
        batches_per_s = demand / games_d  # one transaction per full checkpoint round at best
        capacity_snap = 1e6 / per_snapshot
        writer_util = (demand * per_snapshot + batches_per_s * cal["writer_tx_us"]) / 1e6
        final_flush_s = (cal["writer_tx_us"] + games_d * per_snapshot) / 1e6
        ck = {
            "checkpoint_demand_per_s": demand,
            "writer_capacity_per_s": capacity_snap,
            "writer_util": writer_util,
            "checkpoint_staleness_x": max(1.0, writer_util),
            "final_flush_s": final_flush_s,
            "writer_mib_per_s": demand * kib / 1024,
        }
    ideal_s = games_d * cfg.steps * gen_us / (nodes_d * workers) / 1e6
    total_s = spawn_s + stepping_s + teardown_s + ck.get("final_flush_s", 0.0)
    util = {
        "driver fan-in": driver_busy / 1e6 / cfg.driver_cores / max(stepping_s, 1e-9) + beat_share,
        "node workers": node_busy / 1e6 / (nodes_d * workers) / max(stepping_s, 1e-9),
    }
    if ck:
        util["checkpoint writer"] = ck["writer_util"]
    spawn_share = (spawn_s + teardown_s) / total_s
    bottleneck = max(util, key=util.get)
    if spawn_share > 0.5:
        bottleneck = "spawn/pg sync"
    return {
        "nodes": nodes,
        "games": games,
        "drivers": drivers,
        "rounds": rounds,
        "stepping_s": stepping_s,
        "spawn_s": spawn_s,
        "teardown_s": teardown_s,
        "total_s": total_s,
        "ideal_s": ideal_s,
        "efficiency": ideal_s / stepping_s if stepping_s else 0,
        "util": util,
        "beat_share": beat_share,
        "beats_per_s": beats_per_s,
        "fanin_backlog_max_s": backlog_max / 1e6,
        "driver_in_mib_per_s": games_d * rounds * reply_kib / 1024 / max(stepping_s, 1e-9),
        "pg_frames": pg_frames,
        "pg_notifications": pg_notifications,
        "spawn_share": spawn_share,
        "bottleneck": bottleneck,
        **ck,
    }


VARIANTS = {
    "as-is": {},
    "summaries": {"reply": "summary"},
    "per-node": {"reply_per_node": True},
    "sharded-10": {"drivers": 10},
    "sharded-10-all": {"drivers": 10, "connect_all": True},
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--nodes", type=int, nargs="*", default=[1, 3, 10, 100])
    p.add_argument("--games", type=int, nargs="*", default=[100, 1000, 10000])
    p.add_argument("--size", type=int, default=512, help="board side (512: 64 games x 512² x 200 of the benchmarks)")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--workers", type=int, default=2, help="workers per node (this VM: 2)")
    p.add_argument("--driver-cores", type=int, default=2)
    p.add_argument("--drivers", type=int, default=1)
    p.add_argument("--connect-all", action="store_true", help="sharded drivers each connected to every node")
    p.add_argument("--reply", choices=["board", "summary"], default="board")
    p.add_argument("--reply-per-node", action="store_true")
    p.add_argument("--checkpoint-every", type=int, default=100, help="0: no checkpoints")
    p.add_argument("--heartbeat-timeout", type=float, default=3.0)
    p.add_argument("--latency-us", type=float, default=None, help="one-way link latency (default: loopback's)")
    p.add_argument("--nic-gbit", type=float, default=10.0, help="driver NIC bandwidth; 0: unlimited")
    p.add_argument("--jitter", type=float, default=0.1, help="lognormal sigma of a batch's stepping time")
    p.add_argument("--max-events", type=int, default=400_000, help="replies simulated per trial; rounds beyond are extrapolated")
    p.add_argument("--variant", choices=list(VARIANTS) + ["all"], default=None)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--calibration", help="JSON file overriding CALIBRATION entries")
    p.add_argument("--json", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args()
    cal = dict(CALIBRATION)
    if a.calibration:
        cal.update(json.load(open(a.calibration)))
    variants = [None] if a.variant is None else (list(VARIANTS) if a.variant == "all" else [a.variant])
    rows = []
    for variant in variants:
        args = argparse.Namespace(**vars(a))
        for k, v in VARIANTS.get(variant, {}).items():
            setattr(args, k, v)
        cfg = Config(args, cal)
        for n in a.nodes:
            for g in a.games:
                rng = random.Random(f"{a.seed}/{variant}/{n}/{g}")
                row = simulate(n, g, cfg, rng)
                row["variant"] = variant or "as-is"
                rows.append(row)
    if a.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"# {a.size}x{a.size} boards, {a.steps} generations, batch {a.batch}, {a.workers} workers per node, "
          f"driver {a.driver_cores} cores, checkpoint every {a.checkpoint_every or 'never'}, seed {a.seed}")
    head = f"{'variant':<15} {'nodes':>5} {'games':>6} {'spawn s':>8} {'step s':>9} {'total s':>9} {'eff':>5} " \
           f"{'driver':>7} {'nodes':>6} {'writer':>7} {'pg frames':>10} {'pg notif':>10} {'backlog s':>9}  saturates"
    print(head)
    for r in rows:
        u = r["util"]
        print(f"{r['variant']:<15} {r['nodes']:>5} {r['games']:>6} {r['spawn_s']:>8.3f} {r['stepping_s']:>9.3f} "
              f"{r['total_s']:>9.3f} {r['efficiency']:>5.2f} {u['driver fan-in']:>7.0%} {u['node workers']:>6.0%} "
              f"{u.get('checkpoint writer', 0):>7.0%} {r['pg_frames']:>10} {r['pg_notifications']:>10} "
              f"{r['fanin_backlog_max_s']:>9.3f}  {r['bottleneck']}")
        if a.verbose:
            print("      " + json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items() if k != "util"}))


if __name__ == "__main__":
    main()
