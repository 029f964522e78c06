#!/usr/bin/env python3
"""Colony's Python module against the tutorial's Python, in one process (issue 13's speed section).

    pip install ./crates/python && python bench/python.py                 # 100x100, 100 steps, seed 1
    python bench/python.py --steps 500 --baseline-steps 20                # the baseline is ~0.1 s a step

Measures, median of --runs: `Game.step(n)` on a square soup (Colony, and the tutorial's baseline
from ../shared/baseline, on the same seed: their boards must agree), `State(grid=...)` and `.grid`
on a 4096x4096 board, and `Games(g, ...)` stepping g games on every CPU against g `Game`s one
after another. Prints one line per measurement.
"""

import argparse
import importlib.util
import pathlib
import statistics
import time

import numpy as np

from colony import ConwaysRules, Game, Games, State

ROOT = pathlib.Path(__file__).resolve().parents[1]


def median_seconds(runs, fn):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=100)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--baseline-steps", type=int, help="steps the baseline runs (default: --steps)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--games", type=int, default=8)
    p.add_argument("--baseline", default=str(ROOT.parent / "shared" / "baseline" / "tutorial_baseline.py"))
    a = p.parse_args()
    n, steps = a.size, a.steps

    colony_s = median_seconds(a.runs, lambda: Game(State(size=n, seed=a.seed), ConwaysRules()).step(steps))
    print(f"colony    Game.step({steps}) {n}x{n}: {colony_s * 1e3:9.3f} ms ({steps / colony_s:,.0f} generations/s)")

    path = pathlib.Path(a.baseline)
    if path.exists():
        spec = importlib.util.spec_from_file_location("tutorial_baseline", path)
        baseline = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(baseline)
        b_steps = a.baseline_steps or steps
        game = baseline.Game(baseline.State(size=n, seed=a.seed), baseline.ConwaysRules())
        start = time.perf_counter()
        game.step(b_steps)
        baseline_s = time.perf_counter() - start
        ours = Game(State(size=n, seed=a.seed), ConwaysRules()).step(b_steps)[-1]
        agree = np.array_equal(ours.grid, game.states[-1].grid)
        per_step = baseline_s / b_steps
        print(
            f"tutorial  Game.step({b_steps}) {n}x{n}: {baseline_s * 1e3:9.1f} ms ({1 / per_step:,.1f} generations/s); "
            f"colony is {per_step / (colony_s / steps):,.0f}x faster a generation; boards agree: {agree}"
        )
    else:
        print(f"(no baseline at {path})")

    grid = np.random.default_rng(a.seed).integers(0, 2, size=(4096, 4096), dtype=np.uint8)
    from_grid = median_seconds(a.runs, lambda: State(grid=grid))
    state = State(grid=grid)
    to_grid = median_seconds(a.runs, lambda: State._from_core(state._core).grid)
    print(f"colony    4096x4096: State(grid=...) {from_grid * 1e3:.1f} ms, .grid {to_grid * 1e3:.1f} ms")

    g = a.games
    one_by_one = median_seconds(
        a.runs, lambda: [Game(State(size=n, seed=a.seed + i), ConwaysRules()).step(steps) for i in range(g)]
    )
    batch = Games(g, n, a.seed)
    together = median_seconds(a.runs, lambda: Games(g, n, a.seed).step(steps))
    print(
        f"colony    {g} games {n}x{n}, {steps} steps: {g} Game.step {one_by_one * 1e3:.1f} ms, "
        f"Games.step on {batch.threads} threads {together * 1e3:.1f} ms ({one_by_one / together:.2f}x)"
    )


if __name__ == "__main__":
    main()
