//! Checkpoints of Colony's Game of Life trials in an embedded SQLite database.
//!
//! A [`Store`] is one connection to a checkpoint file. A trial is recorded once with
//! [`Store::create_trial`] (its opaque spec, target generation and one [`GameRecord`] per game) and
//! then each game's latest [`Snapshot`] is replaced with [`Store::save`], one transaction per batch,
//! so that a crash at any instant leaves every game at a consistent generation.
//! [`Store::load_trial`] gives everything back as a [`Checkpoint`] for `colony resume`, and
//! [`Store::list_trials`] / [`Store::list_games`] feed `colony checkpoints`.
//!
//! **Durability.** The file is in WAL mode and every write is one transaction, so a crash at any
//! instant (process kill or power loss) leaves the file readable and each game at the generation
//! of the last committed batch; only each game's latest snapshot is kept. The default
//! [`Synchronous::Normal`] loses nothing committed when the process dies, and at worst the last
//! few commits (falling back to older, consistent checkpoints) when the power fails; see
//! [`Synchronous`]. Every board is stored with an xxh3 checksum that is verified on load, and an
//! existing file is checked with `PRAGMA quick_check` when opened. Files that are not Colony
//! databases are refused, never modified.
//!
//! **One writer per trial.** A writer takes the trial's lease ([`Store::take_lease`],
//! [`Store::create_leased_trial`]); every save checks it in its own transaction, and a second
//! claimant gets [`StoreError::Leased`] naming the holder. Saves never move a game's generation
//! backwards. [`Journal`] does all of this, renewing the lease from its writer thread.
//!
//! Writes belong off the stepping path: a [`CheckpointWriter`] owns a `Store` on a background
//! thread, and any number of cloned [`CheckpointSender`]s hand it snapshots without waiting for the
//! disk (newest per game wins).
//!
//! ```
//! use colony_life::{Board, Outcome, Rule, Topology};
//! use colony_store::{GameRecord, Snapshot, Store};
//!
//! let dir = tempfile::tempdir()?;
//! let mut store = Store::create(dir.path().join("trial.db"))?;
//! let (rule, topology) = (Rule::CONWAY, Topology::Torus);
//! let game = GameRecord { game: 0, seed: Some(7), rule, topology, plane: false, width: 8, height: 8 };
//! let start = Snapshot::new(0, 0, Board::new(8, 8)?, Outcome::Running);
//! let trial = store.create_trial(r#"{"games":1}"#, 1000, &[game], &[start])?;
//! store.save(trial, &[Snapshot::new(0, 100, Board::new(8, 8)?, Outcome::Extinct)])?;
//! let checkpoint = store.load_trial(trial)?;
//! assert_eq!(checkpoint.snapshots[0].generation, 100);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod blob;
mod columns;
mod error;
mod journal;
mod lease;
mod load;
mod options;
mod record;
mod schema;
mod serde_text;
mod snapshot;
mod store;
mod summary;
mod timestamp;
mod writer;

pub use error::{Result, StoreError};
pub use journal::{Journal, Resumption};
pub use lease::{Holder, LEASE_EXPIRY, LEASE_RENEWAL};
pub use options::{StoreOptions, Synchronous};
pub use record::{Checkpoint, GameRecord, TrialId, TrialRecord};
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};
pub use snapshot::Snapshot;
pub use store::Store;
pub use summary::{GameSummary, TrialSummary};
pub use timestamp::Timestamp;
pub use writer::{CheckpointSender, CheckpointWriter, WriterStats};
