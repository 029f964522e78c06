"""Colony's Game of Life engine for Python.

The Ray actors tutorial's ``State``, ``ConwaysRules`` and ``Game`` as drop-in replacements for its
``GameOfLife.py``, on Colony's Rust engine::

    from colony import Game, State, ConwaysRules

    game = Game(State(size=10, seed=7), ConwaysRules())
    print(game.states[0])          # the tutorial's text format
    states = game.step(3)          # three successive new states

These are plain Python classes over the native core ``colony._colony`` (Ray exposes only Python
functions as actor methods and builds actors with ``cls.__new__(cls)``, so ``@ray.remote class
RayGame(Game)`` works as the tutorial writes it); every computation happens in Rust, with the GIL
released while boards are stepped. Beyond the tutorial: any Life-like rule (``Rules("B36/S23")``),
torus or bounded topology, RLE and plaintext patterns, outcome detection, and ``Games`` (many games
stepped on every core the process may use, for one Ray actor hosting many games).
"""

from __future__ import annotations

import datetime
import operator
import os
from typing import Any, Dict, List, NamedTuple, Optional, Tuple, TypeVar, Union

import numpy as np

from . import _colony

__all__ = [
    "State",
    "Rules",
    "ConwaysRules",
    "Game",
    "Games",
    "Outcome",
    "Checkpoints",
    "CheckpointTrial",
    "CheckpointGame",
    "open_checkpoints",
    "parse_pattern",
    "read_pattern",
    "pattern_names",
]

S = TypeVar("S", bound="State")
PathLike = Union[str, "os.PathLike[str]"]


class Outcome(NamedTuple):
    """What a game has settled into: ``kind`` is ``running``, ``extinct``, ``still`` or
    ``oscillating``; ``period`` is the number of generations between repeats (1 for a still life,
    ``None`` otherwise). ``str()`` gives Colony's wording, e.g. ``oscillating (period 2)``."""

    kind: str
    period: Optional[int]
    text: str

    def __str__(self) -> str:
        return self.text

    @property
    def settled(self) -> bool:
        """Whether the game will never show anything new."""
        return self.kind != "running"


def _outcome(raw: Tuple[str, Optional[int], str]) -> Outcome:
    return Outcome(*raw)


def _random_seed() -> int:
    # From numpy's global generator, so `np.random.seed(...)`, which the tutorial's world uses,
    # makes unseeded soups repeatable too.
    return int(np.random.randint(0, 2**64, dtype=np.uint64))


def _rebuild_state(cls: "type[State]", core: _colony.State) -> "State":
    return cls._from_core(core)


class State:
    """One generation of a board: immutable, as in the tutorial.

    ``State(size=10)`` is a random 10×10 soup; ``State(size=10, seed=7)`` is exactly the board
    ``colony play --size 10 --seed 7`` starts from; ``State(width=30, height=20, seed=1)`` any
    W×H; ``State(grid=array)`` takes a 2-D array of 0/1 (rows, columns) of any size.
    ``density`` (default 0.5, the tutorial's coin flip) sets the soup's fraction of live cells.
    """

    _core: _colony.State

    def __init__(
        self,
        size: Optional[int] = None,
        grid: Any = None,
        *,
        width: Optional[int] = None,
        height: Optional[int] = None,
        seed: Optional[int] = None,
        density: float = 0.5,
    ) -> None:
        if grid is not None:
            if seed is not None or density != 0.5:
                raise ValueError("seed and density describe random soups; they cannot be combined with grid")
            core = _colony.State.from_grid(_as_cell_array(grid))
            if size is not None and (core.width, core.height) != (size, size):
                raise ValueError(f"size={size} but the grid is {core.height}x{core.width} (rows x columns)")
            if width is not None and width != core.width:
                raise ValueError(f"width={width} but the grid has {core.width} columns")
            if height is not None and height != core.height:
                raise ValueError(f"height={height} but the grid has {core.height} rows")
        else:
            side = 10 if size is None else _count(size, "size")
            w = side if width is None else _count(width, "width")
            h = side if height is None else _count(height, "height")
            if seed is None:
                seed = _random_seed()
            core = _colony.State.soup(w, h, _seed(seed), float(density))
        self._core = core
        self._grid: Optional[np.ndarray] = None

    @classmethod
    def _from_core(cls: type[S], core: _colony.State) -> S:
        # What the engine returns becomes an instance of the caller's class (subclasses stay
        # subclasses through Rules.step and Game.step) without running __init__.
        state = cls.__new__(cls)
        state._core = core
        state._grid = None
        return state

    @classmethod
    def from_pattern(
        cls: type[S], text: str, *, width: Optional[int] = None, height: Optional[int] = None
    ) -> S:
        """A state from RLE or plaintext ``text`` (or a library name such as ``"glider"``),
        centred on a ``width``×``height`` board when given, else on the pattern's own ``:T``/``:P``
        grid, else exactly its extent. The rule the file names is ``Rules.from_pattern(text)``."""
        return cls._from_core(parse_pattern(text, width=width, height=height)[0]._core)

    @classmethod
    def read(cls: type[S], path: PathLike, *, width: Optional[int] = None, height: Optional[int] = None) -> S:
        """A state from a pattern file (``.rle`` or ``.cells``); see :meth:`from_pattern`."""
        return cls._from_core(read_pattern(path, width=width, height=height)[0]._core)

    @property
    def grid(self) -> np.ndarray:
        """The cells as a read-only (rows, columns) = (height, width) ``uint8`` array of 0/1."""
        if self._grid is None:
            grid = self._core.grid()
            grid.flags.writeable = False  # a State never changes; copy() to edit
            self._grid = grid
        return self._grid

    @property
    def size(self) -> int:
        """The side of a square board (the tutorial's ``N``); a ``ValueError`` otherwise."""
        w, h = self._core.width, self._core.height
        if w != h:
            raise ValueError(f"a {w}x{h} board is not square; use .width and .height")
        return w

    @property
    def width(self) -> int:
        """Columns."""
        return self._core.width

    @property
    def height(self) -> int:
        """Rows."""
        return self._core.height

    @property
    def generation(self) -> int:
        """The generation number (0 for a new board)."""
        return self._core.generation

    @property
    def population(self) -> int:
        """Live cells."""
        return self._core.population

    def living_cells(self) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
        """The live cells as the tutorial's ``zip(*cells)`` yields them: the rows, then the
        columns (``((), ())`` for an empty board, so ``rows, cols = s.living_cells()`` always works)."""
        return self._core.living_cells()

    def to_rle(self, rules: Optional["Rules"] = None, name: Optional[str] = None) -> str:
        """The board as RLE (Golly-compatible) under ``rules`` (default Conway on a torus), with
        the board's size as the rule's ``:T``/``:P`` grid so it reads back onto the same board."""
        return self._core.to_rle(_rules_core(rules), name)

    def write_rle(self, path: PathLike, rules: Optional["Rules"] = None, name: Optional[str] = None) -> None:
        """Writes :meth:`to_rle` to ``path``."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_rle(rules, name))

    def to_plaintext(self, name: Optional[str] = None) -> str:
        """The board as plaintext (``.cells``)."""
        return self._core.to_plaintext(name)

    def __str__(self) -> str:
        return str(self._core)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(width={self.width}, height={self.height}, "
            f"generation={self.generation}, population={self.population})"
        )

    def __eq__(self, other: object) -> bool:
        """Equal when the boards are (same size, same cells); the generation is not compared."""
        if not isinstance(other, State):
            return NotImplemented
        return self._core == other._core

    def __hash__(self) -> int:
        return hash(self._core)

    def __reduce__(self) -> Any:
        # The native state pickles as its bit-packed words; a subclass's own attributes travel too.
        extra = {k: v for k, v in self.__dict__.items() if k not in ("_core", "_grid")}
        return (_rebuild_state, (type(self), self._core), extra or None)


class Rules:
    """A Life-like rule on a topology; ``step(state)`` returns the next generation as a new State.

    ``rule`` is B/S notation (``"B3/S23"``, ``"B36/S23"``) or Golly's ``"23/3"``; ``topology`` is
    ``"torus"`` (the tutorial's wrap-around board) or ``"bounded"`` (dead cells beyond the edges).
    """

    _core: _colony.Rules

    def __init__(self, rule: str = "B3/S23", topology: str = "torus") -> None:
        self._core = _colony.Rules(rule, topology)

    @classmethod
    def from_pattern(cls, text: str) -> "Rules":
        """The rule and topology an RLE file names (Conway on a torus when it names none)."""
        return parse_pattern(text)[1]

    @property
    def rule(self) -> str:
        """The rule in canonical form, e.g. ``B3/S23``."""
        return self._core.rule

    @property
    def topology(self) -> str:
        """``torus`` or ``bounded``."""
        return self._core.topology

    def step(self, state: S) -> S:
        """The generation after ``state``, as a new State of the same class."""
        if not isinstance(state, State):
            # Any object with the tutorial's `.grid` (e.g. the tutorial's own State) will do.
            state = State(grid=state.grid)
        return type(state)._from_core(self._core.step(state._core))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rule={self.rule!r}, topology={self.topology!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Rules):
            return NotImplemented
        return self._core == other._core

    def __hash__(self) -> int:
        return hash(self._core)


class ConwaysRules(Rules):
    """Conway's Game of Life, B3/S23: the tutorial's ``ConwaysRules`` (on a torus by default)."""

    def __init__(self, topology: str = "torus") -> None:
        super().__init__("B3/S23", topology)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(topology={self.topology!r})"


class Game:
    """A game: the initial state, the rules, and the states so far (the tutorial's ``Game``).

    ``states`` is a list holding every state, as in the tutorial (``history=N`` keeps only the
    newest N). ``step(n)`` returns the n successive new states. With Colony's ``Rules`` the engine
    steps the board (without the GIL) and detects the ``outcome``; any other object with a
    ``step(state)`` method works too, stepped one state at a time as the tutorial does.
    """

    def __init__(self, initial_state: State, rules: Any = None, history: Optional[int] = None) -> None:
        if history is not None:
            history = _count(history, "history")
        self.states: List[Any] = [initial_state]
        self.rules = ConwaysRules() if rules is None else rules
        self.history = history
        self._engine: Optional[_colony.Game] = None
        self._engine_at: Any = None  # the state the engine stands at
        self._engine_rules: Any = None

    def _engine_for(self, current: State) -> _colony.Game:
        # Rebuilt whenever `states` or `rules` were changed from outside since the last step.
        if self._engine is None or self._engine_at is not current or self._engine_rules is not self.rules:
            if not isinstance(current, State):
                current = State(grid=current.grid)
            self._engine = _colony.Game(current._core, self.rules._core)
            self._engine_at = current
            self._engine_rules = self.rules
        return self._engine

    def step(self, num_steps: int = 1) -> List[Any]:
        """Takes ``num_steps`` steps and returns the new states, oldest first."""
        n = _count(num_steps, "num_steps", minimum=0)
        current = self.states[-1]
        if isinstance(self.rules, Rules):
            engine = self._engine_for(current)
            cls = type(current) if isinstance(current, State) else State
            new_states = [cls._from_core(core) for core in engine.step(n)]
            if new_states:
                self._engine_at = new_states[-1]
        else:
            new_states = []
            for _ in range(n):
                current = self.rules.step(current)
                new_states.append(current)
        self.states.extend(new_states)
        self._trim()
        return new_states

    def advance(self, num_steps: int) -> Any:
        """Advances ``num_steps`` generations without keeping the states between (a settled game
        jumps whole periods: ``advance(10**9)`` is instant once it repeats); appends and returns
        the last. Needs Colony's ``Rules``."""
        n = _count(num_steps, "num_steps", minimum=0)
        if not isinstance(self.rules, Rules):
            raise TypeError("advance() needs colony.Rules; step() works with any rules")
        current = self.states[-1]
        engine = self._engine_for(current)
        cls = type(current) if isinstance(current, State) else State
        if n == 0:
            return current
        last = cls._from_core(engine.advance(n))
        self._engine_at = last
        self.states.append(last)
        self._trim()
        return last

    def _trim(self) -> None:
        if self.history is not None and len(self.states) > self.history:
            del self.states[: len(self.states) - self.history]

    @property
    def outcome(self) -> Optional[Outcome]:
        """Extinct, still, oscillating (with its period) or running, as of the newest state; ``None``
        when the rules are not Colony's."""
        if not isinstance(self.rules, Rules):
            return None
        return _outcome(self._engine_for(self.states[-1]).outcome)

    @property
    def generation(self) -> int:
        """The newest state's generation number."""
        return int(self.states[-1].generation)

    def __repr__(self) -> str:
        s = self.states[-1]
        return (
            f"{type(self).__name__}({s.width}x{s.height}, rules={self.rules!r}, generation={s.generation}, "
            f"states={len(self.states)})"
        )

    def __getstate__(self) -> Dict[str, Any]:
        # The engine holds only the newest state, rebuilt from `states` after unpickling.
        state = self.__dict__.copy()
        state.update(_engine=None, _engine_at=None, _engine_rules=None)
        return state


class Games:
    """``n`` games in one object: game *i* is a ``width``×``height`` soup of seed ``seed + i``
    (as in ``colony trial``), all under ``rule`` on ``topology``. ``step(k)`` advances every game
    ``k`` generations on ``threads`` threads (default: every CPU the process may use, which Ray
    sets from ``num_cpus``) with the GIL released, and returns the populations (a numpy array)
    and the outcomes. One Ray actor hosting many games avoids Ray's per-actor cost.

    ``steps`` is the generation the games run to (``run()`` goes there; stepping past it is a
    ``ValueError``). **Durable games**: with ``checkpoint="games.db"`` (and ``steps``) the games
    are kept in that file as one trial of Colony's checkpoint format — ``colony checkpoints`` lists
    it, ``colony resume`` can finish it — checkpointed at every multiple of ``every`` generations
    (if given) and at the end of every ``step``/``step_to``/``run`` call, which returns once that
    checkpoint is committed. A ``Games`` created again with the same file and the same arguments
    (a Ray actor restarted by ``max_restarts`` after its worker died) resumes every game from its
    latest checkpoint (``restored`` says from which generation), and ends exactly where an
    uninterrupted run ends. Drive it by absolute generations (``step_to``, ``run``), which a
    retried task repeats harmlessly; ``step(k)`` after a restart counts from the restored
    generation. One file per ``Games``: a file holding another trial is a ``ValueError``, one that
    another live process writes is an ``OSError``. SQLite needs a local disk: keep the file on the
    node that runs the actor (see the README for node affinity on multi-node clusters)."""

    def __init__(
        self,
        n: int,
        size: Optional[int] = None,
        seed: Optional[int] = None,
        *,
        width: Optional[int] = None,
        height: Optional[int] = None,
        density: float = 0.5,
        rules: Optional[Rules] = None,
        threads: Optional[int] = None,
        steps: Optional[int] = None,
        checkpoint: Optional[PathLike] = None,
        every: Optional[int] = None,
    ) -> None:
        side = 100 if size is None else _count(size, "size")
        w = side if width is None else _count(width, "width")
        h = side if height is None else _count(height, "height")
        rules = ConwaysRules() if rules is None else rules
        if not isinstance(rules, Rules):
            raise TypeError("Games needs colony.Rules")
        if checkpoint is not None and seed is None:
            raise ValueError("a checkpointed Games needs seed= (a restarted actor must make the same games)")
        self.rules = rules
        self._core = _colony.Games(
            _count(n, "n"),
            w,
            h,
            _seed(_random_seed() if seed is None else seed),
            float(density),
            rules.rule,
            rules.topology,
            None if threads is None else _count(threads, "threads"),
            None if steps is None else _count(steps, "steps", minimum=0),
            None if checkpoint is None else os.fsdecode(checkpoint),
            None if every is None else _count(every, "every"),
        )

    def step(self, num_steps: int = 1) -> Tuple[np.ndarray, List[Outcome]]:
        """Advances every game ``num_steps`` generations; returns (populations, outcomes)."""
        populations, outcomes = self._core.step(_count(num_steps, "num_steps", minimum=0))
        return populations, [_outcome(o) for o in outcomes]

    def step_to(self, generation: int) -> Tuple[np.ndarray, List[Outcome]]:
        """Advances every game that is behind ``generation`` to it; returns (populations, outcomes).
        The same call gives the same result on games restored from a checkpoint."""
        populations, outcomes = self._core.step_to(_count(generation, "generation", minimum=0))
        return populations, [_outcome(o) for o in outcomes]

    def run(self) -> Tuple[np.ndarray, List[Outcome]]:
        """Advances every game to ``steps`` (the target); returns (populations, outcomes)."""
        if self.target is None:
            raise ValueError("run() needs Games(..., steps=N): the generation to run to")
        return self.step_to(self.target)

    def __len__(self) -> int:
        return len(self._core)

    @property
    def seed(self) -> int:
        """Game 0's seed."""
        return self._core.seed

    @property
    def threads(self) -> int:
        """Threads ``step`` uses."""
        return self._core.threads

    @property
    def target(self) -> Optional[int]:
        """The generation the games run to (``steps``), if one was set."""
        return self._core.target

    @property
    def checkpoint(self) -> Optional[str]:
        """The checkpoint file, if any."""
        path = self._core.checkpoint
        return None if path is None else os.fspath(path)

    @property
    def trial(self) -> Optional[int]:
        """The trial's id in the checkpoint file (what ``colony resume --trial`` takes), if any."""
        return self._core.trial

    @property
    def restored(self) -> Optional[int]:
        """The lowest generation the games were restored at from the checkpoint file, or ``None``
        when they started afresh."""
        return self._core.restored

    @property
    def populations(self) -> np.ndarray:
        """Every game's population (``uint64``)."""
        return self._core.populations()

    @property
    def generations(self) -> np.ndarray:
        """Every game's generation (``uint64``)."""
        return self._core.generations()

    @property
    def outcomes(self) -> List[Outcome]:
        """Every game's outcome."""
        return [_outcome(o) for o in self._core.outcomes()]

    def state(self, i: int) -> State:
        """Game ``i``'s current state."""
        return State._from_core(self._core.state(operator.index(i)))

    def states(self) -> List[State]:
        """Every game's current state."""
        return [self.state(i) for i in range(len(self))]

    def grids(self) -> np.ndarray:
        """Every game's cells: a (games, rows, columns) ``uint8`` array of 0/1."""
        return np.stack([s.grid for s in self.states()]) if len(self) else np.zeros((0, 0, 0), np.uint8)

    def words(self) -> np.ndarray:
        """Every game's board bit-packed: a (games, rows, words per row) ``uint64`` array; bit ``k``
        of word ``w`` is column ``64*w + k`` (Colony's own layout)."""
        return self._core.words()

    def __repr__(self) -> str:
        return repr(self._core)


def _time(millis: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.timezone.utc)


def _maybe_time(millis: Optional[int]) -> Optional[datetime.datetime]:
    return None if millis is None else _time(millis)


class CheckpointTrial(NamedTuple):
    """A trial in a checkpoint file, as ``colony checkpoints`` lists it."""

    id: int
    games: int
    target: int
    min_generation: int
    max_generation: int
    settled: int
    created: datetime.datetime
    updated: datetime.datetime
    finished: Optional[datetime.datetime]
    complete: bool


class CheckpointGame(NamedTuple):
    """A game of a trial and its latest checkpoint (without the board)."""

    game: int
    seed: Optional[int]
    rule: str
    topology: str
    width: int
    height: int
    generation: int
    population: int
    outcome: Outcome
    saved: datetime.datetime


class Checkpoints:
    """A Colony checkpoint file (``colony trial --checkpoint``, a durable :class:`Games`), opened
    to read: ``trials``, and per trial (default: the latest) ``games()``, ``boards()`` (numpy),
    ``states()``. Nothing is written. Use :func:`open_checkpoints`; a context manager."""

    def __init__(self, path: PathLike) -> None:
        self._core = _colony.Checkpoints(os.fsdecode(path))

    @property
    def path(self) -> str:
        """The file."""
        return os.fspath(self._core.path)

    @property
    def trials(self) -> List[CheckpointTrial]:
        """Every trial, oldest first."""
        return [
            CheckpointTrial(t[0], t[1], t[2], t[3], t[4], t[5], _time(t[6]), _time(t[7]), _maybe_time(t[8]), t[9])
            for t in self._core.trials()
        ]

    def games(self, trial: Optional[int] = None) -> List[CheckpointGame]:
        """The games of ``trial`` (default: the latest) with their latest checkpoints."""
        return [
            CheckpointGame(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], _outcome(g[8]), _time(g[9]))
            for g in self._core.games(_trial_id(trial))
        ]

    def states(self, trial: Optional[int] = None) -> List[State]:
        """Every game's latest board as a :class:`State` (at its generation), by game number."""
        return [State._from_core(core) for _, core, _ in self._core.snapshots(_trial_id(trial))]

    def boards(self, trial: Optional[int] = None) -> np.ndarray:
        """Every game's latest board: a (games, rows, columns) ``uint8`` array of 0/1 (the games of
        a trial share one size)."""
        states = self.states(trial)
        if not states:
            return np.zeros((0, 0, 0), np.uint8)
        if len({(s.width, s.height) for s in states}) > 1:
            raise ValueError("the trial's games differ in size; use states()")
        return np.stack([s.grid for s in states])

    def generations(self, trial: Optional[int] = None) -> np.ndarray:
        """Every game's checkpointed generation (``uint64``)."""
        return np.array([g.generation for g in self.games(trial)], dtype=np.uint64)

    def populations(self, trial: Optional[int] = None) -> np.ndarray:
        """Every game's checkpointed population (``uint64``)."""
        return np.array([g.population for g in self.games(trial)], dtype=np.uint64)

    def spec(self, trial: Optional[int] = None) -> Dict[str, Any]:
        """The trial's spec as stored (what ``colony resume`` runs)."""
        import json

        return dict(json.loads(self._core.spec_json(_trial_id(trial))))

    def close(self) -> None:
        """Closes the file."""
        self._core.close()

    def __enter__(self) -> "Checkpoints":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Checkpoints({self.path!r})"


def open_checkpoints(path: PathLike) -> Checkpoints:
    """Opens a Colony checkpoint file to read; see :class:`Checkpoints`. A missing, foreign or
    damaged file is an ``OSError``."""
    return Checkpoints(path)


def _trial_id(trial: Optional[int]) -> Optional[int]:
    if trial is None:
        return None
    try:
        n = operator.index(trial)
    except TypeError:
        raise TypeError(f"trial must be an integer, got {type(trial).__name__}") from None
    if not -(2**63) <= n < 2**63:
        raise ValueError(f"no trial {n}")
    return n


def parse_pattern(
    text: str, *, width: Optional[int] = None, height: Optional[int] = None
) -> Tuple[State, Rules, Optional[str]]:
    """Reads an RLE or plaintext pattern (or a library name such as ``"glider"``): returns the
    state, the rules the file names (Conway on a torus by default) and the pattern's name. The
    board is ``width``×``height`` when given, else the file's ``:T``/``:P`` grid, else the pattern's
    extent; the pattern is centred on it, as ``colony play --pattern`` places it."""
    w = None if width is None else _count(width, "width")
    h = None if height is None else _count(height, "height")
    if _is_library_name(text):
        core, rule, topology, name = _colony.named_pattern(text.strip(), w, h)
    else:
        core, rule, topology, name = _colony.parse_pattern(text, w, h)
    return State._from_core(core), Rules(rule or "B3/S23", topology or "torus"), name


def read_pattern(
    path: PathLike, *, width: Optional[int] = None, height: Optional[int] = None
) -> Tuple[State, Rules, Optional[str]]:
    """:func:`parse_pattern` on a file's text; a parse error names the file (``path:line:column``)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return parse_pattern(text, width=width, height=height)
    except ValueError as e:
        raise ValueError(f"{os.fspath(path)}:{e}") from None


def pattern_names() -> List[str]:
    """The names in Colony's pattern library."""
    return list(_colony.pattern_names())


def _is_library_name(text: str) -> bool:
    # One line that is neither RLE (`=`, `$`, `!`, `#`) nor a plaintext row (only `.`, `O`, `*`)
    # names a library pattern; an unknown name then gets the engine's list of known ones.
    stripped = text.strip()
    if not stripped or "\n" in stripped or "\r" in stripped:
        return False
    return not any(c in "=$!#" for c in stripped) and not all(c in ".O*" for c in stripped)


def _rules_core(rules: Optional[Rules]) -> _colony.Rules:
    if rules is None:
        return _colony.Rules()
    if not isinstance(rules, Rules):
        raise TypeError(f"rules must be colony.Rules, got {type(rules).__name__}")
    return rules._core


def _as_cell_array(grid: Any) -> np.ndarray:
    array = np.asarray(grid)
    if array.dtype.byteorder not in ("=", "|") and array.dtype.kind in "biuf":
        array = array.astype(array.dtype.newbyteorder("="))  # the native core reads native order
    return array


def _count(value: Any, name: str, minimum: int = 1) -> int:
    try:
        n = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}") from None
    if n < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {n}")
    return n


def _seed(value: Any) -> int:
    try:
        seed = operator.index(value)
    except TypeError:
        raise TypeError(f"seed must be an integer, got {type(value).__name__}") from None
    if not 0 <= seed < 2**64:
        raise ValueError(f"seed must be between 0 and 2**64 - 1, got {seed}")
    return seed
