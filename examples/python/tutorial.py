#!/usr/bin/env python3
"""The Ray actors tutorial's cells, top to bottom, on Colony's engine.

    pip install ./crates/python && python examples/python/tutorial.py             # as the tutorial runs
    python examples/python/tutorial.py --no-pause                                 # without its 0.1 s pauses

The only change to the tutorial's own code is the import: `from colony import Game, State,
ConwaysRules` in place of its `GameOfLife.py`. Its plotting helpers (Holoviews and Bokeh, from
`actor_lesson_util`) are replaced by the runners below, which do what the tutorial's do without the
graphs (graphs are `None`, as in the tutorial's own timing cells), and IPython's `%time` by `timed`.
The Ray cells run when `ray` is importable (`pip install ray`) and are skipped otherwise.
"""

import argparse
import contextlib
import resource
import sys
import time

import numpy as np

try:
    import ray
except ImportError:
    ray = None

# In [None]: the tutorial's GameOfLife.py, replaced.
from colony import ConwaysRules, Game, State

ARGS = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ARGS.add_argument("--no-pause", action="store_true", help="no pauses between batches (quick)")
ARGS.add_argument("--no-ray", action="store_true", help="skip the Ray cells even if ray is installed")
ARGS = ARGS.parse_args()
PAUSE = 0.0 if ARGS.no_pause else 0.1
USE_RAY = ray is not None and not ARGS.no_ray


# Stand-ins for the tutorial's actor_lesson_util: the same loops, no plots.
def new_game_of_life_grid(game_size, plot_size, x_grid=1, y_grid=1, shrink_factor=1.0):
    """The tutorial draws a grid of Holoviews plots; here there is nothing to draw."""
    return None, None


def run_games(games, graphs, steps, batch_size, pause_between_batches):
    start = time.time()
    for _ in range(steps // batch_size):
        time.sleep(pause_between_batches)
        for game in games:
            for state in game.step(batch_size):
                state.living_cells()  # what the tutorial's plots consume
    print(f"Total time for {len(games)} games, {steps:5d} steps, {batch_size:5d} batch size: {time.time() - start:6.3f} seconds")


def run_ray_games(game_actors, graphs, steps, batch_size, pause_between_batches):
    start = time.time()
    for _ in range(steps // batch_size):
        time.sleep(pause_between_batches)
        pending = [actor.step.remote(batch_size) for actor in game_actors]
        while pending:  # handle each game's states as soon as they are ready, as the tutorial does
            finished, pending = ray.wait(pending)
            for states in ray.get(finished):
                for state in states:
                    state.living_cells()
    print(f"Total time for {len(game_actors)} games, {steps:5d} steps, {batch_size:5d} batch size: {time.time() - start:6.3f} seconds")


@contextlib.contextmanager
def timed():
    """IPython's %time."""
    usage0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.time()
    yield
    usage1, wall = resource.getrusage(resource.RUSAGE_SELF), time.time() - wall0
    user, system = usage1.ru_utime - usage0.ru_utime, usage1.ru_stime - usage0.ru_stime
    print(f"CPU times: user {user:.2f} s, sys: {system:.3f} s, total: {user + system:.2f} s")
    print(f"Wall time: {wall:.2f} s\n")


# In [4]:
steps = 50  # Use a larger number for a long-running game.
game_size = 100
plot_size = 800


# In [5]:
def new_game(game_size):
    initial_state = State(size=game_size)
    rules = ConwaysRules()
    game = Game(initial_state=initial_state, rules=rules)
    return game


# In [6]:
game = new_game(10)
print(game.states[0])
print()

# In [7]:
_, graphs = new_game_of_life_grid(game_size, plot_size, x_grid=1, y_grid=1, shrink_factor=1.0)


# In [8]:
def do_trial(graphs, num_games=1, steps=steps, batch_size=1, game_size_for_each=game_size, pause_between_batches=0.0):
    games = [new_game(game_size_for_each) for _ in range(num_games)]
    run_games(games, graphs, steps, batch_size, pause_between_batches)


# In [9]:
with timed():
    do_trial(graphs, pause_between_batches=PAUSE)

# In [10]:
print(steps * PAUSE)
print()

# In [11]:
x_grid = 5
y_grid = 3
shrink_factor = y_grid  # Instead of 1 N-size game, build N/shrinkfactor size games
small_game_size = round(game_size / shrink_factor)

# In [12]:
gridspace, all_graphs = new_game_of_life_grid(small_game_size, plot_size, x_grid, y_grid, shrink_factor)

# In [13]:
with timed():
    do_trial(
        all_graphs,
        num_games=x_grid * y_grid,
        steps=steps,
        batch_size=1,
        game_size_for_each=small_game_size,
        pause_between_batches=PAUSE,
    )

if USE_RAY:
    # In [14]:
    context = ray.init(ignore_reinit_error=True, include_dashboard=False, logging_level="ERROR")

    # In [16]:
    @ray.remote
    class RayGame(Game):
        def __init__(self, initial_state, rules):
            super().__init__(initial_state, rules)

        def get_states(self):
            return self.states

        def get_rules(self):
            return self.rules

    # In [17]:
    def new_ray_game(game_size):
        initial_state = State(size=game_size)
        rules = ConwaysRules()
        ray_game_actor = RayGame.remote(initial_state, rules)  # Note that .remote(...) is used to construct the instance.
        return ray_game_actor

    # In [18]:
    def try_ray_game_actor():
        ray_game_actor = new_ray_game(small_game_size)
        print(f"Actor for game: {ray_game_actor}")
        init_states = ray.get(ray_game_actor.step.remote())
        print(f"Initial state:\n{init_states[0]}")
        new_states = ray.get(ray_game_actor.step.remote())
        print(f"State after step #1:\n{new_states[0]}")

    try_ray_game_actor()
    print()

    # In [19]:
    def do_ray_trial(graphs, num_games=1, steps=steps, batch_size=1, game_size_for_each=game_size, pause_between_batches=0.0):
        game_actors = [new_ray_game(game_size_for_each) for _ in range(num_games)]
        run_ray_games(game_actors, graphs, steps, batch_size, pause_between_batches)

    # In [20]:
    ray_gridspace, ray_graphs = new_game_of_life_grid(small_game_size, plot_size, x_grid, y_grid, shrink_factor)

    # In [None]:
    with timed():
        do_ray_trial(
            ray_graphs,
            num_games=x_grid * y_grid,
            steps=steps,
            batch_size=1,
            game_size_for_each=small_game_size,
            pause_between_batches=PAUSE,
        )

    # In [34]:
    num_cpus_float = ray.cluster_resources()["CPU"]
    print(num_cpus_float)
    print()

    # In [36]:
    with timed():
        do_trial(None, num_games=round(num_cpus_float), steps=steps, batch_size=1, game_size_for_each=game_size, pause_between_batches=0.0)

    # In [37]:
    with timed():
        do_ray_trial(None, num_games=round(num_cpus_float), steps=steps, batch_size=1, game_size_for_each=game_size, pause_between_batches=0.0)
else:
    print("(ray is not installed: the Ray cells are skipped; `pip install ray` to run them)\n")

# In [35]:
for batch in [1, 10, 25, 50]:
    for run in [0, 1]:
        do_trial(graphs=None, num_games=1, steps=steps, batch_size=batch, game_size_for_each=game_size, pause_between_batches=0.0)

if USE_RAY:
    # In [41]:
    for batch in [1, 10, 25, 50]:
        for run in [0, 1]:
            do_ray_trial(graphs=None, num_games=1, steps=steps, batch_size=batch, game_size_for_each=game_size, pause_between_batches=0.0)
    ray.shutdown()

sys.exit(0)
