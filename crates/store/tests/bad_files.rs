//! Files that are not usable checkpoint databases, damaged checkpoints, permissions and locks:
//! always a clear error, never a panic.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use colony_store::{Store, StoreError, TrialId, SCHEMA_VERSION};
use common::{quick_options, snapshot, trial};
use rusqlite::Connection;

/// A Colony database with a few 200x130 games at generation 3, closed (WAL folded in).
fn colony_db(path: &Path, games: usize) -> TrialId {
    let mut store = Store::create(path).expect("create");
    let (id, records) = trial(&mut store, &vec![(200, 130); games]);
    store
        .save(id, &records.iter().map(|g| snapshot(g, 3)).collect::<Vec<_>>())
        .expect("save");
    store.close().expect("close");
    id
}

fn random_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len).map(|_| colony_life::splitmix64(&mut seed) as u8).collect()
}

/// Both `open` and `create` refuse the file with `expected`, and `create` leaves it untouched.
fn refused(path: &Path, expected: fn(&StoreError) -> bool) -> StoreError {
    let before = fs::read(path).ok();
    let err = Store::open(path).expect_err("open must fail");
    assert!(expected(&err), "open: unexpected error {err:?}");
    let err = Store::create(path).expect_err("create must fail");
    assert!(expected(&err), "create: unexpected error {err:?}");
    assert_eq!(fs::read(path).ok(), before, "a refused file is never modified");
    err
}

#[test]
fn missing_file_is_not_found_for_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = Store::open(dir.path().join("nothing.db")).expect_err("missing");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert!(!dir.path().join("nothing.db").exists(), "open never creates");
}

#[test]
fn random_bytes_text_and_directories_are_not_databases() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("random.db");
    fs::write(&path, random_bytes(4096, 42)).expect("write");
    let err = refused(&path, |e| matches!(e, StoreError::NotADatabase { .. }));
    assert!(err.to_string().contains("is not a database file"), "{err}");
    assert!(err.is_bad_file());
    fs::write(&path, "name,generation\nglider,4\n").expect("write");
    refused(&path, |e| matches!(e, StoreError::NotADatabase { .. }));
    fs::write(&path, "SQLite").expect("write");
    refused(&path, |e| matches!(e, StoreError::NotADatabase { .. }));
    // A real SQLite header followed by garbage.
    let mut fake = b"SQLite format 3\0".to_vec();
    fake.extend(random_bytes(8192, 7));
    fs::write(&path, fake).expect("write");
    refused(&path, |e| e.is_bad_file());
    let err = Store::open(dir.path()).expect_err("a directory");
    assert!(err.to_string().contains("directory"), "{err}");
}

#[test]
fn empty_file_is_refused_by_open_and_initialized_by_create() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.db");
    fs::write(&path, b"").expect("write");
    let err = Store::open(&path).expect_err("empty");
    assert!(
        matches!(err, StoreError::NotColony { .. }) && err.to_string().contains("empty file"),
        "{err}"
    );
    let mut store = Store::create(&path).expect("create initializes an empty file");
    trial(&mut store, &[(4, 4)]);
    store.close().expect("close");
    Store::open(&path).expect("now a Colony database");
}

#[test]
fn other_sqlite_databases_are_not_colony() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("foreign.db");
    let raw = Connection::open(&path).expect("raw");
    raw.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');")
        .expect("foreign");
    drop(raw);
    let err = refused(&path, |e| matches!(e, StoreError::NotColony { .. }));
    assert!(err.to_string().contains("not a Colony checkpoint database"), "{err}");
    let raw = Connection::open(&path).expect("raw");
    raw.execute_batch("DROP TABLE notes; PRAGMA application_id = 5;")
        .expect("other app");
    drop(raw);
    let err = refused(&path, |e| matches!(e, StoreError::NotColony { .. }));
    assert!(err.to_string().contains("0x00000005"), "{err}");
}

#[test]
fn newer_schema_is_refused_with_both_versions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newer.db");
    colony_db(&path, 1);
    let raw = Connection::open(&path).expect("raw");
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("bump");
    drop(raw);
    let err = refused(&path, |e| matches!(e, StoreError::NewerSchema { .. }));
    assert!(matches!(err, StoreError::NewerSchema { found, supported, .. }
            if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION));
    assert!(err.to_string().contains("upgrade Colony"), "{err}");
}

#[test]
fn missing_schema_information_is_damage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("meta.db");
    colony_db(&path, 1);
    Connection::open(&path)
        .expect("raw")
        .execute_batch("DROP TABLE meta")
        .expect("drop");
    refused(&path, |e| matches!(e, StoreError::Damaged { .. }));
}

#[test]
fn truncated_database_is_damaged_or_not_a_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("truncated.db");
    colony_db(&path, 20);
    let len = fs::metadata(&path).expect("meta").len();
    assert!(len > 64 * 1024, "a database of several pages ({len} bytes)");
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("file")
        .set_len(len / 2)
        .expect("truncate");
    let err = refused(&path, |e| matches!(e, StoreError::Damaged { .. }));
    assert!(err.to_string().contains("damaged"), "{err}");
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("file")
        .set_len(50)
        .expect("truncate");
    refused(&path, |e| e.is_bad_file());
}

#[test]
fn a_flipped_byte_in_a_board_is_caught_by_its_checksum() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flipped.db");
    let id = colony_db(&path, 4);
    // Game 2's board at generation 3: find one of its words in the file and flip a bit.
    let board = common::board_for(200, 130, 2, 3);
    let mut bytes = fs::read(&path).expect("read");
    let at = board.words()[100..]
        .iter()
        .find_map(|w| {
            let needle = w.to_le_bytes();
            bytes.windows(8).position(|window| window == needle)
        })
        .expect("the board's words are in the file");
    bytes[at + 3] ^= 0x10;
    fs::write(&path, bytes).expect("write");
    let store = Store::open(&path).expect("the file's structure is intact");
    let err = store.load_trial(id).expect_err("checksum");
    assert!(
        matches!(err, StoreError::Corrupt { game: 2, trial, .. } if trial == id),
        "{err}"
    );
    assert!(
        err.to_string().contains("game 2 in trial 1") && err.to_string().contains("checksum"),
        "{err}"
    );
    assert!(err.is_bad_file());
    assert!(store.load_game(id, 1).is_ok(), "the other games still load");
    assert_eq!(store.list_games(id).expect("listing reads no boards").len(), 4);
}

#[test]
fn tampered_rows_are_corrupt_checkpoints() {
    let tampering = [
        ("UPDATE checkpoint SET generation = 4 WHERE game = 1", "checksum"),
        (
            "UPDATE checkpoint SET board = substr(board, 1, 100) WHERE game = 1",
            "cannot hold",
        ),
        ("UPDATE game SET width = 1099511627776 WHERE game = 1", "cannot hold"),
        ("UPDATE game SET rule = 'B9/S' WHERE game = 1", "invalid rule"),
        (
            "UPDATE checkpoint SET outcome = 'exploding' WHERE game = 1",
            "unknown outcome",
        ),
        ("UPDATE checkpoint SET population = 0 WHERE game = 1", "population"),
        ("DELETE FROM checkpoint WHERE game = 1", "no checkpoint"),
    ];
    for (sql, expected) in tampering {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tampered.db");
        let id = colony_db(&path, 2);
        let raw = Connection::open(&path).expect("raw");
        raw.pragma_update(None, "foreign_keys", false).expect("fk");
        raw.execute_batch(sql).expect(sql);
        drop(raw);
        let store = Store::open(&path).expect("open");
        let err = store.load_trial(id).expect_err(sql);
        assert!(matches!(err, StoreError::Corrupt { game: 1, .. }), "{sql}: {err}");
        assert!(err.to_string().contains(expected), "{sql}: {err}");
    }
}

#[test]
fn read_only_locations_are_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let read_only = dir.path().join("read-only");
    fs::create_dir(&read_only).expect("mkdir");
    let existing = read_only.join("existing.db");
    colony_db(&existing, 1);
    fs::set_permissions(&read_only, fs::Permissions::from_mode(0o555)).expect("chmod");
    // Root ignores permission bits; then the 0o555 directory proves nothing, and a kernel file
    // system where nobody can create files (/proc) stands in for it.
    let privileged = fs::write(read_only.join("probe"), b"x").is_ok();
    let mut targets: Vec<PathBuf> = vec![
        dir.path().join("no-such-directory/trial.db"),
        PathBuf::from("/proc/colony-store-test.db"),
    ];
    if privileged {
        eprintln!("running with privileges: the 0o555 directory is writable, testing /proc instead");
    } else {
        targets.push(read_only.join("new.db"));
        // An existing database needs its directory for the WAL and shared-memory files.
        let err = Store::open(&existing).expect_err("read-only directory");
        assert!(matches!(err, StoreError::CannotWrite { .. }), "{err:?}");
    }
    for target in targets {
        let err = Store::create(&target).expect_err("cannot create");
        assert!(
            matches!(err, StoreError::CannotWrite { .. }),
            "{}: {err:?}",
            target.display()
        );
        assert!(err.to_string().contains(&target.display().to_string()), "{err}");
        assert!(!err.is_bad_file());
    }
    fs::set_permissions(&read_only, fs::Permissions::from_mode(0o755)).expect("chmod back");
}

#[test]
fn a_lock_held_by_another_connection_times_out_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("locked.db");
    let mut store = Store::create_with(&path, quick_options()).expect("create");
    let (id, games) = trial(&mut store, &[(16, 16)]);
    let other = Connection::open(&path).expect("other");
    other.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    let start = Instant::now();
    let err = store.save(id, &[snapshot(&games[0], 1)]).expect_err("locked");
    let waited = start.elapsed();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("database is locked"), "{err}");
    assert!(waited >= quick_options().busy_timeout / 2, "waited only {waited:?}");
    let err = store.create_trial("{}", 1, &[], &[]).expect_err("locked");
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    // Readers are not blocked in WAL mode: listing works while the lock is held.
    let reader = Store::open_with(&path, quick_options()).expect("open while locked");
    assert_eq!(reader.list_games(id).expect("list")[0].generation, 0);
    other.execute_batch("COMMIT").expect("unlock");
    store
        .save(id, &[snapshot(&games[0], 1)])
        .expect("saves once the lock is gone");
}
