//! One game stepped by the engine (colony-life's `Game`): the native side of Python's `Game`.

use std::sync::Mutex;

use pyo3::prelude::*;

use colony_life::{Game, LifeError, Outcome, State};

use crate::rules::PyRules;
use crate::state::PyState;
use crate::{poisoned, value_error};

/// A board evolving under rules, with outcome detection. Keeps only its current state: the
/// Python `Game` keeps the history (unbounded, as in the tutorial, or capped).
#[pyclass(frozen, name = "Game", module = "colony._colony")]
pub(crate) struct PyGame {
    // The engine's game needs `&mut` to step; the lock is only ever taken without the GIL held
    // for long (stepping happens with the GIL released, so other Python threads run meanwhile).
    game: Mutex<Game>,
}

/// An outcome as Python sees it: `(kind, period, text)`, e.g. `("oscillating", 2,
/// "oscillating (period 2)")`; the period is `None` unless the board repeats.
pub(crate) type OutcomeTuple = (&'static str, Option<u64>, String);

pub(crate) fn outcome_tuple(outcome: Outcome) -> OutcomeTuple {
    (outcome.label(), outcome.period(), outcome.to_string())
}

#[pymethods]
impl PyGame {
    /// A game continuing from `state` (at its generation) under `rules`.
    #[new]
    fn new(state: &PyState, rules: &PyRules) -> PyResult<PyGame> {
        let board = state.board().clone();
        let game = Game::resume(board, state.0.generation(), rules.rule, rules.topology)
            .with_history(1)
            .map_err(value_error)?;
        Ok(PyGame { game: Mutex::new(game) })
    }

    /// Advances `n` generations and returns the `n` successive new states, oldest first.
    fn step(&self, py: Python<'_>, n: u64) -> PyResult<Vec<PyState>> {
        // `None` is a poisoned lock; generation numbers must not wrap past 2^64 - 1.
        let states = py.detach(|| -> Result<Vec<State>, Option<LifeError>> {
            let mut game = self.game.lock().map_err(|_| None)?;
            let generation = game.generation();
            if generation.checked_add(n).is_none() {
                return Err(Some(LifeError::GenerationOverflow { generation, steps: n }));
            }
            Ok(game.step(n))
        });
        match states {
            Ok(states) => Ok(states.into_iter().map(PyState).collect()),
            Err(Some(e)) => Err(value_error(e)),
            Err(None) => Err(poisoned(())),
        }
    }

    /// Advances `n` generations without collecting the states between (a settled game jumps by
    /// whole periods) and returns the last.
    fn advance(&self, py: Python<'_>, n: u64) -> PyResult<PyState> {
        let state = py.detach(|| self.game.lock().map(|mut game| game.advance(n).clone()).map_err(drop));
        Ok(PyState(state.map_err(poisoned)?))
    }

    /// The current state.
    #[getter]
    fn current(&self) -> PyResult<PyState> {
        Ok(PyState(self.game.lock().map_err(poisoned)?.current().clone()))
    }

    /// The outcome as of the current generation: `(kind, period, text)`.
    #[getter]
    fn outcome(&self) -> PyResult<OutcomeTuple> {
        Ok(outcome_tuple(self.game.lock().map_err(poisoned)?.outcome()))
    }

    fn __repr__(&self) -> String {
        match self.game.lock() {
            Ok(game) => format!(
                "Game(rule={:?}, topology={:?}, generation={}, outcome={:?})",
                game.rule().to_string(),
                game.topology().to_string(),
                game.generation(),
                game.outcome().to_string()
            ),
            Err(_) => "Game(<failed>)".to_string(),
        }
    }
}
