//! Colony's actor runtime: one [`ractor`] actor per Game of Life, the way the Ray tutorial runs
//! one Ray actor per game.
//!
//! - [`GameActor`] owns one [`colony_life::Game`]; its mailbox handles one [`GameMsg`] at a time.
//! - [`Colony`] is the runtime handle: start it ([`Colony::init`], Ray's `ray.init`), ask for
//!   [`Colony::resources`], [`Colony::spawn`] games, call them through a [`GameHandle`] (each
//!   call is a [`Pending`] reply, Ray's object ref), [`wait`] for whichever replies come first,
//!   and kill actors. An actor lives while a handle to it exists.
//! - Stepping runs on a fixed pool of compute threads ([`Compute`]), never on the async
//!   runtime's threads, so timers and I/O stay responsive while every core computes.
//! - Runners publish [`GameUpdate`]s to a bounded broadcast ([`Updates`]) that any number of
//!   sinks follow; a slow sink loses old updates instead of slowing the games.
//! - [`trial`] runs the tutorial's experiment sequentially or on actors.
//!
//! Guarantees (ractor's, relied on here): messages from one sender to one actor are handled in
//! the order sent; a panic or error in a handler stops that actor only, its supervisor is told,
//! and pending calls to it fail with [`ColonyError::ActorGone`].
//!
//! ```
//! use colony_life::Outcome;
//! use colony_actors::{Colony, ColonyConfig, Detail, GameId, GameSpec};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let colony = Colony::init(ColonyConfig::default()).await?;
//! let game = colony.spawn(GameId(0), GameSpec::soup(32, 7)).await?;
//! let reply = game.step(10, Detail::Summaries).await?;
//! assert_eq!(reply.summaries.len(), 10);
//! assert_eq!(reply.summaries[9].generation, 10);
//! # Ok::<(), colony_actors::ColonyError>(())
//! # }).unwrap();
//! ```
#![deny(missing_docs)]

mod actor;
mod any_game;
mod checkpoint;
mod colony;
mod compute;
mod error;
pub mod machine;
mod message;
pub mod overhead;
mod pending;
mod placement;
pub mod supervisor;
pub mod trial;
mod update;
mod wire;

pub use actor::{step_game, ActorStats, GameActor, GameArgs, GameState};
pub use any_game::{AnyGame, Kept};
pub use checkpoint::{CheckpointSink, Checkpointing};
pub use colony::{ActorRow, Colony, ColonyConfig, GameHandle, Placed, Resources, DEFAULT_CALL_TIMEOUT};
pub use compute::Compute;
pub use error::ColonyError;
pub use message::{bytes_port_for, decode_body, decode_reply, typed_port_for, GameMsg, Reply};
pub use pending::{completions, wait, Pending, Waited};
pub use placement::{NodeState, NodeView, Placement};
pub use supervisor::{Trial, TrialInfo, TrialOptions, TrialStatus, TrialSupervisor};
pub use update::{GameUpdate, Updates, UPDATE_BUFFER};
pub use wire::{
    Detail, GameId, GameInfo, GameSpec, GameStats, Refused, Snapshot, Space, Start, StepReply, Summary, TrialId,
    DEFAULT_PLANE_MEMORY, MAX_REPLY_BOARD_BYTES, MAX_REPLY_SUMMARIES, TRIAL_HISTORY,
};
