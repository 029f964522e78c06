//! Colony's checkpoint files from Python: reading them (`colony.open_checkpoints`), and how the
//! store's errors cross into Python.

use std::path::PathBuf;
use std::sync::Mutex;

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

use colony_store::{Store, StoreError, TrialId};

use crate::game::{outcome_tuple, OutcomeTuple};
use crate::poisoned;
use crate::state::PyState;

/// A store error as Python sees it: `ValueError` for what the caller asked for (a bad trial or
/// game number, an invalid record), `OSError` for the file (missing, foreign, damaged, locked,
/// leased by another process, unwritable).
pub(crate) fn store_error(e: StoreError) -> PyErr {
    match e {
        StoreError::Invalid(_) | StoreError::UnknownTrial { .. } | StoreError::UnknownGame { .. } => {
            PyValueError::new_err(e.to_string())
        }
        _ => PyOSError::new_err(e.to_string()),
    }
}

/// `(id, games, target, min generation, max generation, settled, created ms, updated ms,
/// finished ms, complete)`.
type TrialTuple = (i64, u32, u64, u64, u64, u32, i64, i64, Option<i64>, bool);

/// `(game, seed, rule, topology, width, height, generation, population, outcome, saved ms)`.
type GameTuple = (
    u32,
    Option<u64>,
    String,
    String,
    usize,
    usize,
    u64,
    u64,
    OutcomeTuple,
    i64,
);

/// A checkpoint database opened to read (what `colony checkpoints` shows, and the boards).
#[pyclass(frozen, name = "Checkpoints", module = "colony._colony")]
pub(crate) struct PyCheckpoints {
    store: Mutex<Option<Store>>,
    path: PathBuf,
}

impl PyCheckpoints {
    fn with_store<T>(&self, f: impl FnOnce(&Store) -> Result<T, StoreError>) -> PyResult<T> {
        let guard = self.store.lock().map_err(poisoned)?;
        let store = guard
            .as_ref()
            .ok_or_else(|| PyValueError::new_err(format!("{}: the checkpoints were closed", self.path.display())))?;
        f(store).map_err(store_error)
    }

    fn trial_or_latest(store: &Store, trial: Option<i64>) -> Result<TrialId, StoreError> {
        match trial {
            Some(id) => Ok(TrialId::new(id)),
            None => store
                .latest_trial()?
                .ok_or_else(|| StoreError::Invalid(format!("{}: the file holds no trial", store.path().display()))),
        }
    }
}

#[pymethods]
impl PyCheckpoints {
    /// Opens the database at `path` without writing to it (an older schema is migrated first, as
    /// `colony checkpoints` does).
    #[new]
    fn new(py: Python<'_>, path: PathBuf) -> PyResult<PyCheckpoints> {
        let store = py
            .detach(|| match Store::open_read_only(&path) {
                Err(StoreError::NeedsMigration { .. }) => Store::open(&path),
                other => other,
            })
            .map_err(store_error)?;
        Ok(PyCheckpoints {
            store: Mutex::new(Some(store)),
            path,
        })
    }

    /// The file.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// Every trial, oldest first.
    fn trials(&self) -> PyResult<Vec<TrialTuple>> {
        self.with_store(|store| {
            Ok(store
                .list_trials()?
                .into_iter()
                .map(|t| {
                    (
                        t.id.get(),
                        t.games,
                        t.target_generation,
                        t.min_generation,
                        t.max_generation,
                        t.settled,
                        t.created_at.unix_millis(),
                        t.updated_at.unix_millis(),
                        t.finished_at.map(|f| f.unix_millis()),
                        t.is_complete(),
                    )
                })
                .collect())
        })
    }

    /// The games of `trial` (default: the latest) with their latest checkpoints.
    #[pyo3(signature = (trial = None))]
    fn games(&self, trial: Option<i64>) -> PyResult<Vec<GameTuple>> {
        self.with_store(|store| {
            let trial = PyCheckpoints::trial_or_latest(store, trial)?;
            Ok(store
                .list_games(trial)?
                .into_iter()
                .map(|g| {
                    (
                        g.record.game,
                        g.record.seed,
                        g.record.rule.to_string(),
                        g.record.topology.to_string(),
                        g.record.width,
                        g.record.height,
                        g.generation,
                        g.population,
                        outcome_tuple(g.outcome),
                        g.saved_at.unix_millis(),
                    )
                })
                .collect())
        })
    }

    /// Every game's latest board in `trial` (default: the latest), each verified against its
    /// checksum: `(game, state, outcome)` by game number.
    #[pyo3(signature = (trial = None))]
    fn snapshots(&self, py: Python<'_>, trial: Option<i64>) -> PyResult<Vec<(u32, PyState, OutcomeTuple)>> {
        py.detach(|| {
            self.with_store(|store| {
                let trial = PyCheckpoints::trial_or_latest(store, trial)?;
                let checkpoint = store.load_trial(trial)?;
                checkpoint
                    .snapshots
                    .iter()
                    .map(|s| {
                        let state = s.to_state().ok_or_else(|| {
                            StoreError::Invalid(format!(
                                "game {} of trial {trial} is on the plane; read it with `colony checkpoints --export FILE.mc`",
                                s.game
                            ))
                        })?;
                        Ok((s.game, PyState(state), outcome_tuple(s.outcome)))
                    })
                    .collect()
            })
        })
    }

    /// The trial's spec as stored (JSON; `colony resume` reads it).
    #[pyo3(signature = (trial = None))]
    fn spec_json(&self, trial: Option<i64>) -> PyResult<String> {
        self.with_store(|store| {
            let trial = PyCheckpoints::trial_or_latest(store, trial)?;
            Ok(store.load_trial(trial)?.trial.spec_json)
        })
    }

    /// Closes the file (later calls raise `ValueError`).
    fn close(&self) -> PyResult<()> {
        let store = self.store.lock().map_err(poisoned)?.take();
        match store {
            Some(store) => store.close().map_err(store_error),
            None => Ok(()),
        }
    }

    fn __repr__(&self) -> String {
        format!("Checkpoints({:?})", self.path.display().to_string())
    }
}
