//! Many games in one object, stepped on every core the process may use: one Ray actor hosting
//! many games, instead of one Ray actor (tens of MB) per game.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use numpy::ndarray::Array3;
use numpy::{PyArray1, PyArray3};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use colony_life::{soup, Game, Rule, Topology, WORD_BITS};

use crate::game::{outcome_tuple, OutcomeTuple};
use crate::state::PyState;
use crate::{poisoned, value_error};

/// The threads this process may run on: its CPU affinity (which Ray sets from `num_cpus`) and
/// cgroup quota, as the standard library reads them; 1 when they cannot be read.
#[pyfunction]
pub(crate) fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// `n` games of `width`×`height`, game *i* a soup of seed `seed + i` (as in `colony trial`), all
/// under one rule and topology, each stepped exactly as `colony trial`'s runner steps it
/// (`Game::advance`: settled games jump).
#[pyclass(frozen, name = "Games", module = "colony._colony")]
pub(crate) struct PyGames {
    games: Mutex<Vec<Game>>,
    threads: usize,
    seed: u64,
}

#[pymethods]
impl PyGames {
    /// Builds the games (soups made without the GIL). `threads` defaults to
    /// [`available_threads`].
    #[new]
    #[pyo3(signature = (n, width, height, seed, density = 0.5, rule = "B3/S23", topology = "torus", threads = None))]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments, all with defaults but the size
    fn new(
        py: Python<'_>,
        n: usize,
        width: usize,
        height: usize,
        seed: u64,
        density: f64,
        rule: &str,
        topology: &str,
        threads: Option<usize>,
    ) -> PyResult<PyGames> {
        if n == 0 {
            return Err(PyValueError::new_err("a batch needs at least one game"));
        }
        let threads = match threads {
            Some(0) => return Err(PyValueError::new_err("threads must be at least 1")),
            Some(t) => t,
            None => available_threads(),
        };
        let rule: Rule = rule.parse().map_err(value_error)?;
        let topology: Topology = topology.parse().map_err(value_error)?;
        // One board checked before n are allocated, so a bad size fails fast.
        colony_life::Board::words_for(width, height).map_err(value_error)?;
        let games = py.detach(|| {
            (0..n)
                .map(|i| {
                    let board = soup(width, height, seed.wrapping_add(i as u64), density)?;
                    Game::new(board, rule, topology).with_history(1)
                })
                .collect::<colony_life::Result<Vec<Game>>>()
        });
        Ok(PyGames {
            games: Mutex::new(games.map_err(value_error)?),
            threads,
            seed,
        })
    }

    /// Advances every game `k` generations, the games split between the threads, without the
    /// GIL; returns the populations (a `uint64` array) and the outcomes.
    fn step<'py>(&self, py: Python<'py>, k: u64) -> PyResult<(Bound<'py, PyArray1<u64>>, Vec<OutcomeTuple>)> {
        let threads = self.threads;
        py.detach(|| -> PyResult<()> {
            let mut games = self.games.lock().map_err(poisoned)?;
            let chunk = games.len().div_ceil(threads.max(1)).max(1);
            std::thread::scope(|scope| {
                for part in games.chunks_mut(chunk) {
                    scope.spawn(move || {
                        for game in part {
                            game.advance(k);
                        }
                    });
                }
            });
            Ok(())
        })?;
        Ok((self.populations(py)?, self.outcomes()?))
    }

    /// Number of games.
    fn __len__(&self) -> PyResult<usize> {
        Ok(self.games.lock().map_err(poisoned)?.len())
    }

    /// Threads `step` uses.
    #[getter]
    fn threads(&self) -> usize {
        self.threads
    }

    /// The seed of game 0.
    #[getter]
    fn seed(&self) -> u64 {
        self.seed
    }

    /// Every game's population, as a `uint64` array.
    fn populations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u64>>> {
        let games = self.games.lock().map_err(poisoned)?;
        let populations: Vec<u64> = games.iter().map(|g| g.current().population()).collect();
        Ok(PyArray1::from_vec(py, populations))
    }

    /// Every game's generation, as a `uint64` array.
    fn generations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u64>>> {
        let games = self.games.lock().map_err(poisoned)?;
        let generations: Vec<u64> = games.iter().map(Game::generation).collect();
        Ok(PyArray1::from_vec(py, generations))
    }

    /// Every game's outcome, `(kind, period, text)`.
    fn outcomes(&self) -> PyResult<Vec<OutcomeTuple>> {
        let games = self.games.lock().map_err(poisoned)?;
        Ok(games.iter().map(|g| outcome_tuple(g.outcome())).collect())
    }

    /// The current state of game `i`.
    fn state(&self, i: usize) -> PyResult<PyState> {
        let games = self.games.lock().map_err(poisoned)?;
        let game = games.get(i).ok_or_else(|| {
            pyo3::exceptions::PyIndexError::new_err(format!("game {i} out of range ({} games)", games.len()))
        })?;
        Ok(PyState(game.current().clone()))
    }

    /// Every game's board, bit-packed: a `uint64` array (games, rows, words per row), bit `k` of
    /// word `w` being column `64·w + k`.
    fn words<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray3<u64>>> {
        let games = self.games.lock().map_err(poisoned)?;
        let (width, height) = games
            .first()
            .map_or((0, 0), |g| (g.current().board().width(), g.current().board().height()));
        let per_row = width.div_ceil(WORD_BITS);
        let mut words = Vec::with_capacity(games.len() * height * per_row);
        for game in games.iter() {
            words.extend_from_slice(game.current().board().words());
        }
        let words = Array3::from_shape_vec((games.len(), height, per_row), words)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(PyArray3::from_owned_array(py, words))
    }

    fn __repr__(&self) -> String {
        match self.games.lock() {
            Ok(games) => {
                let (w, h) = games
                    .first()
                    .map_or((0, 0), |g| (g.current().board().width(), g.current().board().height()));
                let generation = games.first().map_or(0, Game::generation);
                format!(
                    "Games(n={}, width={w}, height={h}, seed={}, generation={generation}, threads={})",
                    games.len(),
                    self.seed,
                    self.threads
                )
            }
            Err(_) => "Games(<failed>)".to_string(),
        }
    }
}
