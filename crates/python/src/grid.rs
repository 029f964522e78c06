//! Boards to and from numpy arrays of 0/1 cells, shaped (rows, columns) = (height, width).

use numpy::ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use numpy::{Element, PyArray2, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use colony_life::{Board, WORD_BITS};

use crate::value_error;

/// A numpy element that can hold a cell: 0 (dead) or 1 (alive), or a bool.
trait Cell: Element + Copy {
    /// `Some(alive)` for 0 and 1, `None` for any other value.
    fn alive(self) -> Option<bool>;
}

impl Cell for bool {
    fn alive(self) -> Option<bool> {
        Some(self)
    }
}

macro_rules! integer_cells {
    ($($t:ty),*) => {$(
        impl Cell for $t {
            fn alive(self) -> Option<bool> {
                match self {
                    0 => Some(false),
                    1 => Some(true),
                    _ => None,
                }
            }
        }
    )*};
}
integer_cells!(u8, i8, u16, i16, u32, i32, u64, i64);

macro_rules! float_cells {
    ($($t:ty),*) => {$(
        impl Cell for $t {
            fn alive(self) -> Option<bool> {
                if self == 0.0 {
                    Some(false)
                } else if self == 1.0 {
                    Some(true)
                } else {
                    None
                }
            }
        }
    )*};
}
float_cells!(f32, f64);

/// A board from a 2-D numpy array of 0/1 values (bool, any integer or float dtype), any strides.
pub(crate) fn board_from_array(grid: &Bound<'_, PyAny>) -> PyResult<Board> {
    macro_rules! try_dtypes {
        ($($t:ty),*) => {$(
            if let Ok(array) = grid.extract::<PyReadonlyArray2<'_, $t>>() {
                return board_from_view(array.as_array());
            }
        )*};
    }
    try_dtypes!(bool, u8, i64, i32, i8, i16, u16, u32, u64, f64, f32);
    let described = match grid.getattr("ndim") {
        Ok(ndim) if ndim.extract::<usize>().ok() != Some(2) => {
            format!(
                "a {}-dimensional array",
                ndim.str().map(|s| s.to_string()).unwrap_or_default()
            )
        }
        Ok(_) => format!(
            "an array of dtype {}",
            grid.getattr("dtype")
                .and_then(|d| d.str())
                .map(|s| s.to_string())
                .unwrap_or_default()
        ),
        Err(_) => format!(
            "a {}",
            grid.get_type().name().map(|s| s.to_string()).unwrap_or_default()
        ),
    };
    Err(PyValueError::new_err(format!(
        "grid must be a 2-dimensional array of 0s and 1s (rows, columns), got {described}"
    )))
}

fn board_from_view<T: Cell>(view: ArrayView2<'_, T>) -> PyResult<Board> {
    let (height, width) = view.dim();
    let mut board = Board::new(width, height).map_err(value_error)?;
    let words_per_row = board.words_per_row();
    let words = board.words_mut();
    for (y, row) in view.rows().into_iter().enumerate() {
        let out = &mut words[y * words_per_row..(y + 1) * words_per_row];
        for (w, chunk) in row.axis_chunks_iter(Axis(0), WORD_BITS).enumerate() {
            // Contiguous rows (the usual case) take the slice path, which the compiler unrolls.
            let word = match chunk.as_slice() {
                Some(cells) => pack(cells.iter().copied()),
                None => pack(chunk.iter().copied()),
            };
            out[w] = word.ok_or_else(|| not_a_cell(&chunk, y, w))?;
        }
    }
    Ok(board)
}

/// Up to 64 cells as one word (bit `k` = cell `k`), or `None` if one is neither 0 nor 1.
fn pack<T: Cell>(cells: impl Iterator<Item = T>) -> Option<u64> {
    let mut word = 0u64;
    let mut valid = true;
    for (k, value) in cells.enumerate() {
        let alive = value.alive();
        valid &= alive.is_some();
        word |= u64::from(alive == Some(true)) << k;
    }
    valid.then_some(word)
}

fn not_a_cell<T: Cell>(chunk: &ArrayView1<'_, T>, y: usize, w: usize) -> PyErr {
    let k = chunk.iter().position(|v| v.alive().is_none()).unwrap_or(0);
    PyValueError::new_err(format!(
        "grid cells must be 0 or 1; the cell at row {y}, column {} is neither",
        w * WORD_BITS + k
    ))
}

/// The board's cells as a (height, width) array of `uint8` 0/1, built without the GIL and
/// handed to numpy without a copy.
pub(crate) fn array_from_board<'py>(py: Python<'py>, board: &Board) -> PyResult<Bound<'py, PyArray2<u8>>> {
    let cells = py.detach(|| {
        let (width, height) = (board.width(), board.height());
        let mut cells = vec![0u8; width * height];
        for (y, out) in cells.chunks_exact_mut(width).enumerate() {
            for (word, out) in board.row(y).iter().zip(out.chunks_mut(WORD_BITS)) {
                for (k, cell) in out.iter_mut().enumerate() {
                    *cell = ((word >> k) & 1) as u8;
                }
            }
        }
        Array2::from_shape_vec((height, width), cells)
    });
    let cells = cells.map_err(|e| PyValueError::new_err(e.to_string()))?;
    let array = PyArray2::from_owned_array(py, cells);
    debug_assert_eq!(array.shape(), [board.height(), board.width()]);
    Ok(array)
}
