"""The tutorial's text format, byte for byte against the `colony` binary for the same seed."""

import pytest

from colony import ConwaysRules, Game, Rules, State


@pytest.mark.parametrize(
    "args, make",
    [
        (("--size", 10, "--seed", 7), lambda: State(size=10, seed=7)),
        (("--size", 5, "--seed", 0), lambda: State(size=5, seed=0)),
        (("--size", 1, "--seed", 3), lambda: State(size=1, seed=3)),
        (("--size", 2, "--seed", 11), lambda: State(size=2, seed=11)),
        (("--width", 70, "--height", 3, "--seed", 42), lambda: State(width=70, height=3, seed=42)),
        (("--width", 3, "--height", 9, "--seed", 2**64 - 1), lambda: State(width=3, height=9, seed=2**64 - 1)),
    ],
)
def test_soup_and_successive_states_match_the_binary(play_boards, args, make):
    expected = play_boards("--steps", 4, *args)
    game = Game(make(), ConwaysRules())
    states = [game.states[0]] + game.step(4)
    assert [str(s) for s in states] == expected
    assert [s.generation for s in states] == [0, 1, 2, 3, 4]


def test_other_rules_topology_and_density_match_the_binary(play_boards):
    expected = play_boards(
        "--size", 12, "--seed", 5, "--steps", 3, "--rule", "B36/S23", "--topology", "bounded", "--density", 0.3
    )
    game = Game(State(size=12, seed=5, density=0.3), Rules("B36/S23", topology="bounded"))
    assert [str(s) for s in [game.states[0]] + game.step(3)] == expected


def test_the_format_itself():
    # Each row: "| " + cells joined by one space ("*" live, " " dead) + " |"; no trailing newline.
    state = State(grid=[[1, 0, 0], [0, 1, 1]])
    assert str(state) == "| *     |\n|   * * |"
    assert str(State(grid=[[0]])) == "|   |"
