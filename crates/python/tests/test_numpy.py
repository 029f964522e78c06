"""numpy round trips: (rows, columns) = (height, width), any dtype of 0/1, any strides."""

import time

import numpy as np
import pytest

from colony import State


@pytest.mark.parametrize("dtype", [bool, np.uint8, np.int8, np.int16, np.int32, np.int64, np.uint64, np.float32, np.float64])
def test_round_trip_any_dtype(dtype):
    rng = np.random.default_rng(1)
    grid = rng.integers(0, 2, size=(7, 130)).astype(dtype)
    state = State(grid=grid)
    assert (state.width, state.height) == (130, 7)
    assert state.grid.shape == (7, 130) and state.grid.dtype == np.uint8
    assert np.array_equal(state.grid, grid.astype(np.uint8))
    assert state.population == int(grid.astype(int).sum())


def test_non_contiguous_views_lists_and_big_endian():
    rng = np.random.default_rng(2)
    base = rng.integers(0, 2, size=(40, 50))
    for view in (base.T, base[::2, 1::3], np.asfortranarray(base)):
        assert np.array_equal(State(grid=view).grid, view)
    assert np.array_equal(State(grid=[[0, 1], [1, 1], [0, 0]]).grid, [[0, 1], [1, 1], [0, 0]])
    assert np.array_equal(State(grid=base.astype(">i4")).grid, base)


def test_shape_is_height_by_width_and_size_is_for_squares():
    state = State(width=9, height=4, seed=1)
    assert state.grid.shape == (4, 9)
    with pytest.raises(ValueError, match="not square"):
        state.size
    assert State(size=6, seed=1).size == 6


def test_grid_survives_its_state_and_is_cached():
    state = State(size=8, seed=3)
    grid = state.grid
    assert state.grid is grid
    copy = grid.copy()
    copy[0, 0] ^= 1
    assert State(grid=copy) != state


def test_a_4096_board_converts_without_a_python_loop():
    rng = np.random.default_rng(3)
    grid = rng.integers(0, 2, size=(4096, 4096), dtype=np.uint8)
    start = time.perf_counter()
    state = State(grid=grid)
    back = state.grid
    elapsed = time.perf_counter() - start
    assert np.array_equal(back, grid)
    assert elapsed < 5, f"{elapsed:.2f} s for a 4096x4096 round trip"


@pytest.mark.parametrize(
    "grid, message",
    [
        (np.array([[0, 2], [1, 0]]), "row 0, column 1"),
        (np.array([[0, -1]]), "0 or 1"),
        (np.array([[0.5, 1.0]]), "0 or 1"),
        (np.zeros(5), "2-dimensional"),
        (np.zeros((2, 2, 2)), "2-dimensional"),
        (np.zeros((0, 3)), "at least 1x1"),
        (np.array([["a", "b"]]), "dtype"),
        (np.array([[1, None]], dtype=object), "dtype"),
    ],
)
def test_bad_grids_are_value_errors(grid, message):
    with pytest.raises(ValueError, match=message):
        State(grid=grid)
