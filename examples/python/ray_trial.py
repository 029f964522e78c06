#!/usr/bin/env python3
"""The tutorial's Ray trial on Colony's engine: one RayGame actor per game, then one Games actor per CPU.

    pip install ./crates/python ray
    python examples/python/ray_trial.py                       # the tutorial's headline: 8 games, 100x100, 50 steps
    python examples/python/ray_trial.py --games 64 --steps 500 --batch-size 10
    python examples/python/ray_trial.py --address auto        # an already running Ray cluster (`ray start --head`)
    python examples/python/ray_trial.py --nodes 2             # a 2-node Ray cluster on this machine (ray.cluster_utils)

Game i is seeded seed + i in both modes, so both end with the same populations (and the same as
`colony trial --games G --size N --steps S --seed SEED --report r.json`), which the script checks.
Each mode prints the tutorial's timing line.
"""

import argparse
import time

import ray

from colony import ConwaysRules, Game, Games, State

TIMING = "Total time for {:d} games, {:5d} steps, {:5d} batch size: {:6.3f} seconds"


@ray.remote
class RayGame(Game):
    """The tutorial's actor, as it writes it."""

    def __init__(self, initial_state, rules):
        super().__init__(initial_state, rules)

    def get_states(self):
        return self.states

    def get_rules(self):
        return self.rules


def batches(steps, batch_size):
    # Every game advances exactly `steps` generations (the tutorial drops a last partial batch).
    return [batch_size] * (steps // batch_size) + ([steps % batch_size] if steps % batch_size else [])


def run_ray_games(actors, steps, batch_size):
    """The tutorial's run_ray_games: every batch to every actor, results handled as they complete."""
    start = time.time()
    for batch in batches(steps, batch_size):
        pending = [actor.step.remote(batch) for actor in actors]
        while pending:
            finished, pending = ray.wait(pending)
            for states in ray.get(finished):
                for state in states:
                    state.living_cells()
    print(TIMING.format(len(actors), steps, batch_size, time.time() - start))
    return [ray.get(a.get_states.remote())[-1].population for a in actors]


@ray.remote(num_cpus=1)
class GamesActor(Games):
    """A Games actor that can say which Ray node it runs on."""

    def node(self):
        return ray.get_runtime_context().get_node_id()


def run_games_actors(args, cpus):
    """One Games actor per CPU, each hosting a contiguous slice of the games (game i keeps seed + i)."""
    per_actor = -(-args.games // cpus)
    slices = [(first, min(per_actor, args.games - first)) for first in range(0, args.games, per_actor)]
    actors = [GamesActor.remote(n, args.size, args.seed + first, threads=1) for first, n in slices]
    start = time.time()
    populations = [None] * len(actors)
    for batch in batches(args.steps, args.batch_size):
        pending = {actor.step.remote(batch): i for i, actor in enumerate(actors)}
        while pending:
            finished, _ = ray.wait(list(pending))
            for ref in finished:
                populations[pending.pop(ref)] = ray.get(ref)[0]
    print(TIMING.format(args.games, args.steps, args.batch_size, time.time() - start), f"({len(actors)} Games actors)")
    nodes = ray.get([a.node.remote() for a in actors])
    print(f"Games actors per node: {', '.join(f'{n[:8]}: {nodes.count(n)}' for n in sorted(set(nodes)))}")
    return [int(p) for chunk in populations for p in chunk]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--games", type=int, default=8)
    p.add_argument("--size", type=int, default=100)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--seed", type=int, default=1, help="game i uses seed + i")
    p.add_argument("--address", help="a running Ray cluster (e.g. auto); default: a local one")
    p.add_argument("--num-cpus", type=int, help="CPUs of the local Ray, or of each of --nodes (default: all; 1 a node)")
    p.add_argument("--nodes", type=int, help="start a Ray cluster of this many nodes on this machine (ray.cluster_utils)")
    args = p.parse_args()

    cluster = None
    if args.address:
        ray.init(address=args.address, logging_level="ERROR")
    elif args.nodes:
        from ray.cluster_utils import Cluster

        per_node = {"num_cpus": args.num_cpus or 1, "object_store_memory": 100 * 1024 * 1024}
        cluster = Cluster(initialize_head=True, head_node_args={**per_node, "include_dashboard": False})
        for _ in range(args.nodes - 1):
            cluster.add_node(**per_node)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, logging_level="ERROR")
    else:
        ray.init(num_cpus=args.num_cpus, include_dashboard=False, logging_level="ERROR")
    try:
        cpus = max(1, round(ray.cluster_resources().get("CPU", 1)))
        alive = [n for n in ray.nodes() if n["Alive"]]
        print(f"Ray {ray.__version__}: {len(alive)} node(s), {cpus} CPUs")

        actors = [RayGame.remote(State(size=args.size, seed=args.seed + i), ConwaysRules()) for i in range(args.games)]
        per_game = run_ray_games(actors, args.steps, args.batch_size)
        del actors  # free the workers, as the tutorial's do_ray_trial does
        batched = run_games_actors(args, cpus)

        print("final populations:", " ".join(map(str, per_game)))
        if per_game != batched:
            raise SystemExit(f"the Games actors ended with other populations: {batched}")
    finally:
        ray.shutdown()
        if cluster is not None:
            cluster.shutdown()


if __name__ == "__main__":
    main()
