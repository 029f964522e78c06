//! `colony._colony`: the native core of Colony's Python package.
//!
//! Thin PyO3 bindings over `colony-life`: boards and their generations ([`state::PyState`]), rules
//! on a topology ([`rules::PyRules`]), games ([`game::PyGame`]) and batches of games
//! ([`games::PyGames`]), durable batches in Colony's checkpoint files ([`durable::Durable`], over
//! `colony-store`'s `Journal`, the one `colony trial --checkpoint` writes through) and those files
//! read back ([`checkpoints::PyCheckpoints`]). Everything here converts between Python and the
//! engine or the store; they decide. The classes users see are plain Python classes in
//! `python/colony/__init__.py` (Ray only exposes Python functions as actor methods, and
//! subclassing and pickling are simpler there), each holding one of these objects.
//!
//! Errors cross as `ValueError` (bad rules, grids, patterns, trials), `OSError` (checkpoint files:
//! missing, foreign, damaged, leased by a live process) or `RuntimeError` (a poisoned lock); no
//! input reaches an `unwrap`. Every call that steps boards releases the GIL.

mod checkpoints;
mod durable;
mod game;
mod games;
mod grid;
mod rules;
mod state;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use colony_life::LifeError;

/// An engine error as the `ValueError` Python callers expect for bad input.
pub(crate) fn value_error(e: LifeError) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A lock another thread panicked while holding: the object is unusable, but Python gets an
/// exception instead of a second panic.
pub(crate) fn poisoned<T>(_: T) -> PyErr {
    PyRuntimeError::new_err("a previous call on this object failed inside the engine; create a new one")
}

/// The native module (maturin installs it as `colony._colony`).
#[pymodule]
fn _colony(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<state::PyState>()?;
    m.add_class::<rules::PyRules>()?;
    m.add_class::<game::PyGame>()?;
    m.add_class::<games::PyGames>()?;
    m.add_class::<checkpoints::PyCheckpoints>()?;
    m.add_function(wrap_pyfunction!(state::state_from_words, m)?)?;
    m.add_function(wrap_pyfunction!(state::parse_pattern, m)?)?;
    m.add_function(wrap_pyfunction!(state::named_pattern, m)?)?;
    m.add_function(wrap_pyfunction!(state::pattern_names, m)?)?;
    m.add_function(wrap_pyfunction!(games::available_threads, m)?)?;
    m.add("DEFAULT_CYCLE_WINDOW", colony_life::DEFAULT_CYCLE_WINDOW)?;
    Ok(())
}
