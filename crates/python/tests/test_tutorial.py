"""The tutorial's API and semantics, against its Python implementation (../shared/baseline)."""

import numpy as np
import pytest

from colony import ConwaysRules, Game, State


@pytest.mark.parametrize("size, seed", [(1, 1), (2, 5), (3, 9), (10, 7), (64, 3), (100, 1)])
def test_soup_text_and_living_cells_match_the_baseline(baseline, size, seed):
    ours, theirs = State(size=size, seed=seed), baseline.State(size=size, seed=seed)
    assert np.array_equal(ours.grid, theirs.grid)
    assert str(ours) == str(theirs)
    assert ours.living_cells() == tuple(theirs.living_cells()) or ours.population == 0
    assert ours.size == theirs.size == size


@pytest.mark.parametrize("size, seed", [(1, 2), (2, 4), (3, 6), (5, 8), (17, 10)])
def test_steps_match_the_baseline_on_tiny_and_small_tori(baseline, size, seed):
    # On 1x1 and 2x2 tori the tutorial counts a cell several times (every offset wraps).
    ours = Game(State(size=size, seed=seed), ConwaysRules())
    theirs = baseline.Game(baseline.State(size=size, seed=seed), baseline.ConwaysRules())
    for a, b in zip(ours.step(6), theirs.step(6)):
        assert str(a) == str(b)
        assert np.array_equal(a.grid, b.grid)


def test_step_returns_successive_states_and_keeps_them_all():
    game = Game(State(size=20, seed=1), ConwaysRules())
    new = game.step(5)
    assert len(new) == 5 and len(game.states) == 6
    assert game.states[1:] == new
    rules = ConwaysRules()
    previous = game.states[0]
    for state in new:  # each is the step of the one before: not n copies of one generation
        assert state == rules.step(previous)
        previous = state
    assert [s.generation for s in game.states] == list(range(6))
    assert game.step(0) == [] and len(game.states) == 6
    assert len(game.step()) == 1 and len(game.states) == 7


def test_history_cap_keeps_the_newest_states():
    game = Game(State(size=16, seed=3), ConwaysRules(), history=3)
    new = game.step(10)
    assert len(new) == 10
    assert game.states == new[-3:]
    assert [s.generation for s in game.states] == [8, 9, 10]


def test_rules_step_is_a_new_state_and_the_old_one_is_unchanged():
    state = State(size=10, seed=7)
    before = state.grid.copy()
    after = ConwaysRules().step(state)
    assert after is not state and after.generation == 1
    assert np.array_equal(state.grid, before)
    with pytest.raises(ValueError):
        state.grid[0, 0] = 1  # states are immutable: the grid is read-only


def test_living_cells_has_the_tutorials_shape():
    state = State(grid=np.array([[0, 1, 0], [1, 0, 1]]))
    rows, cols = state.living_cells()
    cells = [(i, j) for i in range(2) for j in range(3) if state.grid[i][j] == 1]
    assert (rows, cols) == tuple(zip(*cells))
    assert State(grid=np.zeros((4, 4), dtype=int)).living_cells() == ((), ())


def test_the_tutorials_new_game_and_a_game_with_its_own_rules(baseline):
    # new_game() as the tutorial writes it; then the baseline's own (pure Python) rules driving
    # Colony's Game, stepped one state at a time as the tutorial does.
    game = Game(initial_state=State(size=10), rules=ConwaysRules())
    assert len(game.step(2)) == 2
    mixed = Game(State(size=8, seed=4), baseline.ConwaysRules())
    reference = Game(State(size=8, seed=4), ConwaysRules())
    assert [str(s) for s in mixed.step(3)] == [str(s) for s in reference.step(3)]
    assert mixed.outcome is None


def test_baseline_states_can_be_stepped_by_colony_rules(baseline):
    theirs = baseline.State(size=9, seed=12)
    assert str(ConwaysRules().step(theirs)) == str(baseline.ConwaysRules().step(theirs))


def test_random_soups_follow_numpys_global_seed():
    np.random.seed(1234)
    a = State(size=30)
    np.random.seed(1234)
    b = State(size=30)
    assert a == b and a != State(size=30)
