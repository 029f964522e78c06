"""Durable Games: checkpoints in Colony's SQLite format (the files `colony checkpoints` lists and
`colony resume` finishes), restored exactly after the process that wrote them was killed."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from colony import Games, State, open_checkpoints

N, SIZE, SEED, STEPS = 5, 40, 11, 90


def uninterrupted():
    games = Games(N, SIZE, SEED)
    games.step(STEPS)
    return games


def test_a_new_games_on_the_same_file_resumes_from_the_latest_checkpoint(tmp_path):
    db = tmp_path / "games.db"
    first = Games(N, SIZE, SEED, steps=STEPS, checkpoint=db, every=10)
    assert (first.restored, first.trial, first.checkpoint) == (None, 1, str(db))
    first.step(25)  # checkpoints at 10, 20 and 25 (the end of the call)
    del first
    again = Games(N, SIZE, SEED, steps=STEPS, checkpoint=db, every=10)
    assert again.restored == 25 and again.generations.tolist() == [25] * N
    populations, _ = again.run()
    reference = uninterrupted()
    assert populations.tolist() == reference.populations.tolist()
    assert [s for s in again.states()] == reference.states()
    # Finished: marked so in the file, and a third Games only reads it.
    with open_checkpoints(db) as cp:
        (trial,) = cp.trials
        assert trial.finished is not None and trial.complete and trial.target == STEPS
    third = Games(N, SIZE, SEED, steps=STEPS, checkpoint=db)
    assert third.restored == STEPS and third.run()[0].tolist() == reference.populations.tolist()


KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from colony import Games
    games = Games({n}, {size}, {seed}, steps={steps}, checkpoint=sys.argv[1], every=7)
    games.step_to({at})
    games.step(3)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def killed_midway(db, at):
    script = KILLED.format(n=N, size=SIZE, seed=SEED, steps=STEPS, at=at)
    done = subprocess.run([sys.executable, "-c", script, str(db)], capture_output=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr


def test_exact_after_the_writer_is_killed(tmp_path):
    db = tmp_path / "killed.db"
    killed_midway(db, 40)
    resumed = Games(N, SIZE, SEED, steps=STEPS, checkpoint=db, every=7)  # the dead writer's lease is taken over
    assert resumed.restored == 43
    assert resumed.run()[0].tolist() == uninterrupted().populations.tolist()


def test_colony_checkpoints_lists_it_and_colony_resume_finishes_it(tmp_path, run_colony):
    db = tmp_path / "cli.db"
    killed_midway(db, 50)
    listing = run_colony("checkpoints", db)
    assert "unfinished" in listing and f"{STEPS}" in listing, listing
    rows = [line.split() for line in listing.splitlines() if line.strip().split(" ")[0].isdigit()]
    game_rows = [r for r in rows if len(r) >= 4 and r[1] == str(SEED + int(r[0]))]
    assert [int(r[2]) for r in game_rows] == [53] * N, listing

    report = tmp_path / "resumed.json"
    run_colony("resume", db, "--report", report)
    resumed = json.loads(report.read_text())["runs"][0]["results"]
    trial = tmp_path / "trial.json"
    run_colony("trial", "--games", N, "--size", SIZE, "--steps", STEPS, "--seed", SEED, "--mode", "sequential", "--report", trial)
    straight = json.loads(trial.read_text())["runs"][0]["results"]
    expected = uninterrupted().populations.tolist()
    assert [r["population"] for r in resumed] == [r["population"] for r in straight] == expected
    assert [r["fingerprint"] for r in resumed] == [r["fingerprint"] for r in straight]
    # What colony resume finished, a Games reads back (finished: nothing left to run).
    finished = Games(N, SIZE, SEED, steps=STEPS, checkpoint=db)
    assert finished.restored == STEPS and finished.populations.tolist() == expected


def test_open_checkpoints_gives_trials_games_and_boards(tmp_path):
    db = tmp_path / "read.db"
    games = Games(N, SIZE, SEED, steps=STEPS, checkpoint=db)
    games.step(30)
    with open_checkpoints(db) as cp:
        (trial,) = cp.trials
        assert (trial.id, trial.games, trial.target, trial.min_generation, trial.complete) == (1, N, STEPS, 30, False)
        listed = cp.games()
        assert [g.game for g in listed] == list(range(N)) and [g.seed for g in listed] == [SEED + i for i in range(N)]
        assert {(g.rule, g.topology, g.width, g.height) for g in listed} == {("B3/S23", "torus", SIZE, SIZE)}
        assert cp.populations().tolist() == games.populations.tolist() == [g.population for g in listed]
        assert cp.generations().tolist() == [30] * N
        boards = cp.boards()
        assert boards.shape == (N, SIZE, SIZE) and boards.dtype == np.uint8
        assert np.array_equal(boards, games.grids())
        states = cp.states(trial=1)
        assert all(isinstance(s, State) and s.generation == 30 for s in states) and states == games.states()
        spec = cp.spec()  # what colony resume runs: 100 generations a message at most
        assert (spec["games"], spec["steps"], spec["seed"], spec["batch_size"]) == (N, STEPS, SEED, min(100, STEPS))
    with pytest.raises(ValueError, match="closed"):
        cp.trials


def test_colony_trials_checkpoint_files_open_too(tmp_path, run_colony):
    db = tmp_path / "trial.db"
    run_colony("trial", "--games", 3, "--size", 32, "--steps", 40, "--seed", 2, "--checkpoint", db, "--checkpoint-every", 10)
    with open_checkpoints(db) as cp:
        assert cp.trials[0].complete and cp.generations().tolist() == [40] * 3
        reference = Games(3, 32, 2)
        reference.step(40)
        assert np.array_equal(cp.boards(), reference.grids())


def test_checkpoint_errors_are_python_exceptions(tmp_path):
    db = tmp_path / "one.db"
    with pytest.raises(ValueError, match="steps="):
        Games(2, 10, 1, checkpoint=db)
    with pytest.raises(ValueError, match="seed="):
        Games(2, 10, steps=5, checkpoint=db)
    with pytest.raises(ValueError, match="every"):
        Games(2, 10, 1, steps=5, checkpoint=db, every=0)
    holder = Games(2, 10, 1, steps=5, checkpoint=db)
    with pytest.raises(OSError, match="pid"):  # a live writer holds the trial's lease
        Games(2, 10, 1, steps=5, checkpoint=db)
    with pytest.raises(ValueError, match="generation 5"):
        holder.step(6)
    holder.run()
    with pytest.raises(ValueError, match="a file of its own"):
        Games(3, 10, 1, steps=5, checkpoint=db)
    text = tmp_path / "notes.db"
    text.write_text("not a database, and it must stay as it is\n" * 10)
    with pytest.raises(OSError):
        Games(2, 10, 1, steps=5, checkpoint=text)
    with pytest.raises(OSError):
        open_checkpoints(text)
    assert text.read_text().startswith("not a database")
    with pytest.raises(OSError):
        Games(2, 10, 1, steps=5, checkpoint=tmp_path / "no" / "such" / "folder.db")
    with pytest.raises(OSError):
        open_checkpoints(tmp_path / "missing.db")
    with pytest.raises(ValueError):
        open_checkpoints(db).games(trial=7)
    with pytest.raises(ValueError, match="no trial"):
        open_checkpoints(db).games(trial=2**70)
    with pytest.raises(ValueError, match="2\\^63|exceeds"):
        Games(2, 10, 1, steps=2**64 - 1, checkpoint=tmp_path / "far.db")
    with pytest.raises(ValueError, match="between 1 and"):
        Games(2_000_000, 1, 1, steps=5, checkpoint=tmp_path / "many.db")
    with pytest.raises(OSError, match="directory"):
        Games(2, 10, 1, steps=5, checkpoint=tmp_path)
    with pytest.raises(OSError, match="NUL"):
        Games(2, 10, 1, steps=5, checkpoint=str(tmp_path / "a\0b.db"))
    assert Games(2, 10, 1, steps=5, checkpoint=os.fsencode(tmp_path / "bytes.db")).trial == 1
    with pytest.raises(TypeError):
        Games(2, 10, 1, steps=5, checkpoint=3.5)
    assert not os.path.exists(tmp_path / "no")
