//! How a store connection behaves: durability, waiting for locks, verification on open.

use std::time::Duration;

/// When SQLite waits for the disk (`PRAGMA synchronous`). The database is always in WAL mode.
///
/// Both levels keep the file readable and every transaction all-or-nothing after a crash at any
/// instant, process kill or power loss: in WAL mode a commit is a frame appended to the `-wal`
/// file, and a torn or missing tail of frames is ignored on recovery (each frame is checksummed),
/// so every game is at the generation of the last complete transaction. They differ only in
/// *which* transaction that is after a **power loss**:
///
/// * [`Synchronous::Normal`] (the default) fsyncs only when the WAL is copied back into the main
///   file. A process kill (`kill -9`, panic, OOM) loses nothing that was committed, because
///   committed frames sit in the operating system's page cache, which outlives the process. A
///   power loss or kernel crash may roll back the last few commits — to an *older, still
///   consistent* checkpoint. Checkpoints are only a restart point for a deterministic engine, so
///   losing the newest one costs recomputation, never correctness; in exchange a commit costs no
///   fsync on the stepping machine's disk.
/// * [`Synchronous::Full`] also fsyncs the WAL at every commit, so a commit that returned survives
///   power loss too. Use it when the checkpoint is the only record of work that cannot be redone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// `PRAGMA synchronous = NORMAL`: consistent after any crash, durable against process death.
    #[default]
    Normal,
    /// `PRAGMA synchronous = FULL`: also durable against power loss, one fsync per commit.
    Full,
}

impl Synchronous {
    pub(crate) fn pragma_value(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// Options for [`Store::create_with`](crate::Store::create_with) and
/// [`Store::open_with`](crate::Store::open_with).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// How long a statement waits for another connection's lock before failing with
    /// [`StoreError::Locked`](crate::StoreError::Locked). Default 5 s.
    pub busy_timeout: Duration,
    /// Durability level; see [`Synchronous`].
    pub synchronous: Synchronous,
    /// Run `PRAGMA quick_check` when opening an existing file (default true). It reads every page
    /// once: milliseconds for typical trials, seconds for gigabytes of boards.
    pub verify_on_open: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_secs(5),
            synchronous: Synchronous::Normal,
            verify_on_open: true,
        }
    }
}
