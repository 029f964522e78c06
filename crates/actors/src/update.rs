//! `GameUpdate`: what runners announce, for any number of sinks to follow.

use colony_life::World;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::wire::{GameId, Summary, TrialId};

/// One event about one game.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum GameUpdate {
    /// A game reached a new generation (the last of a batch); `board` is shared, not copied.
    Generation {
        /// Which trial.
        trial: TrialId,
        /// Which game.
        game: GameId,
        /// Generation, population, outcome.
        summary: Summary,
        /// The board, when the runner has it.
        board: Option<World>,
    },
    /// A game's actor failed (panic or error); the other games go on.
    Failed {
        /// Which trial.
        trial: TrialId,
        /// Which game.
        game: GameId,
        /// What the runtime reported.
        reason: String,
    },
    /// A game's actor was restarted (by a supervisor) at `generation`.
    Restarted {
        /// Which trial.
        trial: TrialId,
        /// Which game.
        game: GameId,
        /// The generation it resumed from.
        generation: u64,
    },
    /// A game's actor stopped or was killed.
    Stopped {
        /// Which trial.
        trial: TrialId,
        /// Which game.
        game: GameId,
    },
    /// A trial ended (every game at its target, or cancelled, or failed).
    TrialEnded {
        /// Which trial.
        trial: TrialId,
        /// Wall-clock seconds.
        seconds: f64,
    },
}

/// A broadcast of [`GameUpdate`]s. Bounded: a sink that falls behind loses the oldest updates
/// (it is told how many) instead of slowing the games or growing memory.
/// Sinks that only want lifecycle events (failures, restarts, stops) follow a second, quiet
/// channel, so they are not woken for every generation of every game.
#[derive(Clone)]
pub struct Updates {
    sender: broadcast::Sender<GameUpdate>,
    events: broadcast::Sender<GameUpdate>,
}

/// Updates buffered per sink before the slowest starts losing the oldest.
pub const UPDATE_BUFFER: usize = 1024;

impl Updates {
    /// A broadcast keeping at most `capacity` updates per sink.
    pub fn new(capacity: usize) -> Updates {
        Updates {
            sender: broadcast::channel(capacity.max(1)).0,
            events: broadcast::channel(capacity.max(1)).0,
        }
    }

    /// Announces an update; with no sink following, it is dropped at once.
    pub fn publish(&self, update: GameUpdate) {
        if !matches!(update, GameUpdate::Generation { .. }) && self.events.receiver_count() > 0 {
            let _ = self.events.send(update.clone());
        }
        let _ = self.sender.send(update);
    }

    /// A new sink for lifecycle events only: everything but [`GameUpdate::Generation`].
    pub fn subscribe_events(&self) -> broadcast::Receiver<GameUpdate> {
        self.events.subscribe()
    }

    /// A new sink, receiving updates published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<GameUpdate> {
        self.sender.subscribe()
    }

    /// Whether any sink is following (runners skip preparing boards otherwise).
    pub fn has_sinks(&self) -> bool {
        self.sender.receiver_count() > 0
    }
}

impl Default for Updates {
    fn default() -> Self {
        Updates::new(UPDATE_BUFFER)
    }
}
