//! One generation of a board (colony-life's `State`), and the pattern formats that make one.

use pyo3::basic::CompareOp;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use pyo3::IntoPyObjectExt;

use colony_life::pattern::{self, Grid, Pattern};
use colony_life::{soup, Board, Rule, State, Topology};

use crate::grid::{array_from_board, board_from_array};
use crate::rules::PyRules;
use crate::value_error;

/// An immutable generation: a board and its generation number. Cheap to clone (the board is
/// shared); pickles as its bit-packed words.
#[pyclass(frozen, name = "State", module = "colony._colony")]
#[derive(Clone)]
pub(crate) struct PyState(pub(crate) State);

impl PyState {
    pub(crate) fn board(&self) -> &Board {
        self.0.board()
    }
}

#[pymethods]
impl PyState {
    /// A random `width`×`height` soup from `seed`: exactly the board `colony play --seed` starts from.
    #[staticmethod]
    #[pyo3(signature = (width, height, seed, density = 0.5))]
    fn soup(py: Python<'_>, width: usize, height: usize, seed: u64, density: f64) -> PyResult<PyState> {
        let board = py.detach(|| soup(width, height, seed, density)).map_err(value_error)?;
        Ok(PyState(State::new(board, 0)))
    }

    /// A board from a 2-D numpy array of 0/1 (rows, columns), at `generation`.
    #[staticmethod]
    #[pyo3(signature = (grid, generation = 0))]
    fn from_grid(grid: &Bound<'_, PyAny>, generation: u64) -> PyResult<PyState> {
        Ok(PyState(State::new(board_from_array(grid)?, generation)))
    }

    /// Width in cells.
    #[getter]
    fn width(&self) -> usize {
        self.board().width()
    }

    /// Height in cells.
    #[getter]
    fn height(&self) -> usize {
        self.board().height()
    }

    /// The generation number (0 for a board that was not stepped).
    #[getter]
    fn generation(&self) -> u64 {
        self.0.generation()
    }

    /// Live cells.
    #[getter]
    fn population(&self) -> u64 {
        self.0.population()
    }

    /// The cells as a new (height, width) `uint8` array of 0/1.
    fn grid<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, numpy::PyArray2<u8>>> {
        array_from_board(py, self.board())
    }

    /// Live cells as the tutorial's `zip(*cells)` gives them: a tuple of the rows and a tuple of
    /// the columns, row by row (`((), ())` on an empty board).
    fn living_cells<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let (rows, columns): (Vec<usize>, Vec<usize>) = self.0.living_cells().into_iter().unzip();
        (PyTuple::new(py, rows)?, PyTuple::new(py, columns)?).into_pyobject(py)
    }

    /// The same cells at another generation number.
    fn with_generation(&self, generation: u64) -> PyState {
        PyState(State::from_shared(self.0.shared_board().clone(), generation))
    }

    /// The board as RLE under `rules` (Golly-compatible; `:T`/`:P` grid suffix when `grid`).
    #[pyo3(signature = (rules, name = None, grid = true))]
    fn to_rle(&self, rules: &PyRules, name: Option<&str>, grid: bool) -> String {
        let board = self.board();
        let grid = grid.then_some(Grid {
            topology: rules.topology,
            width: board.width(),
            height: board.height(),
        });
        pattern::write_rle(board, rules.rule, grid, name)
    }

    /// The board as plaintext (`.cells`).
    #[pyo3(signature = (name = None))]
    fn to_plaintext(&self, name: Option<&str>) -> String {
        pattern::write_plaintext(self.board(), name)
    }

    /// A 64-bit fingerprint of the cells (what cycle detection compares).
    #[getter]
    fn fingerprint(&self) -> u64 {
        self.board().fingerprint()
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }

    fn __repr__(&self) -> String {
        format!(
            "State(width={}, height={}, generation={}, population={})",
            self.width(),
            self.height(),
            self.generation(),
            self.population()
        )
    }

    /// States are equal when their boards are: same size, same cells (the generation number is
    /// not compared, as two grids in the tutorial compare by their cells).
    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<Py<PyAny>> {
        let py = other.py();
        let Ok(other) = other.cast::<PyState>() else {
            return Ok(py.NotImplemented());
        };
        let same = self.board() == other.get().board();
        match op {
            CompareOp::Eq => same.into_py_any(py),
            CompareOp::Ne => (!same).into_py_any(py),
            _ => Ok(py.NotImplemented()),
        }
    }

    fn __hash__(&self) -> u64 {
        self.board().fingerprint()
    }

    /// Pickles as `(state_from_words, (width, height, generation, words))`, the words as
    /// little-endian bytes.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let board = self.board();
        let bytes: Vec<u8> = board.words().iter().flat_map(|w| w.to_le_bytes()).collect();
        let constructor = py.import("colony._colony")?.getattr("state_from_words")?;
        let args = (
            board.width(),
            board.height(),
            self.generation(),
            PyBytes::new(py, &bytes),
        )
            .into_pyobject(py)?;
        Ok((constructor, args))
    }
}

/// Rebuilds a state from [`PyState::__reduce__`]'s words; the size is checked against the bytes
/// before anything is allocated, and padding bits are cleared.
#[pyfunction]
pub(crate) fn state_from_words(width: usize, height: usize, generation: u64, words: &[u8]) -> PyResult<PyState> {
    let count = Board::words_for(width, height).map_err(value_error)?;
    if count.checked_mul(8) != Some(words.len()) {
        return Err(PyValueError::new_err(format!(
            "a {width}x{height} board is {count} words, got {} bytes",
            words.len()
        )));
    }
    let mut board = Board::new(width, height).map_err(value_error)?;
    for (word, bytes) in board.words_mut().iter_mut().zip(words.chunks_exact(8)) {
        let mut le = [0u8; 8];
        le.copy_from_slice(bytes);
        *word = u64::from_le_bytes(le);
    }
    board.clear_padding();
    Ok(PyState(State::new(board, generation)))
}

/// What [`parse_pattern`] and [`named_pattern`] return: the state, the rule the file named
/// (canonical text, or `None`), the topology of its `:T`/`:P` grid (or `None`) and its name.
type ParsedPattern = (PyState, Option<String>, Option<String>, Option<String>);

/// Reads RLE or plaintext `text` (detected as `colony play` does). The board is `width`×`height`
/// when given (either alone keeps the pattern's other side), else the pattern's own `:T`/`:P`
/// grid, else its declared extent; the pattern is centred on it, as `colony play` places it.
#[pyfunction]
#[pyo3(signature = (text, width = None, height = None))]
pub(crate) fn parse_pattern(text: &str, width: Option<usize>, height: Option<usize>) -> PyResult<ParsedPattern> {
    let pattern = pattern::parse_auto(text).map_err(value_error)?;
    place(pattern, width, height)
}

/// A pattern from Colony's library by name (`glider`, `gosper-glider-gun`, ...), placed as
/// [`parse_pattern`] places a file.
#[pyfunction]
#[pyo3(signature = (name, width = None, height = None))]
pub(crate) fn named_pattern(name: &str, width: Option<usize>, height: Option<usize>) -> PyResult<ParsedPattern> {
    let pattern = pattern::named(name).map_err(value_error)?;
    place(pattern, width, height)
}

/// The names in Colony's pattern library.
#[pyfunction]
pub(crate) fn pattern_names() -> Vec<&'static str> {
    pattern::library_names().to_vec()
}

fn place(pattern: Pattern, width: Option<usize>, height: Option<usize>) -> PyResult<ParsedPattern> {
    let Pattern {
        board,
        rule,
        grid,
        name,
        ..
    } = pattern;
    let (own_width, own_height) = grid.map_or((board.width(), board.height()), |g| (g.width, g.height));
    let (width, height) = (width.unwrap_or(own_width), height.unwrap_or(own_height));
    let board = if (width, height) == (board.width(), board.height()) {
        board
    } else {
        board.centred_in(width, height).map_err(value_error)?
    };
    let rule = rule.map(|r: Rule| r.to_string());
    let topology = grid.map(|g| g.topology).map(|t: Topology| t.to_string());
    Ok((PyState(State::new(board, 0)), rule, topology, name))
}
