//! Errors of the actor runtime.

use thiserror::Error;

use crate::wire::GameId;

/// What can go wrong talking to game actors.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ColonyError {
    /// The game's actor has stopped, was killed or failed before replying.
    #[error("{0} is gone (its actor stopped, was killed or failed)")]
    ActorGone(GameId),
    /// The actor could not be started.
    #[error("cannot start {game}: {reason}")]
    Spawn {
        /// Which game.
        game: GameId,
        /// Why.
        reason: String,
    },
    /// The spec describes no valid game.
    #[error("invalid game: {0}")]
    Spec(#[from] colony_life::LifeError),
    /// The trial's parameters are invalid.
    #[error("invalid trial: {0}")]
    Trial(String),
    /// Checkpoints could not be written or read.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// The runtime could not start.
    #[error("runtime: {0}")]
    Runtime(String),
}
