//! A trial's checkpoints in a database, attached to the runtime as its [`CheckpointSink`]: how a
//! checkpointed trial is recorded, resumed and finished.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use colony_actors::trial::{TrialReport, TrialSpec};
use colony_actors::{CheckpointSink, Checkpointing, GameId, Space, Start, Summary};

use crate::{CheckpointSender, CheckpointWriter, GameRecord, Result, Snapshot, Store, StoreError, TrialId};

/// One trial of one database, written by a background [`CheckpointWriter`].
pub struct Journal {
    path: PathBuf,
    trial: TrialId,
    sender: CheckpointSender,
    /// Taken by [`CheckpointSink::finish`].
    writer: Mutex<Option<CheckpointWriter>>,
}

/// A trial read back from a database, ready to continue.
pub struct Resumption {
    /// The journal to keep checkpointing into.
    pub journal: Journal,
    /// What the trial runs.
    pub spec: TrialSpec,
    /// Every game's latest checkpoint, by game.
    pub starts: Vec<Start>,
    /// Games not at the target generation yet.
    pub behind: usize,
    /// The lowest generation among the games.
    pub lowest: u64,
}

impl Journal {
    /// Records `spec` and every game's starting board as a new trial of the database at `path`
    /// (created if missing).
    pub fn create(path: impl AsRef<Path>, spec: &TrialSpec) -> Result<Journal> {
        spec.validate().map_err(|e| StoreError::Invalid(e.to_string()))?;
        let json = serde_json::to_string(spec).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut records = Vec::with_capacity(spec.games);
        let mut initial = Vec::with_capacity(spec.games);
        for i in 0..spec.games {
            let game_spec = spec.game(i);
            let game = game_spec.build().map_err(|e| StoreError::Invalid(e.to_string()))?;
            records.push(GameRecord {
                game: i as u32,
                seed: game_spec.seed(),
                rule: spec.rule,
                topology: spec.topology,
                plane: spec.space == Space::Plane,
                width: spec.width,
                height: spec.height,
            });
            initial.push(Snapshot::new(i as u32, 0, game.world(), game.outcome()));
        }
        let mut store = Store::create(path)?;
        let trial = store.create_leased_trial(&json, spec.steps, &records, &initial)?;
        Journal::continue_in(store, trial)
    }

    /// Reads trial `trial` (default: the latest unfinished one, else the latest) of the database
    /// at `path`, checked against its spec, ready to continue. Takes the trial's lease first
    /// ([`StoreError::Leased`] while another process runs it).
    pub fn resume(path: impl AsRef<Path>, trial: Option<TrialId>) -> Result<Resumption> {
        let path = path.as_ref();
        let mut store = Store::open(path)?;
        let trial = match trial {
            Some(id) => id,
            None => {
                let trials = store.list_trials()?;
                match trials.iter().rev().find(|t| !t.is_complete()).or(trials.last()) {
                    Some(t) => t.id,
                    None => return Err(StoreError::Invalid(format!("{}: holds no trial", path.display()))),
                }
            }
        };
        store.take_lease(trial)?;
        let checked = store.load_trial(trial).and_then(|checkpoint| {
            let spec = cross_check(path, &checkpoint)?;
            Ok((checkpoint, spec))
        });
        let (checkpoint, spec) = match checked {
            Ok(both) => both,
            Err(error) => {
                let _ = store.release_lease();
                return Err(error);
            }
        };
        let behind = checkpoint.unfinished().count();
        let lowest = checkpoint.snapshots.iter().map(|s| s.generation).min().unwrap_or(0);
        let starts = checkpoint
            .snapshots
            .iter()
            .map(|s| Start::Board {
                board: s.board.clone(),
                generation: s.generation,
                outcome: s.outcome,
            })
            .collect();
        Ok(Resumption {
            journal: Journal::continue_in(store, trial)?,
            spec,
            starts,
            behind,
            lowest,
        })
    }

    /// Continues checkpointing `trial` of an open `store`.
    pub fn continue_in(store: Store, trial: TrialId) -> Result<Journal> {
        let path = store.path().to_path_buf();
        let writer = CheckpointWriter::spawn(store, trial)?;
        Ok(Journal {
            path,
            trial,
            sender: writer.sender(),
            writer: Mutex::new(Some(writer)),
        })
    }

    /// The trial's id in the database.
    pub fn trial(&self) -> TrialId {
        self.trial
    }

    /// The database's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What a runner needs to checkpoint into this journal.
    pub fn checkpointing(self, every: Option<u64>, interval: Option<Duration>) -> Checkpointing {
        Checkpointing {
            sink: Arc::new(self),
            every,
            interval,
        }
    }

    fn context(&self, e: StoreError) -> String {
        format!("{}: {e}", self.path.display())
    }
}

impl CheckpointSink for Journal {
    fn save(&self, snapshots: Vec<(GameId, colony_actors::Snapshot)>) -> std::result::Result<(), String> {
        let stored = snapshots.into_iter().map(|(game, s)| {
            let Summary {
                generation, outcome, ..
            } = s.summary;
            Snapshot::new(game.0, generation, s.board, outcome)
        });
        self.sender.send_all(stored).map_err(|e| self.context(e))
    }

    fn flush(&self) -> std::result::Result<(), String> {
        self.sender.flush().map_err(|e| self.context(e))
    }

    fn load(&self, game: GameId) -> std::result::Result<Option<colony_actors::Snapshot>, String> {
        self.sender.flush().map_err(|e| self.context(e))?;
        let s = self.sender.load_game(game.0).map_err(|e| self.context(e))?;
        let summary = Summary {
            generation: s.generation,
            population: s.population(),
            outcome: s.outcome,
        };
        Ok(Some(colony_actors::Snapshot {
            summary,
            board: s.board,
        }))
    }

    fn finish(&self, report: &TrialReport) -> std::result::Result<(), String> {
        let writer = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or_else(|| format!("{}: trial {} finished twice", self.path.display(), self.trial))?;
        let mut store = writer.finish().map_err(|e| self.context(e))?;
        if report.reached_target() {
            store.mark_finished(self.trial).map_err(|e| self.context(e))?;
        }
        store.release_lease().map_err(|e| self.context(e))
    }
}

impl Drop for Journal {
    /// A journal dropped unfinished (a failed run) gives its lease up, so that `colony resume`
    /// need not wait for this process to exit.
    fn drop(&mut self) {
        let writer = self.writer.get_mut().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(mut store) = writer.and_then(|w| w.finish().ok()) {
            let _ = store.release_lease();
        }
    }
}

/// The longest pause between batches a stored spec may ask for: the CLI's own limit.
const MAX_STORED_PAUSE: Duration = Duration::from_secs(3600);

/// Parses the trial's spec and checks it against everything else stored: the target, every
/// game's rule, topology, size and seed, every game's generation, and the spec's own bounds.
/// A file edited by hand, or written by something else, is refused rather than run.
fn cross_check(path: &Path, checkpoint: &crate::Checkpoint) -> Result<TrialSpec> {
    let trial = checkpoint.trial.id;
    let inconsistent = |detail: String| StoreError::Inconsistent {
        path: path.to_path_buf(),
        trial,
        detail,
    };
    let spec: TrialSpec = serde_json::from_str(&checkpoint.trial.spec_json)
        .map_err(|e| inconsistent(format!("its spec cannot be read by this version: {e}")))?;
    spec.validate()
        .map_err(|e| inconsistent(format!("its spec is invalid: {e}")))?;
    if spec.pause > MAX_STORED_PAUSE {
        return Err(inconsistent(format!(
            "its spec pauses {:?} between batches, more than the limit of {MAX_STORED_PAUSE:?}",
            spec.pause
        )));
    }
    if spec.steps != checkpoint.trial.target_generation {
        return Err(inconsistent(format!(
            "its spec runs {} steps but its target generation is {}",
            spec.steps, checkpoint.trial.target_generation
        )));
    }
    if spec.games != checkpoint.trial.games.len() || spec.games != checkpoint.snapshots.len() {
        return Err(inconsistent(format!(
            "its spec has {} games but it holds {} games and {} snapshots",
            spec.games,
            checkpoint.trial.games.len(),
            checkpoint.snapshots.len()
        )));
    }
    for (i, (record, snapshot)) in checkpoint.trial.games.iter().zip(&checkpoint.snapshots).enumerate() {
        let on_plane = spec.space == Space::Plane;
        let expected = (
            spec.rule,
            on_plane || spec.topology == record.topology,
            spec.width,
            spec.height,
        );
        let stored = (record.rule, true, record.width, record.height);
        if record.game as usize != i || stored != expected || record.plane != on_plane {
            return Err(inconsistent(format!(
                "game {} is {}x{} {} {} but the spec says {}x{} {} {}",
                record.game,
                record.width,
                record.height,
                record.topology_text(),
                record.rule,
                spec.width,
                spec.height,
                if on_plane {
                    "plane".to_string()
                } else {
                    spec.topology.to_string()
                },
                spec.rule
            )));
        }
        if record.seed != spec.game(i).seed() {
            return Err(inconsistent(format!(
                "game {} has seed {:?} but the spec gives it {:?}",
                record.game,
                record.seed,
                spec.game(i).seed()
            )));
        }
        if snapshot.generation > spec.steps {
            return Err(inconsistent(format!(
                "game {} is at generation {}, past the target generation {}",
                record.game, snapshot.generation, spec.steps
            )));
        }
    }
    Ok(spec)
}
