"""Rules, topologies, RLE read/write and outcomes, beyond the tutorial."""

import numpy as np
import pytest

from colony import ConwaysRules, Game, Rules, State, parse_pattern, pattern_names, read_pattern

GLIDER = "#N Glider\nx = 3, y = 3, rule = B3/S23\nbo$2bo$3o!\n"


def test_rle_round_trip_through_a_file(tmp_path):
    state = State(width=37, height=11, seed=4)
    rules = Rules("B36/S23", "bounded")
    path = tmp_path / "soup.rle"
    state.write_rle(path, rules, name="a soup")
    back, back_rules, name = read_pattern(path)
    assert back == state and back_rules == rules and name == "a soup"


def test_plaintext_and_library():
    state, rules, name = parse_pattern("!Name: blinker\n...\nOOO\n...\n")
    assert state.grid.tolist() == [[0, 0, 0], [1, 1, 1], [0, 0, 0]] and name == "blinker"
    assert rules == ConwaysRules()
    assert "gosper-glider-gun" in pattern_names()
    gun = State.from_pattern("gosper-glider-gun", width=64, height=64)
    assert gun.population == 36 and (gun.width, gun.height) == (64, 64)


def test_a_glider_crosses_the_torus_and_matches_the_binary(play_boards):
    glider = State.from_pattern(GLIDER, width=8, height=8)
    expected = play_boards("--pattern", "glider", "--size", 8, "--steps", 4)
    game = Game(glider, ConwaysRules())
    assert [str(s) for s in [glider] + game.step(4)] == expected
    # After 4 generations a glider is itself moved one cell down and right.
    assert np.array_equal(game.states[-1].grid, np.roll(glider.grid, (1, 1), axis=(0, 1)))
    assert game.outcome.kind == "running"


def test_a_patterns_own_grid_gives_the_board_and_topology():
    state, rules, _ = parse_pattern("x = 3, y = 3, rule = B3/S23:P10,6\nbo$2bo$3o!")
    assert (state.width, state.height) == (10, 6) and rules.topology == "bounded"
    assert Rules.from_pattern("x = 1, y = 1, rule = 23/3\no!") == ConwaysRules()


def test_bounded_and_torus_differ_at_the_edge():
    corner = State(grid=[[1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]])
    torus = ConwaysRules().step(corner)
    bounded = ConwaysRules("bounded").step(corner)
    assert torus != bounded
    assert bounded.grid.tolist() == [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]


def test_other_rules():
    # HighLife (B36/S23): a dead cell with 6 neighbours is born; Conway leaves it dead.
    six = State(grid=[[1, 1, 1, 0, 0], [0, 0, 0, 0, 0], [1, 1, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]])
    assert Rules("B36/S23", "bounded").step(six).grid[1, 1] == 1
    assert Rules("B3/S23", "bounded").step(six).grid[1, 1] == 0
    assert Rules("23/3").rule == "B3/S23"


@pytest.mark.parametrize(
    "grid, kind, period",
    [
        (np.zeros((6, 6), dtype=int), "extinct", None),
        ([[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]], "still", 1),
        ([[0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0]], "oscillating", 2),
    ],
)
def test_outcomes(grid, kind, period):
    game = Game(State(grid=grid), ConwaysRules())
    game.step(3)
    assert (game.outcome.kind, game.outcome.period) == (kind, period)
    assert game.outcome.settled


def test_a_settled_game_advances_a_billion_generations_at_once():
    blinker = State.from_pattern("blinker", width=5, height=5)
    game = Game(blinker, ConwaysRules())
    last = game.advance(10**9 + 1)
    assert last.generation == 10**9 + 1 and str(game.outcome) == "oscillating (period 2)"
    assert last == ConwaysRules().step(blinker) and len(game.states) == 2
    assert game.step(1)[0] == blinker


def test_library_names_are_found_in_any_spelling_and_unknown_ones_listed():
    assert State.from_pattern("Gosper glider gun", width=40, height=40).population == 36
    assert parse_pattern("OOO")[0].population == 3  # a one-line plaintext, not a name
    with pytest.raises(ValueError, match="known patterns: .*glider"):
        parse_pattern("no-such-thing")
