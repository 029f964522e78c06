#!/usr/bin/env python3
"""The tutorial's headline trial on one local Ray, side by side (issue 13's speed section).

    pip install ./crates/python -r crates/python/requirements-ray.txt
    python bench/python_ray.py                          # 8 games, 100x100, 50 steps, batch 1, seed 1, Ray on 2 CPUs
    python bench/python_ray.py --runs 5 --baseline-runs 3

Three ways, on the same `ray.init(num_cpus=...)`, timed as the tutorial times `run_ray_games` (the
stepping loop; the actors are made before the clock starts and killed after), medians of the runs:

1. the tutorial's Python engine (../shared/baseline/tutorial_baseline.py: its design, with Colony's
   soup recipe) in `RayGame` actors, one per game, `ray.wait` on every batch;
2. Colony's engine in the same `RayGame` actors (`@ray.remote class RayGame(colony.Game)`);
3. one `colony.Games` actor hosting all the games (`step(batch)` per batch, on the actor's CPUs);
   and, for scale, the same actor asked once for all the steps.

Every way must end with the same populations (game i is seeded seed + i everywhere), checked.
"""

import argparse
import importlib.util
import os
import pathlib
import shutil
import statistics
import tempfile
import time

import ray

import colony

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load_baseline(path):
    spec = importlib.util.spec_from_file_location("tutorial_baseline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_ray_games(actors, steps, batch_size):
    """The tutorial's loop: every batch to every actor, each result handled as it completes."""
    start = time.perf_counter()
    for _ in range(steps // batch_size):
        pending = [a.step.remote(batch_size) for a in actors]
        while pending:
            finished, pending = ray.wait(pending)
            for states in ray.get(finished):
                for state in states:
                    list(state.living_cells())
    return time.perf_counter() - start


def per_game_actors(make_actor, make_state, rules, a):
    actors = [make_actor.remote(make_state(i), rules) for i in range(a.games)]
    ray.get([x.get_states.remote() for x in actors])  # started before the clock, as in the tutorial
    seconds = run_ray_games(actors, a.steps, a.batch_size)
    populations = [int(s[-1].grid.sum()) for s in ray.get([x.get_states.remote() for x in actors])]
    for x in actors:
        ray.kill(x)
    return seconds, populations


def games_actor(a, cpus, calls):
    actor = ray.remote(num_cpus=cpus)(colony.Games).remote(a.games, a.size, a.seed)
    ray.get(actor.step.remote(0))  # started before the clock
    start = time.perf_counter()
    for k in calls:
        populations, _ = ray.get(actor.step.remote(k))
    seconds = time.perf_counter() - start
    ray.kill(actor)
    return seconds, [int(p) for p in populations]


def measure(label, runs, fn, results):
    times, populations = [], None
    for _ in range(runs):
        seconds, pops = fn()
        if populations is not None and pops != populations:
            raise SystemExit(f"{label}: populations changed between runs")
        times.append(seconds)
        populations = pops
    results.append((label, statistics.median(times), min(times), max(times), runs, populations))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--games", type=int, default=8)
    p.add_argument("--size", type=int, default=100)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--seed", type=int, default=1, help="game i uses seed + i")
    p.add_argument("--num-cpus", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--baseline-runs", type=int, default=3, help="runs of the tutorial's engine (~10 s each)")
    p.add_argument("--baseline", default=str(ROOT.parent / "shared" / "baseline" / "tutorial_baseline.py"))
    a = p.parse_args()

    temp = tempfile.mkdtemp(prefix="colray-")
    ray.init(
        num_cpus=a.num_cpus,
        object_store_memory=200 * 1024 * 1024,
        include_dashboard=False,
        logging_level="ERROR",
        log_to_driver=False,
        _temp_dir=temp,
    )
    load = os.getloadavg()
    results = []

    @ray.remote
    class RayGame(colony.Game):
        """The tutorial's actor, as it writes it, on Colony's engine."""

        def __init__(self, initial_state, rules):
            super().__init__(initial_state, rules)

        def get_states(self):
            return self.states

        def get_rules(self):
            return self.rules

    if a.baseline_runs > 0 and pathlib.Path(a.baseline).exists():
        base = load_baseline(a.baseline)

        @ray.remote
        class TutorialRayGame(base.Game):
            def __init__(self, initial_state, rules):
                super().__init__(initial_state, rules)

            def get_states(self):
                return self.states

        measure(
            "tutorial's engine, one RayGame actor per game",
            a.baseline_runs,
            lambda: per_game_actors(
                TutorialRayGame, lambda i: base.State(size=a.size, seed=a.seed + i), base.ConwaysRules(), a
            ),
            results,
        )
    measure(
        "colony's engine, the same RayGame actors",
        a.runs,
        lambda: per_game_actors(
            RayGame, lambda i: colony.State(size=a.size, seed=a.seed + i), colony.ConwaysRules(), a
        ),
        results,
    )
    batches = [a.batch_size] * (a.steps // a.batch_size)
    measure(
        f"one colony Games actor ({a.num_cpus} CPUs), step({a.batch_size}) x {len(batches)}",
        a.runs,
        lambda: games_actor(a, a.num_cpus, batches),
        results,
    )
    measure(
        f"one colony Games actor ({a.num_cpus} CPUs), step({a.steps}) once",
        a.runs,
        lambda: games_actor(a, a.num_cpus, [a.steps]),
        results,
    )
    ray.shutdown()
    shutil.rmtree(temp, ignore_errors=True)

    print(
        f"{a.games} games, {a.size}x{a.size}, {a.steps} steps, batch {a.batch_size}, seed {a.seed}; "
        f"local Ray {ray.__version__} on {a.num_cpus} CPUs; load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    reference = results[0][1]
    for label, median, low, high, runs, _ in results:
        print(
            f"  {label:<56} median {median * 1e3:10.2f} ms  (min {low * 1e3:.2f}, max {high * 1e3:.2f}, "
            f"{runs} runs)  x{reference / median:,.1f}"
        )
    populations = {tuple(r[5]) for r in results}
    if len(populations) != 1:
        raise SystemExit(f"the ways disagree: {[(r[0], r[5]) for r in results]}")
    print("  final populations (all ways):", " ".join(map(str, results[0][5])))
    print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
