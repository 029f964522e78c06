//! Other processes: a writer killed with SIGKILL at random moments never leaves an unreadable
//! database or a game at an inconsistent generation, and a lock held by another process is a
//! clear error.
//!
//! The child processes are this test binary itself, re-run with `COLONY_STORE_CHILD` set so that
//! only the [`child`] test runs and does the child's work.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use colony_store::{CheckpointWriter, Store, StoreError, TrialId};
use common::{board_for, quick_options, snapshot, trial};

const CHILD_ENV: &str = "COLONY_STORE_CHILD";
const GAMES: usize = 8;
const SIZE: usize = 64;
/// What a child prints (after libtest's `test child ... `) once it is ready to be killed.
const READY: &str = "colony-store-child-ready";

/// Starts this test binary as a child doing `task`, and waits until it says it is ready.
fn spawn_child(task: &str) -> Child {
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, task)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    let ready = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.ends_with(READY));
    assert!(ready, "child {task:?} ended before it was ready");
    child
}

/// The child's side. Does nothing in a normal test run.
#[test]
fn child() {
    let Ok(task) = std::env::var(CHILD_ENV) else {
        return;
    };
    let words: Vec<&str> = task.split('|').collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    match words.as_slice() {
        ["write", mode, trial, path] => {
            let id = TrialId::new(trial.parse().expect("trial id"));
            let store = Store::open(path).expect("child open");
            let checkpoint = store.load_trial(id).expect("child load");
            let games = checkpoint.trial.games.clone();
            let mut generation = checkpoint.snapshots.iter().map(|s| s.generation).max().unwrap_or(0);
            let writer = (*mode == "writer").then(|| CheckpointWriter::spawn(store, id));
            let mut store = match writer {
                Some(_) => None,
                None => Some(Store::open(path).expect("child open")),
            };
            let writer = writer.map(|w| w.expect("child writer"));
            println!("{READY}");
            while Instant::now() < deadline {
                generation += 1;
                let batch = games.iter().map(|g| snapshot(g, generation));
                match (&writer, &mut store) {
                    (Some(writer), _) => writer.send_all(batch).expect("child send"),
                    (None, Some(store)) => store.save(id, &batch.collect::<Vec<_>>()).expect("child save"),
                    (None, None) => unreachable!("one of the two modes"),
                }
                if writer.is_some() {
                    thread::sleep(Duration::from_micros(200));
                }
            }
        }
        ["lock", path] => {
            let conn = rusqlite::Connection::open(path).expect("child connection");
            conn.execute_batch("BEGIN EXCLUSIVE").expect("child lock");
            println!("{READY}");
            thread::sleep(deadline - Instant::now());
        }
        other => panic!("unknown child task {other:?}"),
    }
}

/// Every game loads, verified, at the same generation, with the board of that generation.
fn verify(path: &Path, id: TrialId) -> u64 {
    let store = Store::open(path).expect("the database stays readable after a kill");
    let checkpoint = store.load_trial(id).expect("every checkpoint verifies after a kill");
    let generation = checkpoint.snapshots[0].generation;
    for snapshot in &checkpoint.snapshots {
        assert_eq!(snapshot.generation, generation, "each batch is one transaction");
        assert_eq!(
            snapshot.board,
            colony_life::World::from(board_for(SIZE, SIZE, snapshot.game, generation)),
            "board of its generation"
        );
    }
    store.close().expect("close");
    generation
}

#[test]
fn killed_writers_leave_a_consistent_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("killed.db");
    let mut store = Store::create(&path).expect("create");
    let (id, _) = trial(&mut store, &[(SIZE, SIZE); GAMES]);
    store.close().expect("close");
    let mut seed = 0xC0_10_4E_u64;
    let mut last = 0;
    for iteration in 0..12 {
        let mode = if iteration % 2 == 0 { "direct" } else { "writer" };
        let delay = 5 + colony_life::splitmix64(&mut seed) % 60;
        let mut child = spawn_child(&format!("write|{mode}|{id}|{}", path.display()));
        thread::sleep(Duration::from_millis(delay));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        let generation = verify(&path, id);
        assert!(
            generation >= last,
            "iteration {iteration} ({mode}, killed after {delay} ms): generation went back from {last} to {generation}"
        );
        eprintln!("iteration {iteration}: {mode}, killed after {delay} ms at generation {generation}");
        last = generation;
    }
    assert!(last > 12, "the children made progress (reached generation {last})");
}

#[test]
fn a_lock_held_by_another_process_times_out_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("locked.db");
    let mut store = Store::create_with(&path, quick_options()).expect("create");
    let (id, games) = trial(&mut store, &[(8, 8)]);
    let mut child = spawn_child(&format!("lock|{}", path.display()));
    let err = store
        .save(id, &[snapshot(&games[0], 1)])
        .expect_err("locked by the child");
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("database is locked"), "{err}");
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    store
        .save(id, &[snapshot(&games[0], 1)])
        .expect("the lock dies with its process");
    assert_eq!(store.load_game(id, 0).expect("load").generation, 1);
}
