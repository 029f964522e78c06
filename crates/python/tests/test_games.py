"""Games: many games in one object, stepped without the GIL, equal to `colony trial`."""

import json
import os
import threading

import numpy as np

from colony import ConwaysRules, Game, Games, Rules, State


def test_games_equal_colony_trial_for_the_same_seeds(run_colony, tmp_path):
    report = tmp_path / "trial.json"
    run_colony("trial", "--games", 5, "--size", 48, "--steps", 60, "--seed", 11, "--mode", "sequential", "--report", report)
    results = json.loads(report.read_text())["runs"][0]["results"]
    games = Games(5, 48, 11)
    populations, outcomes = games.step(25)
    populations, outcomes = games.step(35)
    assert populations.tolist() == [r["population"] for r in results]
    assert [o.kind if o.kind != "still" else "still" for o in outcomes] == [r["outcome"].split()[0] for r in results]
    assert [f"{s._core.fingerprint:016x}" for s in games.states()] == [r["fingerprint"] for r in results]
    assert games.generations.tolist() == [60] * 5


def test_games_equal_single_games_and_any_thread_count():
    one = Games(7, 30, 100, threads=1, rules=Rules("B36/S23"))
    many = Games(7, 30, 100, threads=3, rules=Rules("B36/S23"))
    assert one.step(40)[0].tolist() == many.step(40)[0].tolist()
    for i in range(7):
        game = Game(State(size=30, seed=100 + i), Rules("B36/S23"))
        game.step(40)
        assert game.states[-1] == one.state(i) == many.state(i)


def test_boards_on_request():
    games = Games(3, seed=5, width=70, height=4)
    games.step(2)
    grids, words = games.grids(), games.words()
    assert grids.shape == (3, 4, 70) and words.shape == (3, 4, 2) and words.dtype == np.uint64
    bits = np.unpackbits(words.view(np.uint8), axis=-1, bitorder="little")[..., :70]
    assert np.array_equal(bits, grids)
    assert len(games) == 3 and games.seed == 5


def test_default_threads_follow_the_cpu_affinity():
    games = Games(2, 8, 1)
    assert games.threads == len(os.sched_getaffinity(0))


def test_step_releases_the_gil():
    # While one thread steps a large batch, another thread keeps running Python code: it records
    # times well inside the step's window, which it could not while the GIL was held.
    import time

    games = Games(2, 1024, 1, threads=1)
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    try:
        time.sleep(0.01)
        start = time.perf_counter()
        games.step(3000)
        end = time.perf_counter()
    finally:
        done.set()
        t.join()
    assert end - start > 0.05, "too quick to tell"
    inside = [x for x in ticks if start + 0.01 < x < end - 0.01]
    assert len(inside) >= 5, f"{len(inside)} ticks during a {end - start:.3f} s step"
