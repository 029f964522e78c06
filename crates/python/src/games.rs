//! Many games in one object, stepped on every core the process may use: one Ray actor hosting
//! many games, instead of one Ray actor (tens of MB) per game. Optionally durable: the games
//! checkpoint into a Colony checkpoint file and a new `Games` with the same file resumes them.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Mutex;

use numpy::ndarray::Array3;
use numpy::{PyArray1, PyArray3};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use colony_life::{soup, Game, Rule, Topology, WORD_BITS};

use crate::durable::Durable;
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
    /// The generation every game is to reach, if one was set (`steps`); stepping past it is refused.
    target: Option<u64>,
    /// The checkpoint file the games are kept in, if any. Locked after `games`.
    durable: Mutex<Option<Durable>>,
    /// Where the games were restored from: the lowest generation among them, if they were.
    restored: Option<u64>,
}

#[pymethods]
impl PyGames {
    /// Builds the games (soups made without the GIL). `threads` defaults to
    /// [`available_threads`]. With `checkpoint`, the games are those of the file's trial when it
    /// holds this one (resumed from its latest checkpoint), else recorded there as a new trial
    /// running to `steps`, checkpointed every `every` generations and at the end of every step.
    #[new]
    #[pyo3(signature = (n, width, height, seed, density = 0.5, rule = "B3/S23", topology = "torus", threads = None,
                        steps = None, checkpoint = None, every = None))]
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
        steps: Option<u64>,
        checkpoint: Option<PathBuf>,
        every: Option<u64>,
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
        if every == Some(0) {
            return Err(PyValueError::new_err("every must be at least 1"));
        }
        if let Some(path) = checkpoint {
            let Some(target) = steps else {
                return Err(PyValueError::new_err(
                    "a checkpointed Games needs steps=, the generation its games run to (where `colony resume` finishes them)",
                ));
            };
            let spec = colony_actors::trial::TrialSpec {
                games: n,
                width,
                height,
                steps: target,
                // What `colony resume` asks each game for per message (it checkpoints between them).
                batch_size: every.unwrap_or(100).min(target).max(1),
                seed,
                density,
                rule,
                topology,
                ..colony_actors::trial::TrialSpec::default()
            };
            let (durable, games, restored) = py.detach(|| Durable::open(path, spec))?;
            return Ok(PyGames {
                games: Mutex::new(games),
                threads,
                seed,
                target: Some(target),
                durable: Mutex::new(Some(durable.with_every(every))),
                restored,
            });
        }
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
            target: steps,
            durable: Mutex::new(None),
            restored: None,
        })
    }

    /// Advances every game `k` generations, the games split between the threads, without the
    /// GIL; returns the populations (a `uint64` array) and the outcomes.
    /// With a checkpoint file, every game is checkpointed at each multiple of `every` it passes
    /// and where it ends, and the call returns once that last checkpoint is on disk.
    fn step<'py>(&self, py: Python<'py>, k: u64) -> PyResult<(Bound<'py, PyArray1<u64>>, Vec<OutcomeTuple>)> {
        py.detach(|| self.advance_all(|generation| generation.checked_add(k)))?;
        Ok((self.populations(py)?, self.outcomes()?))
    }

    /// Advances every game behind `generation` to it (games already there stay): the same
    /// result whether the games started at 0 or were restored from a checkpoint, so a Ray task
    /// retried on a restarted actor ends where the first attempt would have.
    fn step_to<'py>(
        &self,
        py: Python<'py>,
        generation: u64,
    ) -> PyResult<(Bound<'py, PyArray1<u64>>, Vec<OutcomeTuple>)> {
        py.detach(|| self.advance_all(|at| Some(at.max(generation))))?;
        Ok((self.populations(py)?, self.outcomes()?))
    }

    /// The generation every game runs to (`steps`), if one was set.
    #[getter]
    fn target(&self) -> Option<u64> {
        self.target
    }

    /// The checkpoint file, if any.
    #[getter]
    fn checkpoint(&self) -> PyResult<Option<PathBuf>> {
        Ok(self
            .durable
            .lock()
            .map_err(poisoned)?
            .as_ref()
            .map(|d| d.path().to_path_buf()))
    }

    /// The trial's id in the checkpoint file, if any.
    #[getter]
    fn trial(&self) -> PyResult<Option<i64>> {
        Ok(self.durable.lock().map_err(poisoned)?.as_ref().map(Durable::trial))
    }

    /// The lowest generation the games were restored at from the checkpoint file, or `None` for
    /// games that started afresh.
    #[getter]
    fn restored(&self) -> Option<u64> {
        self.restored
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

impl PyGames {
    /// Advances every game to `end(its generation)` on the threads, checkpointing as it goes when
    /// there is a file; refuses (before any step) an end past the target or past `u64::MAX`.
    fn advance_all(&self, end: impl Fn(u64) -> Option<u64> + Sync) -> PyResult<()> {
        let mut games = self.games.lock().map_err(poisoned)?;
        let mut guard = self.durable.lock().map_err(poisoned)?;
        let mut ends = Vec::with_capacity(games.len());
        for game in games.iter() {
            let at = game.generation();
            let Some(e) = end(at) else {
                return Err(PyValueError::new_err(format!(
                    "a game at generation {at} cannot go past generation 2^64 - 1"
                )));
            };
            if let Some(target) = self.target {
                if e > target {
                    return Err(PyValueError::new_err(format!(
                        "the games run to generation {target} (steps={target}); a game at {at} cannot go to {e}"
                    )));
                }
            }
            ends.push(e);
        }
        let durable = guard.as_ref();
        let chunk = games.len().div_ceil(self.threads.max(1)).max(1);
        let failures: Vec<String> = std::thread::scope(|scope| {
            let workers: Vec<_> = games
                .chunks_mut(chunk)
                .zip(ends.chunks(chunk))
                .enumerate()
                .map(|(c, (part, ends))| {
                    scope.spawn(move || -> Result<(), String> {
                        for (j, (game, &end)) in part.iter_mut().zip(ends).enumerate() {
                            let index = c * chunk + j;
                            match durable {
                                Some(d) => d.advance(index, game, end)?,
                                None => {
                                    let at = game.generation();
                                    game.advance(end - at);
                                }
                            }
                        }
                        Ok(())
                    })
                })
                .collect();
            workers
                .into_iter()
                .filter_map(|w| match w.join() {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(e),
                    Err(_) => Some("a stepping thread failed".to_string()),
                })
                .collect()
        });
        if let Some(first) = failures.into_iter().next() {
            return Err(pyo3::exceptions::PyOSError::new_err(first));
        }
        if let Some(d) = guard.as_mut() {
            d.settle(&games)?;
        }
        Ok(())
    }
}
