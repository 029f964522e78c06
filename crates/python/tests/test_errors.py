"""Bad input is a Python exception with a message: ValueError, TypeError or OSError, never a panic."""

import pytest

from colony import ConwaysRules, Game, Games, Rules, State, parse_pattern, read_pattern


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: Rules("B9/S23"), ValueError, "more than 8"),
        (lambda: Rules(""), ValueError, "empty rule"),
        (lambda: Rules("B3/S23", "klein"), ValueError, "unknown topology"),
        (lambda: ConwaysRules(topology="sphere"), ValueError, "unknown topology"),
        (lambda: State(size=0), ValueError, "at least 1"),
        (lambda: State(width=-3, height=2), ValueError, "at least 1"),
        (lambda: State(size=2.5), TypeError, "integer"),
        (lambda: State(size=4, seed=-1), ValueError, "seed"),
        (lambda: State(size=4, seed=2**64), ValueError, "seed"),
        (lambda: State(size=4, density=1.5), ValueError, "density"),
        (lambda: State(size=4, density=float("nan")), ValueError, "density"),
        (lambda: State(size=3, grid=[[0, 1], [1, 0]]), ValueError, "size=3"),
        (lambda: State(grid=[[0, 1]], seed=3), ValueError, "cannot be combined"),
        (lambda: State(size=2**20), ValueError, "too large"),
        (lambda: Game(State(size=3), ConwaysRules(), history=0), ValueError, "history"),
        (lambda: Game(State(size=3), ConwaysRules()).step(-1), ValueError, "num_steps"),
        (lambda: Game(State(size=3), ConwaysRules()).step("2"), TypeError, "num_steps"),
        (lambda: Games(0, 10, 1), ValueError, "at least 1"),
        (lambda: Games(2, 10, 1, threads=0), ValueError, "threads"),
        (lambda: parse_pattern("x = 3, y = 3\n9o!"), ValueError, r"^2:\d+: "),
        (lambda: parse_pattern("x = 0, y = 3\n!"), ValueError, "at least 1"),
        (lambda: parse_pattern("gosper-glider-gun", width=10, height=10), ValueError, "does not fit"),
        (lambda: parse_pattern("x = 3, y = 3, rule = B3/S23:K10,10\n3o!"), ValueError, "rule"),
        (lambda: State(size=4).to_rle(rules="B3/S23"), TypeError, "colony.Rules"),
    ],
)
def test_bad_input_raises(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_pattern(tmp_path / "missing.rle")
    with pytest.raises(IsADirectoryError):
        read_pattern(tmp_path)
    bad = tmp_path / "bad.rle"
    bad.write_text("x = 2, y = 1\n2o3o!\n")
    with pytest.raises(ValueError, match=r"bad\.rle:\d+:\d+: "):
        read_pattern(bad)
    with pytest.raises(OSError):
        State(size=3).write_rle(tmp_path / "no" / "such" / "dir.rle")


def test_generation_numbers_do_not_wrap():
    from colony import _colony

    last = State._from_core(_colony.state_from_words(3, 3, 2**64 - 2, b"\x00" * 24))
    game = Game(last, ConwaysRules())
    assert game.step(1)[0].generation == 2**64 - 1
    with pytest.raises(ValueError, match="largest generation"):
        game.step(1)
    assert game.advance(5).generation == 2**64 - 1  # advance stops at the last generation
