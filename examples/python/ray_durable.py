#!/usr/bin/env python3
"""A durable Games actor on Ray: its worker is killed midway, Ray restarts it, and it ends exactly
where an uninterrupted run ends.

    pip install ./crates/python -r crates/python/requirements-ray.txt
    python examples/python/ray_durable.py                      # 16 games, 128x128, 2000 generations
    colony checkpoints /tmp/colony-durable/games.db            # the file is Colony's checkpoint format

The actor is created with `max_restarts` (Ray restarts it, re-running `__init__`, which resumes from
the file) and `max_task_retries` (Ray retries the call the kill interrupted on the restarted actor).
It is pinned to this node (NodeAffinitySchedulingStrategy), where its checkpoint file lives.
"""

import argparse
import os
import pathlib
import signal
import time

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from colony import Games, open_checkpoints


@ray.remote(max_restarts=1, max_task_retries=1)
class DurableGames(Games):
    """colony.Games, with two methods for the demonstration."""

    def pid(self):
        return os.getpid()

    def restored_from(self):
        return self.restored


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--games", type=int, default=16)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--every", type=int, default=100, help="checkpoint every N generations")
    p.add_argument("--kill-at", type=int, default=900, help="generation after which the worker is killed")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dir", default="/tmp/colony-durable", help="where the checkpoint file goes (a local disk)")
    a = p.parse_args()

    folder = pathlib.Path(a.dir)
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "games.db"
    for leftover in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        leftover.unlink(missing_ok=True)  # a fresh trial each time this demonstration runs

    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    try:
        here = ray.get_runtime_context().get_node_id()
        actor = DurableGames.options(
            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=here, soft=False)
        ).remote(a.games, a.size, a.seed, steps=a.steps, checkpoint=str(db), every=a.every)

        start = time.time()
        ray.get(actor.step_to.remote(a.kill_at))
        pid = ray.get(actor.pid.remote())
        print(f"generation {a.kill_at} reached by worker {pid}; killing it (SIGKILL)")
        os.kill(pid, signal.SIGKILL)
        populations, outcomes = ray.get(actor.run.remote())  # retried on the restarted actor
        restored, new_pid = ray.get([actor.restored_from.remote(), actor.pid.remote()])
        print(f"restarted as worker {new_pid}, restored from generation {restored}, finished at {a.steps} "
              f"in {time.time() - start:.2f} s")
        ray.kill(actor)
    finally:
        ray.shutdown()

    straight = Games(a.games, a.size, a.seed)
    straight.step(a.steps)
    same = populations.tolist() == straight.populations.tolist()
    print("final populations:", " ".join(map(str, populations.tolist())))
    print(f"equal to an uninterrupted run: {same}")
    with open_checkpoints(db) as cp:
        trial = cp.trials[-1]
        print(f"{db}: trial {trial.id}, {trial.games} games at generation {trial.min_generation}, "
              f"{'finished' if trial.finished else 'unfinished'}")
    if not same:
        raise SystemExit("the restored run ended elsewhere")


if __name__ == "__main__":
    main()
