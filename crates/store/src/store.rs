//! A connection to a checkpoint database, and everything that writes to it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};

use crate::columns::{outcome_to_parts, to_sql_count, u64_bits};
use crate::lease::{self, Holder};
use colony_life::World;

use crate::{blob, schema, GameRecord, Result, Snapshot, StoreError, StoreOptions, Timestamp, TrialId};

/// One connection to a Colony checkpoint database (an SQLite file in WAL mode).
///
/// Every method that writes runs in one `BEGIN IMMEDIATE` transaction, so it either happens
/// entirely or not at all, whatever crashes when. Several processes may use the same file; a
/// writer waits up to [`StoreOptions::busy_timeout`] for another's lock. A `Store` is `Send` but
/// not `Sync`: give it to one thread (see [`CheckpointWriter`](crate::CheckpointWriter)).
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    pub(crate) options: StoreOptions,
    /// The trial this connection holds the lease of: every save to it checks and renews it.
    pub(crate) lease: Option<(TrialId, Holder)>,
}

/// A snapshot turned into column values, before any lock is taken.
struct Encoded<'a> {
    snapshot: &'a Snapshot,
    generation: i64,
    population: i64,
    outcome: String,
    period: Option<i64>,
    checksum: i64,
    board: Vec<u8>,
}

impl<'a> Encoded<'a> {
    fn new(snapshot: &'a Snapshot) -> Result<Encoded<'a>> {
        let board = blob::encode_world(&snapshot.board);
        let (outcome, period) = outcome_to_parts(snapshot.outcome);
        Ok(Encoded {
            snapshot,
            generation: to_sql_count(snapshot.generation, "generation")?,
            population: to_sql_count(snapshot.population(), "population")?,
            outcome,
            period: period.map(|p| to_sql_count(p, "period")).transpose()?,
            checksum: u64_bits(blob::checksum(&board, snapshot.generation)),
            board,
        })
    }
}

impl Store {
    /// Opens the checkpoint database at `path` for writing, creating it if it does not exist (or
    /// is an empty file). An existing file must be a Colony database; it is verified and new
    /// trials are added beside the old ones. A file of any other kind is never overwritten.
    pub fn create(path: impl AsRef<Path>) -> Result<Store> {
        Store::create_with(path, StoreOptions::default())
    }

    /// [`Store::create`] with options.
    pub fn create_with(path: impl AsRef<Path>, options: StoreOptions) -> Result<Store> {
        Store::connect(path.as_ref(), options, true)
    }

    /// Opens an existing checkpoint database (for `colony resume` and `colony checkpoints`),
    /// verifying it with `PRAGMA quick_check`. A missing, empty, foreign, newer or damaged file is
    /// an error.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with(path, StoreOptions::default())
    }

    /// Opens an existing Colony database only to read it: nothing is written, so a file in a
    /// folder the user cannot write to can be listed. An older schema is refused (a read-only
    /// connection cannot migrate it).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        let options = StoreOptions::default();
        let has_content = schema::probe_file(path, false)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let fail = |e| StoreError::sqlite(path, options.busy_timeout, e);
        let mut conn = Connection::open_with_flags(path, flags).map_err(fail)?;
        // A WAL database needs its -shm file, which a read-only folder may not let SQLite create;
        // then the file is read as immutable (no other process can be writing in such a folder
        // either, short of its owner).
        if conn
            .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .is_err()
        {
            let uri = format!(
                "file:{}?immutable=1",
                path.display().to_string().replace('?', "%3f").replace('#', "%23")
            );
            conn = Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI).map_err(fail)?;
        }
        conn.busy_timeout(options.busy_timeout).map_err(fail)?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
            options,
            lease: None,
        };
        schema::prepare_read_only(&store, has_content)?;
        Ok(store)
    }

    /// [`Store::open`] with options.
    pub fn open_with(path: impl AsRef<Path>, options: StoreOptions) -> Result<Store> {
        Store::connect(path.as_ref(), options, false)
    }

    fn connect(path: &Path, options: StoreOptions, create: bool) -> Result<Store> {
        if create && !path.exists() {
            Store::create_atomically(path, &options)?;
        }
        Store::connect_here(path, options, create)
    }

    fn connect_here(path: &Path, options: StoreOptions, create: bool) -> Result<Store> {
        let has_content = schema::probe_file(path, create)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| StoreError::sqlite(path, options.busy_timeout, e))?;
        conn.busy_timeout(options.busy_timeout)
            .map_err(|e| StoreError::sqlite(path, options.busy_timeout, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            options,
            lease: None,
        };
        schema::prepare(&mut store, has_content, create)?;
        Ok(store)
    }

    /// Builds a new database beside `path` and renames it into place, so that a crash during
    /// creation never leaves a half-made file under the real name (`colony resume` would find an
    /// SQLite file without Colony's tables).
    fn create_atomically(path: &Path, options: &StoreOptions) -> Result<()> {
        let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(format!(".creating-{}", std::process::id()));
        let temporary = path.with_file_name(name);
        let built = Store::connect_here(&temporary, options.clone(), true).and_then(Store::close);
        let renamed = built.and_then(|()| {
            // A `-wal` beside a missing database belongs to a deleted one (its process was killed
            // before folding it back): SQLite would replay it into the new file and bring the
            // deleted trials back.
            remove_stale_companions(path)?;
            std::fs::rename(&temporary, path).map_err(|e| StoreError::CannotWrite {
                path: path.to_path_buf(),
                source: std::sync::Arc::new(e),
            })
        });
        if renamed.is_err() {
            for suffix in ["", "-wal", "-shm"] {
                let mut leftover = temporary.clone().into_os_string();
                leftover.push(suffix);
                let _ = std::fs::remove_file(leftover);
            }
        }
        renamed
    }

    /// Takes the lease of `trial` for this connection: from now on every [`save`](Self::save) to
    /// it checks, in its transaction, that the lease is still this connection's, and renews it.
    /// Refused with [`StoreError::Leased`] while another live writer holds it; a dead holder's
    /// lease, or one not renewed for [`LEASE_EXPIRY`](crate::LEASE_EXPIRY), is taken over.
    pub fn take_lease(&mut self, trial: TrialId) -> Result<()> {
        let holder = Holder::this_process();
        let (path, busy) = (&self.path, self.options.busy_timeout);
        let fail = |e| StoreError::sqlite(path, busy, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let found = tx
            .query_row("SELECT 1 FROM trial WHERE id = ?1", [trial.get()], |_| Ok(()))
            .optional()
            .map_err(fail)?;
        if found.is_none() {
            return Err(StoreError::UnknownTrial {
                path: path.clone(),
                trial,
            });
        }
        lease::acquire(&tx, fail, path, trial, &holder)?;
        tx.commit().map_err(fail)?;
        self.lease = Some((trial, holder));
        Ok(())
    }

    /// Renews the lease this connection holds, if any; [`StoreError::LeaseLost`] when another
    /// writer took it over.
    pub fn renew_lease(&mut self) -> Result<()> {
        let Some((trial, holder)) = &self.lease else {
            return Ok(());
        };
        let (path, busy) = (&self.path, self.options.busy_timeout);
        let fail = |e| StoreError::sqlite(path, busy, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        lease::renew(&tx, fail, path, *trial, holder)?;
        tx.commit().map_err(fail)
    }

    /// Gives the lease up (when the trial or resume ends), unless another writer has it now.
    pub fn release_lease(&mut self) -> Result<()> {
        let Some((trial, holder)) = self.lease.take() else {
            return Ok(());
        };
        self.conn
            .execute(
                "DELETE FROM lease WHERE trial = ?1 AND token = ?2",
                params![trial.get(), holder.token],
            )
            .map_err(|e| self.sql_error(e))?;
        Ok(())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The options this connection was opened with.
    pub fn options(&self) -> &StoreOptions {
        &self.options
    }

    /// Closes the connection, reporting any failure (dropping a `Store` closes it silently).
    /// The last connection to close folds the WAL back into the main file.
    pub fn close(self) -> Result<()> {
        let (path, busy) = (self.path, self.options.busy_timeout);
        self.conn.close().map_err(|(_, e)| StoreError::sqlite(&path, busy, e))
    }

    /// Classifies an SQLite error on this database.
    pub(crate) fn sql_error(&self, error: rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.path, self.options.busy_timeout, error)
    }

    /// Records a new trial: its spec (opaque JSON owned by the caller), the generation every game
    /// is to reach, its games, and each game's initial snapshot (exactly one per game, usually at
    /// generation 0). Returns the new trial's id.
    pub fn create_trial(
        &mut self,
        spec_json: &str,
        target_generation: u64,
        games: &[GameRecord],
        initial: &[Snapshot],
    ) -> Result<TrialId> {
        self.record_trial(spec_json, target_generation, games, initial, false)
    }

    /// [`create_trial`](Self::create_trial), taking the new trial's lease in the same
    /// transaction (see [`take_lease`](Self::take_lease)), so no other writer can claim it first.
    pub fn create_leased_trial(
        &mut self,
        spec_json: &str,
        target_generation: u64,
        games: &[GameRecord],
        initial: &[Snapshot],
    ) -> Result<TrialId> {
        self.record_trial(spec_json, target_generation, games, initial, true)
    }

    fn record_trial(
        &mut self,
        spec_json: &str,
        target_generation: u64,
        games: &[GameRecord],
        initial: &[Snapshot],
        leased: bool,
    ) -> Result<TrialId> {
        validate_trial(games, initial)?;
        let target = to_sql_count(target_generation, "target generation")?;
        let encoded = initial.iter().map(Encoded::new).collect::<Result<Vec<_>>>()?;
        let now = Timestamp::now().unix_millis();
        let (path, busy) = (&self.path, self.options.busy_timeout);
        let fail = |e| StoreError::sqlite(path, busy, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        tx.execute(
            "INSERT INTO trial (spec_json, target_generation, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
            params![spec_json, target, now],
        )
        .map_err(fail)?;
        let trial = TrialId::new(tx.last_insert_rowid());
        for record in games {
            tx.execute(
                "INSERT INTO game (trial, game, seed, rule, topology, width, height) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    trial.get(),
                    record.game,
                    record.seed.map(u64_bits),
                    record.rule.to_string(),
                    record.topology_text(),
                    to_sql_count(record.width as u64, "width")?,
                    to_sql_count(record.height as u64, "height")?,
                ],
            )
            .map_err(fail)?;
        }
        for snapshot in &encoded {
            put(&tx, trial, snapshot, now).map_err(fail)?;
        }
        let holder = Holder::this_process();
        if leased {
            lease::acquire(&tx, fail, path, trial, &holder)?;
        }
        tx.commit().map_err(fail)?;
        if leased {
            self.lease = Some((trial, holder));
        }
        Ok(trial)
    }

    /// Replaces the latest snapshot of each given game of `trial`, all in one transaction: after a
    /// crash either every snapshot of the batch is stored or none is. Only the latest snapshot of a
    /// game is kept. An unknown trial or game, or a board whose size differs from the game's,
    /// fails the whole batch, and so does a lost lease ([`StoreError::LeaseLost`]) when this
    /// connection holds the trial's lease.
    ///
    /// **A game's generation never moves backwards:** a snapshot older than the stored one is
    /// ignored (the stored one is newer, so nothing is lost; a late or stale writer cannot undo
    /// progress). A snapshot of the same generation replaces the stored one.
    pub fn save(&mut self, trial: TrialId, snapshots: &[Snapshot]) -> Result<()> {
        if snapshots.is_empty() {
            return Ok(());
        }
        let encoded = snapshots.iter().map(Encoded::new).collect::<Result<Vec<_>>>()?;
        let now = Timestamp::now().unix_millis();
        let (path, busy) = (&self.path, self.options.busy_timeout);
        let fail = |e| StoreError::sqlite(path, busy, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let touched = tx
            .execute(
                "UPDATE trial SET updated_at = ?2 WHERE id = ?1",
                params![trial.get(), now],
            )
            .map_err(fail)?;
        if touched == 0 {
            return Err(StoreError::UnknownTrial {
                path: path.clone(),
                trial,
            });
        }
        if let Some((leased, holder)) = &self.lease {
            if *leased == trial {
                lease::renew(&tx, fail, path, trial, holder)?;
            }
        }
        for snapshot in &encoded {
            check_size(&tx, fail, path, trial, snapshot.snapshot)?;
            put(&tx, trial, snapshot, now).map_err(fail)?;
        }
        tx.commit().map_err(fail)
    }

    /// Records that `trial` has finished (every game reached its target or settled).
    pub fn mark_finished(&mut self, trial: TrialId) -> Result<()> {
        let now = Timestamp::now().unix_millis();
        let touched = self
            .conn
            .execute(
                "UPDATE trial SET finished_at = ?2 WHERE id = ?1",
                params![trial.get(), now],
            )
            .map_err(|e| self.sql_error(e))?;
        if touched == 0 {
            return Err(StoreError::UnknownTrial {
                path: self.path.clone(),
                trial,
            });
        }
        Ok(())
    }
}

/// Every game once, every game with exactly one initial snapshot of its size.
fn validate_trial(games: &[GameRecord], initial: &[Snapshot]) -> Result<()> {
    let mut numbers = BTreeSet::new();
    for record in games {
        if !numbers.insert(record.game) {
            return Err(StoreError::Invalid(format!("game {} appears twice", record.game)));
        }
        let mut matching = initial.iter().filter(|s| s.game == record.game);
        let (Some(snapshot), None) = (matching.next(), matching.next()) else {
            return Err(StoreError::Invalid(format!(
                "game {} needs exactly one initial snapshot",
                record.game
            )));
        };
        match (&snapshot.board, record.plane) {
            (World::Board(board), false) => {
                let size = (board.width(), board.height());
                if size != (record.width, record.height) {
                    return Err(StoreError::Invalid(format!(
                        "game {} is {}x{} but its initial board is {}x{}",
                        record.game, record.width, record.height, size.0, size.1
                    )));
                }
            }
            (World::Plane(_), true) => {}
            (_, plane) => {
                return Err(StoreError::Invalid(format!(
                    "game {} is {} but its initial cells are not",
                    record.game,
                    if plane { "on the plane" } else { "a board" }
                )))
            }
        }
    }
    if let Some(stray) = initial.iter().find(|s| !numbers.contains(&s.game)) {
        return Err(StoreError::Invalid(format!(
            "initial snapshot of unknown game {}",
            stray.game
        )));
    }
    Ok(())
}

/// Checks that the game exists and has the snapshot's size.
fn check_size(
    tx: &Transaction<'_>,
    fail: impl Fn(rusqlite::Error) -> StoreError,
    path: &Path,
    trial: TrialId,
    snapshot: &Snapshot,
) -> Result<()> {
    let mut statement = tx
        .prepare_cached("SELECT width, height, topology FROM game WHERE trial = ?1 AND game = ?2")
        .map_err(&fail)?;
    let size: Option<(i64, i64, String)> = statement
        .query_row(params![trial.get(), snapshot.game], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .map_err(&fail)?;
    let game = snapshot.game;
    let Some((width, height, topology)) = size else {
        return Err(StoreError::UnknownGame {
            path: path.to_path_buf(),
            trial,
            game,
        });
    };
    let on_plane = topology == GameRecord::PLANE;
    let board = match &snapshot.board {
        World::Board(board) if !on_plane => board,
        _ => {
            if on_plane == snapshot.board.plane().is_some() {
                return Ok(());
            }
            return Err(StoreError::Invalid(format!(
                "game {game} of trial {trial} is {} but the snapshot is not",
                if on_plane { "on the plane" } else { "a board" }
            )));
        }
    };
    let board = (board.width() as i64, board.height() as i64);
    if board != (width, height) {
        return Err(StoreError::Invalid(format!(
            "game {game} of trial {trial} is {width}x{height} but the snapshot's board is {}x{}",
            board.0, board.1
        )));
    }
    Ok(())
}

/// Inserts or replaces one game's checkpoint row.
fn put(tx: &Transaction<'_>, trial: TrialId, e: &Encoded<'_>, now: i64) -> rusqlite::Result<()> {
    let mut statement = tx.prepare_cached(
        "INSERT INTO checkpoint (trial, game, generation, population, outcome, period, checksum, saved_at, board)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (trial, game) DO UPDATE SET
             generation = excluded.generation, population = excluded.population,
             outcome = excluded.outcome, period = excluded.period, checksum = excluded.checksum,
             saved_at = excluded.saved_at, board = excluded.board
         WHERE excluded.generation >= checkpoint.generation",
    )?;
    statement.execute(params![
        trial.get(),
        e.snapshot.game,
        e.generation,
        e.population,
        e.outcome,
        e.period,
        e.checksum,
        now,
        e.board,
    ])?;
    Ok(())
}

/// Removes `-wal` and `-shm` files left beside a database that no longer exists.
fn remove_stale_companions(path: &Path) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    for suffix in ["-wal", "-shm"] {
        let mut companion = path.as_os_str().to_os_string();
        companion.push(suffix);
        match std::fs::remove_file(&companion) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(StoreError::CannotWrite {
                    path: PathBuf::from(companion),
                    source: std::sync::Arc::new(e),
                })
            }
        }
    }
    Ok(())
}
