//! Checkpoint writes off the stepping path: a background thread that owns a [`Store`].

use std::collections::BTreeMap;
use std::mem;
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use crate::{Result, Snapshot, Store, StoreError, TrialId};

/// Counters of a [`CheckpointWriter`], for tests, logs and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Snapshots handed to the writer.
    pub received: u64,
    /// Snapshots written to the database (the others were superseded by newer ones of the same
    /// game before their turn came, or are still pending).
    pub written: u64,
    /// Transactions committed.
    pub batches: u64,
}

/// Writes one trial's checkpoints on a background thread, so that stepping never waits for the
/// disk.
///
/// **Policy.** Pending snapshots are kept in a map keyed by game: sending replaces the game's
/// pending snapshot (the newest sent wins) and returns at once, whatever the disk is doing. The
/// thread takes the whole map whenever it is free and writes it in one transaction, so a slow disk
/// means fewer, larger batches and skipped intermediate generations — never a blocked sender or a
/// growing queue. Memory is bounded by two boards per game (one pending, one being written), and
/// boards are shared with the games, not copied.
///
/// **Errors** are fail-stop: the first failed transaction stops the writer; that error is then
/// returned by every later [`send`](CheckpointSender::send), [`flush`](CheckpointWriter::flush)
/// and [`finish`](CheckpointWriter::finish). The database still holds the last committed batch.
///
/// Dropping the writer writes what is pending, ignoring errors; call [`finish`](Self::finish)
/// to learn about them.
#[derive(Debug)]
pub struct CheckpointWriter {
    sender: CheckpointSender,
    thread: Option<JoinHandle<Store>>,
}

/// A cheap, cloneable handle that hands snapshots to a [`CheckpointWriter`] (one per game actor,
/// say). It never waits for the disk.
#[derive(Debug, Clone)]
pub struct CheckpointSender {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    /// Wakes the writer thread: something was sent, a load was asked for, or it should stop.
    work: Condvar,
    /// Wakes flushers and finishers: a batch was committed, failed, or the thread ended.
    progress: Condvar,
}

#[derive(Debug, Default)]
struct State {
    pending: BTreeMap<u32, Snapshot>,
    loads: Vec<(u32, mpsc::Sender<Result<Snapshot>>)>,
    /// Number of `send`s so far; a flush waits until `durable` reaches the value it saw.
    sent: u64,
    /// Every send up to this number is committed (or superseded by a committed one).
    durable: u64,
    error: Option<StoreError>,
    stopping: bool,
    stopped: bool,
    stats: WriterStats,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// The error that refuses new work, if any.
    fn refusal(&self) -> Option<StoreError> {
        match &self.error {
            Some(error) => Some(error.clone()),
            None if self.stopping || self.stopped => Some(StoreError::WriterStopped),
            None => None,
        }
    }
}

impl CheckpointWriter {
    /// Starts a writer thread that owns `store` and saves snapshots of `trial` (which must exist).
    pub fn spawn(store: Store, trial: TrialId) -> Result<CheckpointWriter> {
        store.require_trial(trial)?;
        let shared = Arc::new(Shared::default());
        let path = store.path().to_path_buf();
        let thread_shared = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name("colony-checkpoints".to_string())
            .spawn(move || run(&thread_shared, store, trial))
            .map_err(|source| StoreError::Io {
                path,
                source: Arc::new(source),
            })?;
        Ok(CheckpointWriter {
            sender: CheckpointSender { shared },
            thread: Some(thread),
        })
    }

    /// A handle for other threads or actors.
    pub fn sender(&self) -> CheckpointSender {
        self.sender.clone()
    }

    /// Hands a snapshot over; see [`CheckpointSender::send`].
    pub fn send(&self, snapshot: Snapshot) -> Result<()> {
        self.sender.send(snapshot)
    }

    /// Hands snapshots over together; see [`CheckpointSender::send_all`].
    pub fn send_all(&self, snapshots: impl IntoIterator<Item = Snapshot>) -> Result<()> {
        self.sender.send_all(snapshots)
    }

    /// Waits until everything sent so far is committed; see [`CheckpointSender::flush`].
    pub fn flush(&self) -> Result<()> {
        self.sender.flush()
    }

    /// The newest snapshot of a game; see [`CheckpointSender::load_game`].
    pub fn load_game(&self, game: u32) -> Result<Snapshot> {
        self.sender.load_game(game)
    }

    /// Counters so far.
    pub fn stats(&self) -> WriterStats {
        self.sender.stats()
    }

    /// Writes everything sent, stops the thread and gives the store back (to mark the trial
    /// finished, say), or the writer's first error.
    pub fn finish(mut self) -> Result<Store> {
        let flushed = self.flush();
        let store = self.stop();
        flushed?;
        store.ok_or(StoreError::WriterStopped)
    }

    /// Asks the thread to stop after writing what is pending, and waits for it.
    fn stop(&mut self) -> Option<Store> {
        let shared = &self.sender.shared;
        shared.lock().stopping = true;
        shared.work.notify_all();
        self.thread.take().and_then(|thread| thread.join().ok())
    }
}

impl Drop for CheckpointWriter {
    fn drop(&mut self) {
        self.stop();
    }
}

impl CheckpointSender {
    /// Hands a snapshot over and returns at once: it replaces any pending snapshot of the same
    /// game. Fails only when the writer has stopped (its first error, or
    /// [`StoreError::WriterStopped`]).
    pub fn send(&self, snapshot: Snapshot) -> Result<()> {
        self.send_all([snapshot])
    }

    /// Hands several snapshots over at once; they are written in the same transaction (unless
    /// newer snapshots of the same games replace some of them first).
    pub fn send_all(&self, snapshots: impl IntoIterator<Item = Snapshot>) -> Result<()> {
        let mut state = self.shared.lock();
        if let Some(refusal) = state.refusal() {
            return Err(refusal);
        }
        for snapshot in snapshots {
            state.sent += 1;
            state.stats.received += 1;
            state.pending.insert(snapshot.game, snapshot);
        }
        drop(state);
        self.shared.work.notify_one();
        Ok(())
    }

    /// Blocks until every snapshot sent so far (by any sender) is committed, or the writer fails.
    /// Durable here means what the store's [`Synchronous`](crate::Synchronous) level promises.
    pub fn flush(&self) -> Result<()> {
        let mut state = self.shared.lock();
        let target = state.sent;
        loop {
            if let Some(error) = &state.error {
                return Err(error.clone());
            }
            if state.durable >= target {
                return Ok(());
            }
            if state.stopped {
                return Err(StoreError::WriterStopped);
            }
            state = self.shared.progress.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The newest snapshot of `game` known to the writer: what is pending is written first, then
    /// the game is read back and verified (for restarting a game from its checkpoint). Blocks
    /// while the writer writes.
    pub fn load_game(&self, game: u32) -> Result<Snapshot> {
        let (reply, answer) = mpsc::channel();
        {
            let mut state = self.shared.lock();
            if let Some(refusal) = state.refusal() {
                return Err(refusal);
            }
            state.loads.push((game, reply));
        }
        self.shared.work.notify_one();
        answer
            .recv()
            .unwrap_or_else(|_| Err(self.shared.lock().error.clone().unwrap_or(StoreError::WriterStopped)))
    }

    /// Counters so far.
    pub fn stats(&self) -> WriterStats {
        self.shared.lock().stats
    }
}

/// Marks the writer stopped and wakes everyone when the thread ends, even by a panic.
struct StoppedOnExit<'a>(&'a Shared);

impl Drop for StoppedOnExit<'_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.stopped = true;
        state.loads.clear();
        drop(state);
        self.0.progress.notify_all();
    }
}

/// The writer thread: take everything pending, write it in one transaction, answer loads, repeat.
fn run(shared: &Shared, mut store: Store, trial: TrialId) -> Store {
    let _stopped = StoppedOnExit(shared);
    loop {
        let (batch, loads, upto) = {
            let mut state = shared.lock();
            while state.pending.is_empty() && state.loads.is_empty() && !state.stopping {
                // Idle (a long pause between batches, a paused trial): the lease is renewed here,
                // off the stepping path; saves renew it in their own transaction.
                let (next, waited) = shared
                    .work
                    .wait_timeout(state, crate::LEASE_RENEWAL)
                    .unwrap_or_else(PoisonError::into_inner);
                state = next;
                if waited.timed_out() && state.pending.is_empty() && state.loads.is_empty() {
                    drop(state);
                    let renewed = store.renew_lease();
                    state = shared.lock();
                    if let Err(error) = renewed {
                        state.error = Some(error);
                        drop(state);
                        shared.progress.notify_all();
                        return store;
                    }
                }
            }
            if state.pending.is_empty() && state.loads.is_empty() {
                return store;
            }
            (mem::take(&mut state.pending), mem::take(&mut state.loads), state.sent)
        };
        if !batch.is_empty() {
            let snapshots: Vec<Snapshot> = batch.into_values().collect();
            let result = store.save(trial, &snapshots);
            let mut state = shared.lock();
            match result {
                Ok(()) => {
                    state.durable = upto;
                    state.stats.written += snapshots.len() as u64;
                    state.stats.batches += 1;
                }
                Err(error) => {
                    state.error = Some(error.clone());
                    drop(state);
                    for (_, reply) in loads {
                        let _ = reply.send(Err(error.clone()));
                    }
                    return store;
                }
            }
            drop(state);
            shared.progress.notify_all();
        } else {
            shared.lock().durable = upto;
            shared.progress.notify_all();
        }
        for (game, reply) in loads {
            let _ = reply.send(store.load_game(trial, game));
        }
    }
}
