//! Checkpoints as a sink: the runtime says when a game's snapshot is due and hands it over; what
//! keeps it (a SQLite file in `colony-store`, memory in tests) is behind [`CheckpointSink`].

use std::sync::Arc;
use std::time::Duration;

use crate::trial::TrialReport;
use crate::wire::{GameId, Snapshot};

/// Keeps a trial's checkpoints. `save` must not wait for a disk; the blocking calls run off the
/// async runtime (the runner calls them with `spawn_blocking`).
pub trait CheckpointSink: Send + Sync + 'static {
    /// Hands over the newest snapshots of some games (one batch: written together or not at all).
    /// Must return at once, whatever the storage is doing.
    fn save(&self, snapshots: Vec<(GameId, Snapshot)>) -> Result<(), String>;

    /// Blocks until everything saved so far is durable.
    fn flush(&self) -> Result<(), String>;

    /// The latest durable snapshot of `game`, if it has one (blocking; flushes first).
    fn load(&self, game: GameId) -> Result<Option<Snapshot>, String>;

    /// The trial ended with `report` (every game at the target, or not): blocking, called once.
    fn finish(&self, report: &TrialReport) -> Result<(), String>;
}

/// Where and how often an actor trial checkpoints its games.
#[derive(Clone)]
pub struct Checkpointing {
    /// What keeps the snapshots.
    pub sink: Arc<dyn CheckpointSink>,
    /// Checkpoint a game whenever it passes a multiple of this many generations.
    pub every: Option<u64>,
    /// Also checkpoint every game that moved on, at least this often.
    pub interval: Option<Duration>,
}

impl std::fmt::Debug for Checkpointing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpointing")
            .field("every", &self.every)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}
