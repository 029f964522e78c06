"""Shared fixtures: the `colony` binary (the reference for text and soups) and the tutorial baseline.

The binary is $COLONY_BIN, else target/release/colony or target/debug/colony of this repository
(`cargo build -p colony`, or what `cargo test --workspace` leaves). The baseline is
../shared/baseline/tutorial_baseline.py beside the repository. Either missing skips its tests,
except that with COLONY_REQUIRE_TOOLS=1 (as .ci/run sets) a missing binary fails them.
"""

import importlib.util
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]


def _colony_binary():
    candidates = [os.environ.get("COLONY_BIN")] + [str(REPO / "target" / p / "colony") for p in ("release", "debug")]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    return None


@pytest.fixture(scope="session")
def colony_bin():
    path = _colony_binary()
    if path is None:
        message = "no colony binary: build it with `cargo build -p colony` or set COLONY_BIN"
        if os.environ.get("COLONY_REQUIRE_TOOLS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def run_colony(colony_bin):
    """Runs the binary with arguments; returns its standard output (exit code 0 required)."""

    def run(*args):
        done = subprocess.run([colony_bin, *map(str, args)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run


@pytest.fixture(scope="session")
def play_boards(run_colony):
    """`colony play --print every ...` parsed into its boards' text, generation 0 first."""

    def boards(*args):
        out = run_colony("play", "--print", "every", *args)
        texts, rows = [], None
        for line in out.split("\n"):
            if line in ("Initial state:", f"state #{len(texts)}:"):
                assert rows is None or rows == [], "a header inside a board"
                rows = []
            elif line.startswith("|") and rows is not None:
                rows.append(line)
            elif rows:
                texts.append("\n".join(rows))
                rows = None
        assert texts, out
        return texts

    return boards


@pytest.fixture(scope="session")
def baseline():
    path = REPO.parent / "shared" / "baseline" / "tutorial_baseline.py"
    if not path.exists():
        pytest.skip(f"no tutorial baseline at {path}")
    spec = importlib.util.spec_from_file_location("tutorial_baseline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
