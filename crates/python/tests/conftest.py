"""Shared fixtures: the `colony` binary (the reference for text and soups) and the tutorial baseline.

The binary is $COLONY_BIN, else target/release/colony or target/debug/colony of this repository
(`cargo build -p colony`, or what `cargo test --workspace` leaves). The baseline is
../shared/baseline/tutorial_baseline.py beside the repository. Ray is requirements-ray.txt's; one
local Ray (`ray.init(num_cpus=2)`) serves the whole session. A missing binary or ray skips its
tests, except that with COLONY_REQUIRE_TOOLS=1 (as .ci/run sets) it fails them.
"""

import importlib.util
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]


def _colony_binary():
    candidates = [os.environ.get("COLONY_BIN")] + [str(REPO / "target" / p / "colony") for p in ("release", "debug")]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    return None


def _missing(message):
    if os.environ.get("COLONY_REQUIRE_TOOLS") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def colony_bin():
    path = _colony_binary()
    if path is None:
        _missing("no colony binary: build it with `cargo build -p colony` or set COLONY_BIN")
    return path


@pytest.fixture(scope="session")
def local_ray():
    """One local Ray for the session: 2 CPUs, a small object store (a fresh CI machine's /dev/shm
    may be small), its files in a temporary folder of its own, shut down (every worker and raylet
    gone) when the session ends."""
    try:
        import ray
    except ImportError:
        _missing("ray is not installed: pip install -r crates/python/requirements-ray.txt")
    # Ray's socket paths must stay under 107 bytes, so a short folder under /tmp, not pytest's tmp_path.
    temp = tempfile.mkdtemp(prefix="colray-", dir="/tmp" if os.path.isdir("/tmp") else None)
    ray.init(
        num_cpus=2,
        object_store_memory=100 * 1024 * 1024,
        include_dashboard=False,
        logging_level="ERROR",
        log_to_driver=False,
        _temp_dir=temp,
    )
    try:
        yield ray
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)


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
