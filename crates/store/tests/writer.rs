//! The background checkpoint writer: coalescing, flushing, errors, loading and shutdown.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use colony_store::{CheckpointWriter, Store, StoreError, StoreOptions, TrialId};
use common::{generations, quick_options, snapshot, trial};
use rusqlite::Connection;

#[test]
fn sends_are_written_and_flushed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("writer.db");
    let mut store = Store::create(&path).expect("create");
    let (id, games) = trial(&mut store, &[(16, 16), (65, 3), (1, 1)]);
    let writer = CheckpointWriter::spawn(store, id).expect("spawn");
    for generation in 1..=5 {
        writer
            .send_all(games.iter().map(|g| snapshot(g, generation * 10)))
            .expect("send");
    }
    writer.flush().expect("flush");
    assert_eq!(
        generations(&path, id),
        [50, 50, 50],
        "flushed data is visible to other connections"
    );
    let stats = writer.stats();
    assert_eq!(stats.received, 15);
    assert!(
        stats.written <= stats.received && stats.written >= 3 && stats.batches >= 1,
        "{stats:?}"
    );
    let mut store = writer.finish().expect("finish gives the store back");
    store.mark_finished(id).expect("mark finished");
}

#[test]
fn a_slow_or_locked_disk_never_blocks_senders_and_newest_wins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("slow.db");
    let options = StoreOptions {
        busy_timeout: Duration::from_secs(10),
        ..StoreOptions::default()
    };
    let mut store = Store::create_with(&path, options).expect("create");
    let (id, games) = trial(&mut store, &[(64, 64), (64, 64)]);
    let writer = CheckpointWriter::spawn(store, id).expect("spawn");
    let blocker = Connection::open(&path).expect("blocker");
    blocker.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    let mut slowest = Duration::ZERO;
    for generation in 1..=50 {
        for g in &games {
            let start = Instant::now();
            writer.send(snapshot(g, generation)).expect("send");
            slowest = slowest.max(start.elapsed());
        }
        thread::sleep(Duration::from_millis(2));
    }
    assert!(
        slowest < Duration::from_millis(50),
        "a send waited {slowest:?} for the disk"
    );
    blocker.execute_batch("COMMIT").expect("unlock");
    writer.flush().expect("flush");
    assert_eq!(generations(&path, id), [50, 50]);
    let stats = writer.stats();
    assert_eq!(stats.received, 100);
    assert!(stats.written <= 4, "pending snapshots were coalesced: {stats:?}");
    writer.finish().expect("finish");
}

#[test]
fn the_first_error_is_reported_and_stops_the_writer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::create(dir.path().join("error.db")).expect("create");
    let (id, games) = trial(&mut store, &[(8, 8)]);
    let writer = CheckpointWriter::spawn(store, id).expect("spawn");
    let sender = writer.sender();
    let stray = common::game(9, 8, 8);
    sender
        .send(snapshot(&stray, 1))
        .expect("sending never waits for the disk");
    let err = writer.flush().expect_err("unknown game");
    assert!(matches!(err, StoreError::UnknownGame { game: 9, .. }), "{err}");
    let again = sender.send(snapshot(&games[0], 2)).expect_err("stopped");
    assert!(
        matches!(again, StoreError::UnknownGame { .. }),
        "the same first error: {again}"
    );
    assert!(matches!(sender.load_game(0), Err(StoreError::UnknownGame { .. })));
    assert!(matches!(writer.finish(), Err(StoreError::UnknownGame { .. })));
    assert!(matches!(
        sender.send(snapshot(&games[0], 3)),
        Err(StoreError::UnknownGame { .. })
    ));
}

#[test]
fn a_lock_held_too_long_is_a_reported_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("locked.db");
    let mut store = Store::create_with(&path, quick_options()).expect("create");
    let (id, games) = trial(&mut store, &[(8, 8)]);
    let writer = CheckpointWriter::spawn(store, id).expect("spawn");
    let blocker = Connection::open(&path).expect("blocker");
    blocker.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    writer.send(snapshot(&games[0], 1)).expect("send");
    let err = writer.flush().expect_err("locked");
    assert!(
        matches!(err, StoreError::Locked { .. }) && err.to_string().contains("database is locked"),
        "{err}"
    );
    blocker.execute_batch("COMMIT").expect("unlock");
}

#[test]
fn spawning_for_an_unknown_trial_fails_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::create(dir.path().join("unknown.db")).expect("create");
    let err = CheckpointWriter::spawn(store, TrialId::new(3)).expect_err("unknown");
    assert!(matches!(err, StoreError::UnknownTrial { .. }), "{err}");
}

#[test]
fn load_game_sees_everything_sent_before_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::create(dir.path().join("load.db")).expect("create");
    let (id, games) = trial(&mut store, &[(30, 20), (5, 5)]);
    let writer = CheckpointWriter::spawn(store, id).expect("spawn");
    let sender = writer.sender();
    let sent = snapshot(&games[0], 77);
    sender.send(sent.clone()).expect("send");
    assert_eq!(sender.load_game(0).expect("load"), sent);
    assert_eq!(sender.load_game(1).expect("load").generation, 0);
    assert!(matches!(
        sender.load_game(5),
        Err(StoreError::UnknownGame { game: 5, .. })
    ));
    writer.finish().expect("a failed load does not stop the writer");
}

#[test]
fn many_senders_on_many_threads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("threads.db");
    let mut store = Store::create(&path).expect("create");
    let (id, games) = trial(&mut store, &[(32, 32); 8]);
    let writer = CheckpointWriter::spawn(store, id).expect("spawn");
    thread::scope(|scope| {
        for g in &games {
            let sender = writer.sender();
            scope.spawn(move || {
                for generation in 1..=40 {
                    sender.send(snapshot(g, generation)).expect("send");
                }
            });
        }
    });
    writer.flush().expect("flush");
    assert_eq!(generations(&path, id), [40; 8]);
    assert_eq!(writer.stats().received, 320);
}

#[test]
fn dropping_the_writer_writes_what_is_pending() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("drop.db");
    let mut store = Store::create(&path).expect("create");
    let (id, games) = trial(&mut store, &[(8, 8), (9, 9)]);
    let writer = CheckpointWriter::spawn(store, id).expect("spawn");
    let sender = writer.sender();
    writer.send_all(games.iter().map(|g| snapshot(g, 12))).expect("send");
    drop(writer);
    assert_eq!(generations(&path, id), [12, 12]);
    assert!(matches!(
        sender.send(snapshot(&games[0], 13)),
        Err(StoreError::WriterStopped)
    ));
    sender.flush().expect("everything sent before the drop was written");
}

#[test]
fn handles_can_cross_threads_and_async_tasks() {
    fn send_sync<T: Send + Sync + 'static>() {}
    fn send<T: Send + 'static>() {}
    send_sync::<colony_store::CheckpointSender>();
    send_sync::<colony_store::CheckpointWriter>();
    send_sync::<StoreError>();
    send_sync::<colony_store::Snapshot>();
    send::<Store>();
}
