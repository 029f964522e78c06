//! The database layout, how a file is recognised as Colony's, and how a connection is set up.

use std::fs;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::{Result, Store, StoreError, Timestamp};

/// `PRAGMA application_id` of every Colony checkpoint database: `CLNY` in ASCII.
pub const APPLICATION_ID: i32 = 0x434C_4E59;

/// The schema version this build writes and the newest it reads (`PRAGMA user_version`).
/// Version 2 added the `lease` table (one writer per trial); a version-1 file is migrated when
/// opened.
pub const SCHEMA_VERSION: i64 = 2;

/// The `format` entry of the `meta` table, for people looking at the file with `sqlite3`.
const FORMAT: &str = "colony-checkpoints";

/// The first 16 bytes of every SQLite 3 database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Tables of schema version 2 (version 1 lacked `lease`). A checkpoint row holds only each game's *latest* snapshot: the
/// previous one is replaced in the same transaction, and WAL recovery guarantees that after a crash
/// the row is either entirely the old or entirely the new one. The board blob is the last column,
/// so listings that never read it do not walk its overflow pages.
const SCHEMA: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE trial (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    spec_json         TEXT    NOT NULL,
    target_generation INTEGER NOT NULL CHECK (target_generation >= 0),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    finished_at       INTEGER
);

CREATE TABLE game (
    trial    INTEGER NOT NULL REFERENCES trial (id) ON DELETE CASCADE,
    game     INTEGER NOT NULL CHECK (game >= 0),
    seed     INTEGER,
    rule     TEXT    NOT NULL,
    topology TEXT    NOT NULL,
    width    INTEGER NOT NULL CHECK (width > 0),
    height   INTEGER NOT NULL CHECK (height > 0),
    PRIMARY KEY (trial, game)
) WITHOUT ROWID;

CREATE TABLE checkpoint (
    trial      INTEGER NOT NULL,
    game       INTEGER NOT NULL,
    generation INTEGER NOT NULL CHECK (generation >= 0),
    population INTEGER NOT NULL CHECK (population >= 0),
    outcome    TEXT    NOT NULL,
    period     INTEGER,
    checksum   INTEGER NOT NULL,
    saved_at   INTEGER NOT NULL,
    board      BLOB    NOT NULL,
    PRIMARY KEY (trial, game),
    FOREIGN KEY (trial, game) REFERENCES game (trial, game) ON DELETE CASCADE
);
";

/// What version 2 added: who writes each trial now (see `lease.rs`).
const LEASE_TABLE: &str = "
CREATE TABLE lease (
    trial      INTEGER PRIMARY KEY NOT NULL REFERENCES trial (id) ON DELETE CASCADE,
    host       TEXT    NOT NULL,
    pid        INTEGER NOT NULL,
    started    INTEGER NOT NULL,
    token      INTEGER NOT NULL,
    taken_at   INTEGER NOT NULL,
    renewed_at INTEGER NOT NULL
);
";

/// What an opened file turned out to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Contents {
    /// Nothing yet: an empty file or an SQLite database without any table.
    Fresh,
    /// A Colony checkpoint database of this schema version.
    Colony(i64),
}

/// Looks at the file before SQLite does. Returns whether it exists with some content; creates an
/// empty file when `create` is set and none exists, so that permission problems surface as the
/// operating system's own error rather than SQLite's "unable to open database file".
pub(crate) fn probe_file(path: &Path, create: bool) -> Result<bool> {
    let cannot_write = |source: io::Error| StoreError::CannotWrite {
        path: path.to_path_buf(),
        source: Arc::new(source),
    };
    let not_a_database = |reason: String| StoreError::NotADatabase {
        path: path.to_path_buf(),
        reason,
    };
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(not_a_database("it is a directory".to_string())),
        Ok(meta) if meta.len() == 0 => Ok(false),
        Ok(meta) => {
            let mut header = Vec::with_capacity(SQLITE_MAGIC.len());
            fs::File::open(path)
                .and_then(|file| file.take(SQLITE_MAGIC.len() as u64).read_to_end(&mut header))
                .map_err(|source| StoreError::Io {
                    path: path.to_path_buf(),
                    source: Arc::new(source),
                })?;
            if header.as_slice() != SQLITE_MAGIC {
                return Err(not_a_database(format!(
                    "no SQLite header in its first bytes; {} bytes long",
                    meta.len()
                )));
            }
            Ok(true)
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            if !create {
                return Err(StoreError::NotFound {
                    path: path.to_path_buf(),
                });
            }
            fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(cannot_write)?;
            Ok(false)
        }
        Err(error) => Err(cannot_write(error)),
    }
}

/// Recognises a database opened read-only and verifies it; nothing is written, so an older schema
/// is refused rather than migrated.
pub(crate) fn prepare_read_only(store: &Store, has_content: bool) -> Result<()> {
    match inspect(store, &store.conn)? {
        Contents::Fresh => Err(StoreError::NotColony {
            path: store.path.clone(),
            reason: if has_content {
                "an SQLite database without Colony's tables"
            } else {
                "an empty file"
            }
            .to_string(),
        }),
        Contents::Colony(found) if found < SCHEMA_VERSION => Err(StoreError::NeedsMigration {
            path: store.path.clone(),
            found,
        }),
        Contents::Colony(_) => {
            if store.options.verify_on_open {
                quick_check(store)?;
            }
            Ok(())
        }
    }
}

/// Recognises the database, verifies it, sets the connection up and creates the tables of a fresh
/// file when `create` is set.
pub(crate) fn prepare(store: &mut Store, has_content: bool, create: bool) -> Result<()> {
    let contents = inspect(store, &store.conn)?;
    if contents == Contents::Fresh && !create {
        return Err(StoreError::NotColony {
            path: store.path.clone(),
            reason: if has_content {
                "an SQLite database without Colony's tables"
            } else {
                "an empty file"
            }
            .to_string(),
        });
    }
    if has_content && store.options.verify_on_open {
        quick_check(store)?;
    }
    configure(store, contents == Contents::Fresh)?;
    match contents {
        Contents::Fresh => initialize(store)?,
        Contents::Colony(1) => migrate_from_1(store)?,
        Contents::Colony(_) => {}
    }
    Ok(())
}

/// Reads the header fields and the `meta` table to tell what the file holds.
fn inspect(store: &Store, conn: &Connection) -> Result<Contents> {
    let fail = |e| store.sql_error(e);
    let application_id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(fail)?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(fail)?;
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(fail)?;
    let path = store.path.clone();
    if application_id != i64::from(APPLICATION_ID) {
        if application_id == 0 && version == 0 && objects == 0 {
            return Ok(Contents::Fresh);
        }
        let reason = if application_id == 0 {
            format!("an SQLite database holding {objects} tables and indexes of another program")
        } else {
            format!("an SQLite database with application id {application_id:#010x}")
        };
        return Err(StoreError::NotColony { path, reason });
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path,
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let meta = |key: &str| -> Result<Option<String>> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| StoreError::Damaged {
                path: path.clone(),
                detail: format!("cannot read the meta table: {e}"),
            })
    };
    let format = meta("format")?;
    let stored_version = meta("schema_version")?;
    if version < 1 || format.as_deref() != Some(FORMAT) || stored_version != Some(version.to_string()) {
        return Err(StoreError::Damaged {
            path,
            detail: format!(
                "inconsistent schema information (user_version {version}, meta format {format:?}, meta schema_version {stored_version:?})"
            ),
        });
    }
    Ok(Contents::Colony(version))
}

/// `PRAGMA quick_check`: every page and index is structurally sound.
fn quick_check(store: &Store) -> Result<()> {
    let fail = |e| store.sql_error(e);
    let mut statement = store.conn.prepare("PRAGMA quick_check(5)").map_err(fail)?;
    let problems = statement
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<String>>>())
        .map_err(fail)?;
    if problems.iter().any(|p| p != "ok") {
        return Err(StoreError::Damaged {
            path: store.path.clone(),
            detail: format!("integrity check failed: {}", problems.join("; ")),
        });
    }
    Ok(())
}

/// Page size of new databases. A 256x256 board is an 8 KiB blob: with SQLite's default 4 KiB
/// pages every board is a chain of overflow pages, with 64 KiB pages several boards share one.
/// Saving 64 such boards took about 0.65 ms of CPU against 0.78 ms with 4 KiB pages (wall time
/// was dominated by the disk either way); larger boards gain more. Small boards share pages
/// either way, at the price of rewriting a whole 64 KiB page when a single small game is saved.
const PAGE_SIZE: i64 = 65_536;

/// Bytes the WAL may grow to before it is folded into the main file (SQLite's default is 1000
/// pages of 4 KiB; kept at the same size in bytes whatever the page size).
const WAL_CHECKPOINT_BYTES: i64 = 4 << 20;

/// Page size (fresh files only), WAL journal, synchronous level, checkpoint interval, foreign
/// keys: all outside transactions, and all but the page size per connection.
fn configure(store: &Store, fresh: bool) -> Result<()> {
    let fail = |e| store.sql_error(e);
    let conn = &store.conn;
    if fresh {
        conn.pragma_update(None, "page_size", PAGE_SIZE).map_err(fail)?;
    }
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(fail)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::CannotWrite {
            path: store.path.clone(),
            source: Arc::new(io::Error::other(format!(
                "cannot switch to WAL journal mode (still {mode})"
            ))),
        });
    }
    conn.pragma_update(None, "synchronous", store.options.synchronous.pragma_value())
        .map_err(fail)?;
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).map_err(fail)?;
    conn.pragma_update(
        None,
        "wal_autocheckpoint",
        (WAL_CHECKPOINT_BYTES / page_size.max(512)).max(1),
    )
    .map_err(fail)?;
    conn.pragma_update(None, "foreign_keys", true).map_err(fail)?;
    Ok(())
}

/// Creates the tables and marks the file as Colony's, all in one transaction (a crash part way
/// leaves a fresh file, which the next `create` initializes again).
fn initialize(store: &mut Store) -> Result<()> {
    let tx = store
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| StoreError::sqlite(&store.path, store.options.busy_timeout, e))?;
    let fail = |e| StoreError::sqlite(&store.path, store.options.busy_timeout, e);
    let objects: i64 = tx
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(fail)?;
    if objects > 0 {
        // Another process initialized the file between our inspection and our lock.
        drop(tx);
        return inspect(store, &store.conn).map(|_| ());
    }
    tx.execute_batch(SCHEMA).map_err(fail)?;
    tx.execute_batch(LEASE_TABLE).map_err(fail)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID).map_err(fail)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(fail)?;
    let writer = concat!("colony-store ", env!("CARGO_PKG_VERSION"));
    let created = Timestamp::now().to_string();
    for (key, value) in [
        ("format", FORMAT),
        ("schema_version", &SCHEMA_VERSION.to_string()),
        ("created_by", writer),
        ("created_at", &created),
    ] {
        tx.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", [key, value])
            .map_err(fail)?;
    }
    tx.commit().map_err(fail)
}

/// Brings a version-1 file (Colony 0.1 up to the lease) to version 2: adds the empty `lease`
/// table; nothing else changed. One transaction, so a crash leaves version 1 to migrate again.
fn migrate_from_1(store: &mut Store) -> Result<()> {
    let (path, busy) = (store.path.clone(), store.options.busy_timeout);
    let fail = |e| {
        match StoreError::sqlite(&path, busy, e) {
        StoreError::CannotWrite { path, source } => StoreError::CannotWrite {
            source: Arc::new(io::Error::new(
                source.kind(),
                format!("{source}; the file has checkpoint schema version 1 and must be upgraded to version {SCHEMA_VERSION} once, which needs write access"),
            )),
            path,
        },
        other => other,
    }
    };
    let tx = store
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(fail)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(fail)?;
    if version != 1 {
        // Another process migrated it between our inspection and our lock.
        return Ok(());
    }
    tx.execute_batch(LEASE_TABLE).map_err(fail)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(fail)?;
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
        [SCHEMA_VERSION.to_string()],
    )
    .map_err(fail)?;
    let writer = concat!("colony-store ", env!("CARGO_PKG_VERSION"));
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('migrated_from_1_by', ?1)",
        [writer],
    )
    .map_err(fail)?;
    tx.commit().map_err(fail)
}
