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
    /// The game's actor declined the request (a reply over its bounds, an undecodable message).
    #[error("{game} refused the request: {reason}")]
    Refused {
        /// Which game.
        game: GameId,
        /// Why, naming the limit.
        reason: String,
    },
    /// The game's placement can no longer be trusted: its node was declared lost (it stopped
    /// answering, or its session ended), or the game was placed again since. Its replies are
    /// refused; the supervisor restarts it elsewhere.
    #[error("{game} is lost: {reason}")]
    Lost {
        /// Which game.
        game: GameId,
        /// Why, naming the node.
        reason: String,
    },
    /// No reply came within the call timeout.
    #[error("{game} did not reply within {after:?}")]
    Timeout {
        /// Which game.
        game: GameId,
        /// The timeout that passed.
        after: std::time::Duration,
    },
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
    /// The runtime is running as many trials as it takes.
    #[error("busy: {0}")]
    Busy(String),
    /// No such trial (never started, or ended long ago and forgotten).
    #[error("no {0}")]
    NoSuchTrial(crate::wire::TrialId),
    /// The trial (or game) is not running.
    #[error("{trial} is not running: {status}")]
    NotRunning {
        /// Which trial.
        trial: crate::wire::TrialId,
        /// Where it stands instead.
        status: String,
    },
    /// The trial has no such game.
    #[error("{trial} has no {game}: its games are 0 to {}", games.saturating_sub(1))]
    NoSuchGame {
        /// Which trial.
        trial: crate::wire::TrialId,
        /// The game asked for.
        game: GameId,
        /// How many games it has.
        games: usize,
    },
    /// Checkpoints could not be written or read.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// The runtime could not start.
    #[error("runtime: {0}")]
    Runtime(String),
}
