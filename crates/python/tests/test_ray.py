"""The tutorial's RayGame on the session's local Ray (conftest's `local_ray`: skipped without ray,
failed under COLONY_REQUIRE_TOOLS=1): final populations equal `colony trial --report`'s for the
same seeds."""

import json

from colony import ConwaysRules, Game, Games, State


def test_the_tutorials_raygame_as_written(local_ray, run_colony, tmp_path):
    ray = local_ray

    @ray.remote
    class RayGame(Game):
        def __init__(self, initial_state, rules):
            super().__init__(initial_state, rules)

        def get_states(self):
            return self.states

        def get_rules(self):
            return self.rules

    seed, games, steps = 21, 3, 20
    actors = [RayGame.remote(State(size=40, seed=seed + i), ConwaysRules()) for i in range(games)]
    for _ in range(steps):  # the tutorial's run_ray_games: batch size 1, results as they complete
        pending = [a.step.remote(1) for a in actors]
        while pending:
            finished, pending = ray.wait(pending)
            for states in ray.get(finished):
                assert len(states) == 1 and states[0].living_cells() is not None
    finals = [ray.get(a.get_states.remote())[-1] for a in actors]
    assert [len(ray.get(a.get_states.remote())) for a in actors] == [steps + 1] * games
    assert isinstance(ray.get(actors[0].get_rules.remote()), ConwaysRules)

    report = tmp_path / "trial.json"
    run_colony("trial", "--games", games, "--size", 40, "--steps", steps, "--seed", seed, "--mode", "sequential", "--report", report)
    results = json.loads(report.read_text())["runs"][0]["results"]
    assert [s.population for s in finals] == [r["population"] for r in results]


def test_a_games_actor_hosts_many_games(local_ray):
    ray = local_ray
    GamesActor = ray.remote(Games)
    actor = GamesActor.remote(6, 32, 4)
    populations, outcomes = ray.get(actor.step.remote(30))
    local = Games(6, 32, 4)
    assert populations.tolist() == local.step(30)[0].tolist()
    assert len(outcomes) == 6


def test_a_durable_games_actor_is_exact_after_its_worker_is_killed(local_ray, run_colony, tmp_path):
    """A Games actor with max_restarts checkpoints into its own file; its worker process is
    SIGKILLed midway; Ray restarts it (re-running __init__, which resumes from the file) and retries
    the pending run() there: the populations are an uninterrupted run's and `colony trial`'s."""
    import os
    import signal

    ray = local_ray

    @ray.remote(max_restarts=1, max_task_retries=1)
    class DurableGames(Games):
        def pid(self):
            return os.getpid()

        def restored_from(self):
            return self.restored

    seed, games, size, steps = 31, 4, 48, 120
    db = tmp_path / "actor.db"
    actor = DurableGames.remote(games, size, seed, steps=steps, checkpoint=str(db), every=10)
    ray.get(actor.step_to.remote(64))
    first = ray.get(actor.pid.remote())
    assert ray.get(actor.restored_from.remote()) is None
    os.kill(first, signal.SIGKILL)
    populations, _ = ray.get(actor.run.remote())  # retried on the restarted actor
    assert ray.get(actor.pid.remote()) != first
    assert ray.get(actor.restored_from.remote()) == 64

    straight = Games(games, size, seed)
    straight.step(steps)
    report = tmp_path / "trial.json"
    run_colony("trial", "--games", games, "--size", size, "--steps", steps, "--seed", seed, "--mode", "sequential", "--report", report)
    results = json.loads(report.read_text())["runs"][0]["results"]
    assert populations.tolist() == straight.populations.tolist() == [r["population"] for r in results]
    ray.kill(actor)


def test_ray_trial_on_a_two_node_cluster_on_this_machine(local_ray):
    """examples/python/ray_trial.py --nodes 2: a ray.cluster_utils.Cluster of two 1-CPU nodes in its
    own process (the session's Ray stays up); both ways end with the same populations, and the
    Games actors are spread over both nodes."""
    import pathlib
    import subprocess
    import sys

    script = pathlib.Path(__file__).resolve().parents[3] / "examples" / "python" / "ray_trial.py"
    args = ["--nodes", "2", "--num-cpus", "1", "--games", "2", "--size", "32", "--steps", "5"]
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 node(s), 2 CPUs" in done.stdout, done.stdout
    (line,) = [l for l in done.stdout.splitlines() if l.startswith("Games actors per node:")]
    per_node = [int(part.rsplit(": ", 1)[1]) for part in line.split(": ", 1)[1].split(", ")]
    assert per_node == [1, 1], done.stdout
    assert "final populations:" in done.stdout
