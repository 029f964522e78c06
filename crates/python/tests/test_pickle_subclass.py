"""Pickling (states travel between Ray workers) and subclassing (Ray's `class RayGame(Game)`)."""

import copy
import pickle
import subprocess
import sys

import pytest

import colony
from colony import ConwaysRules, Game, Rules, State, _colony


class TaggedState(State):
    pass


def test_states_rules_and_games_pickle():
    state = State(width=70, height=5, seed=9)
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(state, protocol=protocol))
        assert back == state and str(back) == str(state) and type(back) is State
    stepped = ConwaysRules().step(state)
    assert pickle.loads(pickle.dumps(stepped)).generation == 1
    for rules in (ConwaysRules(), Rules("B36/S23", "bounded")):
        back = pickle.loads(pickle.dumps(rules))
        assert back == rules and type(back) is type(rules)
    game = Game(State(size=12, seed=2), ConwaysRules())
    game.step(3)
    back = pickle.loads(pickle.dumps(game))
    assert back.states == game.states
    assert back.step(5) == game.step(5)  # the copy continues exactly as the original
    assert copy.deepcopy(game).states == game.states


def test_pickles_load_in_a_fresh_interpreter():
    data = pickle.dumps([State(size=6, seed=1), ConwaysRules()])
    code = "import pickle, sys; s, r = pickle.loads(sys.stdin.buffer.read()); print(r.step(s).population)"
    out = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, check=True)
    assert int(out.stdout) == ConwaysRules().step(State(size=6, seed=1)).population


def test_subclass_attributes_travel_too():
    state = TaggedState(size=5, seed=3)
    state.tag = "mine"
    back = pickle.loads(pickle.dumps(state))
    assert type(back) is TaggedState and back.tag == "mine" and back == state


def test_corrupt_pickled_words_are_refused():
    with pytest.raises(ValueError, match="words"):
        _colony.state_from_words(10, 10, 0, b"\x00" * 7)
    with pytest.raises(ValueError, match="at least 1x1"):
        _colony.state_from_words(0, 10, 0, b"")
    # Padding bits past the board's width are cleared, whatever the bytes say.
    padded = _colony.state_from_words(3, 1, 0, b"\xff" * 8)
    assert padded.population == 3


def test_subclasses_keep_their_class_through_steps():
    game = Game(TaggedState(size=8, seed=1), ConwaysRules())
    assert all(type(s) is TaggedState for s in game.step(3))
    assert type(ConwaysRules().step(TaggedState(size=4, seed=1))) is TaggedState


class RayLikeGame(Game):
    """The tutorial's RayGame without the decorator."""

    def __init__(self, initial_state, rules):
        super().__init__(initial_state, rules)

    def get_states(self):
        return self.states

    def get_rules(self):
        return self.rules


def test_the_tutorials_raygame_subclass_built_the_way_ray_builds_actors():
    # Ray creates an actor with cls.__new__(cls), then calls __init__ on it.
    game = RayLikeGame.__new__(RayLikeGame)
    game.__init__(State(size=10, seed=7), ConwaysRules())
    init_states = game.step()
    assert len(init_states) == 1 and len(game.get_states()) == 2
    assert isinstance(game.get_rules(), ConwaysRules)
    # Every method Ray would expose is a plain Python function.
    for name in ("step", "advance", "get_states", "get_rules"):
        assert callable(getattr(type(game), name).__get__(game))
        assert type(getattr(type(game), name)).__name__ == "function"


def test_package_exports():
    for name in colony.__all__:
        assert hasattr(colony, name)
