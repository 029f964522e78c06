//! The store's error type.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::ErrorCode;
use thiserror::Error;

use crate::TrialId;

/// Everything the store can refuse. Errors are `Clone` (sources are shared) so that a
/// [`CheckpointWriter`](crate::CheckpointWriter) can hand its first failure to every caller.
#[derive(Debug, Error, Clone)]
#[non_exhaustive]
pub enum StoreError {
    /// [`Store::open`](crate::Store::open) was given a path where no file exists.
    #[error("{}: no such checkpoint database", .path.display())]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The file could not be created or opened for writing (missing or read-only directory,
    /// permissions, read-only file system).
    #[error("cannot open {} for writing: {source}", .path.display())]
    CannotWrite {
        /// The path given.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: Arc<io::Error>,
    },
    /// The file exists but could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        /// The path given.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: Arc<io::Error>,
    },
    /// The file is not an SQLite database at all (random bytes, a text file, a directory).
    #[error("{} is not a database file ({reason})", .path.display())]
    NotADatabase {
        /// The path given.
        path: PathBuf,
        /// What gave it away.
        reason: String,
    },
    /// The file is an SQLite database, or empty, but not a Colony checkpoint database.
    #[error("{} is not a Colony checkpoint database ({reason})", .path.display())]
    NotColony {
        /// The path given.
        path: PathBuf,
        /// What gave it away.
        reason: String,
    },
    /// The file was written by a newer Colony whose schema this build does not know.
    #[error(
        "{} has checkpoint schema version {found}, but this build of Colony reads versions up to {supported}; upgrade Colony",
        .path.display()
    )]
    NewerSchema {
        /// The path given.
        path: PathBuf,
        /// Version stored in the file.
        found: i64,
        /// Newest version this build understands.
        supported: i64,
    },
    /// An older schema, which only a connection that may write can migrate.
    #[error(
        "{} has checkpoint schema version {found}, written by an older Colony; it is migrated when opened for writing (e.g. `colony resume`), not when only read",
        .path.display()
    )]
    NeedsMigration {
        /// The path given.
        path: PathBuf,
        /// Version stored in the file.
        found: i64,
    },
    /// The database file itself is damaged (truncated, overwritten, failed integrity check).
    #[error("{} is damaged: {detail}", .path.display())]
    Damaged {
        /// The path given.
        path: PathBuf,
        /// What SQLite or the integrity check reported.
        detail: String,
    },
    /// One game's checkpoint fails verification (checksum, size or encoding).
    #[error("{}: checkpoint of game {game} in trial {trial} is corrupt: {reason}", .path.display())]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// The trial holding the game.
        trial: TrialId,
        /// The game number.
        game: u32,
        /// What does not match.
        reason: String,
    },
    /// Another connection kept the database locked for longer than the busy timeout.
    #[error("{}: database is locked by another connection (gave up after {waited:?})", .path.display())]
    Locked {
        /// The database file.
        path: PathBuf,
        /// The busy timeout that expired.
        waited: Duration,
    },
    /// No trial with this id exists in the database.
    #[error("{}: no trial {trial}", .path.display())]
    UnknownTrial {
        /// The database file.
        path: PathBuf,
        /// The id asked for.
        trial: TrialId,
    },
    /// The trial exists but has no game with this number.
    #[error("{}: trial {trial} has no game {game}", .path.display())]
    UnknownGame {
        /// The database file.
        path: PathBuf,
        /// The trial.
        trial: TrialId,
        /// The game number asked for.
        game: u32,
    },
    /// The caller passed something the store cannot record (mismatched sizes, duplicate games,
    /// a generation beyond `i64::MAX`).
    #[error("invalid checkpoint: {0}")]
    Invalid(String),
    /// Any other SQLite failure (disk full, I/O error, ...).
    #[error("{}: {source}", .path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: Arc<rusqlite::Error>,
    },
    /// Another live writer holds the trial's lease (see [`LEASE_EXPIRY`](crate::LEASE_EXPIRY)).
    #[error(
        "{}: trial {trial} is being written by {holder} (lease renewed {renewed:.0?} ago); wait for it to finish, or stop it",
        .path.display()
    )]
    Leased {
        /// The database file.
        path: PathBuf,
        /// The trial.
        trial: TrialId,
        /// Who holds it: pid and host.
        holder: String,
        /// How long ago the holder last renewed it.
        renewed: Duration,
    },
    /// This writer's lease was taken over (it was not renewed in time): it must stop writing.
    #[error("{}: another process took over trial {trial} (this one stopped renewing its lease)", .path.display())]
    LeaseLost {
        /// The database file.
        path: PathBuf,
        /// The trial.
        trial: TrialId,
    },
    /// A stored value is out of range or contradicts another (a tampered or foreign-made file).
    #[error("{}: trial {trial} is inconsistent: {detail}", .path.display())]
    Inconsistent {
        /// The database file.
        path: PathBuf,
        /// The trial.
        trial: TrialId,
        /// What contradicts what.
        detail: String,
    },
    /// The [`CheckpointWriter`](crate::CheckpointWriter) behind a sender has finished or its
    /// thread died.
    #[error("the checkpoint writer has stopped")]
    WriterStopped,
}

impl StoreError {
    /// Whether the error means the file cannot be used as a checkpoint database at all (not a
    /// database, not Colony's, newer schema, damaged or corrupt): the CLI's exit code 2.
    pub fn is_bad_file(&self) -> bool {
        matches!(
            self,
            StoreError::NotADatabase { .. }
                | StoreError::NotColony { .. }
                | StoreError::NewerSchema { .. }
                | StoreError::NeedsMigration { .. }
                | StoreError::Damaged { .. }
                | StoreError::Corrupt { .. }
                | StoreError::Inconsistent { .. }
        )
    }

    /// Classifies an SQLite error on the database at `path`; `busy_timeout` is reported when the
    /// database was locked.
    pub(crate) fn sqlite(path: &Path, busy_timeout: Duration, error: rusqlite::Error) -> StoreError {
        let path = path.to_path_buf();
        if let rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) = error
        {
            return StoreError::Damaged {
                path,
                detail: format!("unexpected value in the database: {error}"),
            };
        }
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked {
                path,
                waited: busy_timeout,
            },
            Some(ErrorCode::NotADatabase) => StoreError::NotADatabase {
                path,
                reason: error.to_string(),
            },
            Some(ErrorCode::DatabaseCorrupt) => StoreError::Damaged {
                path,
                detail: error.to_string(),
            },
            Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
                let source = Arc::new(io::Error::new(io::ErrorKind::PermissionDenied, error.to_string()));
                StoreError::CannotWrite { path, source }
            }
            _ => StoreError::Sqlite {
                path,
                source: Arc::new(error),
            },
        }
    }
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_sqlite_codes() {
        let err = |code| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some("message".into()));
        let path = Path::new("x.db");
        let wait = Duration::from_millis(5);
        let busy = StoreError::sqlite(path, wait, err(rusqlite::ffi::SQLITE_BUSY));
        assert!(matches!(busy, StoreError::Locked { .. }));
        assert!(busy.to_string().contains("database is locked"), "{busy}");
        let notadb = StoreError::sqlite(path, wait, err(rusqlite::ffi::SQLITE_NOTADB));
        assert!(notadb.is_bad_file());
        let corrupt = StoreError::sqlite(path, wait, err(rusqlite::ffi::SQLITE_CORRUPT));
        assert!(matches!(corrupt, StoreError::Damaged { .. }));
        let full = StoreError::sqlite(path, wait, err(rusqlite::ffi::SQLITE_FULL));
        assert!(matches!(full, StoreError::Sqlite { .. }) && !full.is_bad_file());
    }
}
