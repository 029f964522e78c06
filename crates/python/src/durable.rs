//! A durable `Games`: its games kept in a Colony checkpoint file, one trial per file, in exactly
//! the format `colony trial --checkpoint` writes, so `colony checkpoints` lists it and `colony
//! resume` can finish it. A `Games` created again with the same file and the same games (a Ray
//! actor restarted after its worker died) resumes from each game's latest checkpoint; the engine
//! is deterministic, so the games end exactly where an uninterrupted run ends.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

use colony_actors::trial::TrialSpec;
use colony_actors::{CheckpointSink, GameId, Snapshot, Start, Summary};
use colony_life::Game;
use colony_store::{Journal, Store, TrialId};

use crate::checkpoints::store_error;
use crate::value_error;

/// The trial a `Games` checkpoints into.
pub(crate) struct Durable {
    /// `None` once every game reached the target: the trial is marked finished, its lease given back.
    journal: Option<Journal>,
    path: PathBuf,
    trial: TrialId,
    target: u64,
    every: Option<u64>,
}

impl Durable {
    /// The trial of `path` that `spec` describes, resumed (with every game from its latest
    /// checkpoint, and the lowest generation among them), or recorded as a new trial when the
    /// file does not exist or holds no trial. A file whose latest trial is another one is
    /// refused (`ValueError`): one file per `Games`.
    pub(crate) fn open(path: PathBuf, spec: TrialSpec) -> PyResult<(Durable, Vec<Game>, Option<u64>)> {
        spec.validate().map_err(|e| PyValueError::new_err(e.to_string()))?;
        let holds_data = std::fs::metadata(&path).map(|m| m.len() > 0).unwrap_or(false);
        let latest = if holds_data {
            let store = Store::open(&path).map_err(store_error)?;
            let trials = store.list_trials().map_err(store_error)?;
            store.close().map_err(store_error)?;
            trials.last().cloned()
        } else {
            None
        };
        let Some(latest) = latest else {
            let journal = Journal::create(&path, &spec).map_err(store_error)?;
            let games = (0..spec.games)
                .map(|i| spec.game(i).build_board().and_then(|g| g.with_history(1)))
                .collect::<colony_life::Result<Vec<Game>>>()
                .map_err(value_error)?;
            let trial = journal.trial();
            let durable = Durable {
                journal: Some(journal),
                path,
                trial,
                target: spec.steps,
                every: None,
            };
            return Ok((durable, games, None));
        };
        let resumption = Journal::resume(&path, Some(latest.id)).map_err(store_error)?;
        if let Some(difference) = differs(&resumption.spec, &spec) {
            return Err(PyValueError::new_err(format!(
                "{}: its trial {} is {difference}; a checkpointed Games needs a file of its own (or the same games)",
                path.display(),
                latest.id
            )));
        }
        let mut games = Vec::with_capacity(resumption.starts.len());
        for start in &resumption.starts {
            let Start::Board {
                board,
                generation,
                outcome,
            } = start
            else {
                return Err(PyValueError::new_err("a checkpoint without a board"));
            };
            let Some(board) = board.board() else {
                return Err(PyValueError::new_err(
                    "a checkpoint of a game on the plane (Games holds boards)",
                ));
            };
            let game = Game::resume(colony_life::Board::clone(board), *generation, spec.rule, spec.topology)
                .with_history(1)
                .map_err(value_error)?
                .with_known_outcome(*outcome);
            games.push(game);
        }
        let trial = resumption.journal.trial();
        // A finished trial is only read: its lease goes back at once (dropping the journal).
        let journal = latest.finished_at.is_none().then_some(resumption.journal);
        let durable = Durable {
            journal,
            path,
            trial,
            target: spec.steps,
            every: None,
        };
        Ok((durable, games, Some(resumption.lowest)))
    }

    /// Checkpoints every `every` generations too (besides the end of every step).
    pub(crate) fn with_every(mut self, every: Option<u64>) -> Durable {
        self.every = every;
        self
    }

    /// The file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The trial's id in the file.
    pub(crate) fn trial(&self) -> i64 {
        self.trial.get()
    }

    /// Advances game `index` to `end`, handing its board to the writer at every multiple of
    /// `every` it reaches and at `end` (the writer thread commits them; newest per game wins).
    pub(crate) fn advance(&self, index: usize, game: &mut Game, end: u64) -> Result<(), String> {
        let mut at = game.generation();
        let number = u32::try_from(index).map_err(|_| format!("game {index} is past 2^32 - 1"))?;
        while at < end {
            let next = match self.every {
                Some(every) => (at / every + 1).saturating_mul(every).min(end),
                None => end,
            };
            game.advance(next - at);
            at = game.generation();
            let on_boundary = self.every.is_some_and(|every| at % every == 0);
            if let (Some(journal), true) = (&self.journal, on_boundary || at >= end) {
                let current = game.current();
                let snapshot = Snapshot {
                    summary: Summary {
                        generation: at,
                        population: current.population(),
                        outcome: game.outcome(),
                    },
                    board: colony_life::World::Board(Arc::clone(current.shared_board())),
                };
                journal.save(vec![(GameId(number), snapshot)])?;
            }
            if at < next {
                break; // the generation stopped at 2^64 - 1
            }
        }
        Ok(())
    }

    /// After a step: waits until every checkpoint handed over is committed; when every game has
    /// reached the target, marks the trial finished (as `colony trial` does) and gives its lease up.
    pub(crate) fn settle(&mut self, games: &[Game]) -> PyResult<()> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        journal.flush().map_err(PyOSError::new_err)?;
        if games.iter().all(|g| g.generation() >= self.target) {
            // Dropping the journal stops its writer (everything is committed) and releases the lease.
            self.journal = None;
            let mut store = Store::open(&self.path).map_err(store_error)?;
            store.mark_finished(self.trial).map_err(store_error)?;
            store.close().map_err(store_error)?;
        }
        Ok(())
    }
}

/// How the stored trial differs from the one asked for (the fields that make the games), if it does.
fn differs(stored: &TrialSpec, asked: &TrialSpec) -> Option<String> {
    let describe = |s: &TrialSpec| {
        format!(
            "{} games of {}x{} {} {}, seed {}, density {}, to generation {}{}",
            s.games,
            s.width,
            s.height,
            s.topology,
            s.rule,
            s.seed,
            s.density,
            s.steps,
            if s.pattern.is_some() { ", from a pattern" } else { "" }
        )
    };
    let same = stored.games == asked.games
        && (stored.width, stored.height) == (asked.width, asked.height)
        && stored.seed == asked.seed
        && stored.density.to_bits() == asked.density.to_bits()
        && (stored.rule, stored.topology) == (asked.rule, asked.topology)
        && stored.steps == asked.steps
        && stored.pattern.is_none();
    (!same).then(|| format!("{}, not {}", describe(stored), describe(asked)))
}
