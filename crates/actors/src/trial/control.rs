//! `TrialControl`: pause, resume, kill and cancel a running actor trial from outside.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::wire::GameId;
use crate::GameHandle;

/// Steers a running actor trial from outside (the dashboard): pause, resume, kill one game,
/// cancel. Cheap to clone.
#[derive(Clone)]
pub struct TrialControl {
    inner: Arc<ControlInner>,
}

struct ControlInner {
    paused: tokio::sync::watch::Sender<bool>,
    cancelled: AtomicBool,
    handles: Mutex<HashMap<GameId, GameHandle>>,
    killed: Mutex<HashSet<GameId>>,
}

impl Default for TrialControl {
    fn default() -> Self {
        TrialControl {
            inner: Arc::new(ControlInner {
                paused: tokio::sync::watch::channel(false).0,
                cancelled: AtomicBool::new(false),
                handles: Mutex::new(HashMap::new()),
                killed: Mutex::new(HashSet::new()),
            }),
        }
    }
}

impl TrialControl {
    /// A control for a trial not started yet.
    pub fn new() -> TrialControl {
        TrialControl::default()
    }

    /// Holds further batches (the one in flight finishes).
    pub fn pause(&self) {
        self.inner.paused.send_replace(true);
    }

    /// Lets batches run again.
    pub fn resume(&self) {
        self.inner.paused.send_replace(false);
    }

    /// Whether the trial is paused.
    pub fn is_paused(&self) -> bool {
        *self.inner.paused.borrow()
    }

    /// Ends the trial after the batch in flight.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::Relaxed);
        self.resume();
    }

    /// Whether the trial was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::Relaxed)
    }

    /// Kills one game's actor; false when the trial has no such live game.
    pub fn kill(&self, game: GameId) -> bool {
        let handle = self.inner.handles.lock().ok().and_then(|mut h| h.remove(&game));
        match handle {
            Some(handle) => {
                if let Ok(mut killed) = self.inner.killed.lock() {
                    killed.insert(game);
                }
                handle.kill();
                true
            }
            None => false,
        }
    }

    /// Kills every game's actor still attached (a trial that must stop now).
    pub fn kill_all(&self) {
        let handles: Vec<GameHandle> = self
            .inner
            .handles
            .lock()
            .map(|mut h| h.drain().map(|(_, handle)| handle).collect())
            .unwrap_or_default();
        if let Ok(mut killed) = self.inner.killed.lock() {
            killed.extend(handles.iter().map(GameHandle::id));
        }
        for handle in handles {
            handle.kill();
        }
    }

    /// Makes one game's actor fail (a panic when `panic`), for supervision drills; false when the
    /// trial has no such live game.
    pub fn inject_fault(&self, game: GameId, panic: bool) -> bool {
        let handle = self.inner.handles.lock().ok().and_then(|h| h.get(&game).cloned());
        handle.is_some_and(|h| h.inject_fault(panic).is_ok())
    }

    pub(crate) fn was_killed(&self, game: GameId) -> bool {
        self.inner.killed.lock().is_ok_and(|k| k.contains(&game))
    }

    pub(crate) fn attach(&self, handles: &[GameHandle]) {
        if let Ok(mut map) = self.inner.handles.lock() {
            map.extend(handles.iter().map(|h| (h.id(), h.clone())));
        }
    }

    pub(crate) fn detach(&self) {
        if let Ok(mut map) = self.inner.handles.lock() {
            map.clear();
        }
    }

    pub(crate) async fn wait_while_paused(&self) {
        let mut rx = self.inner.paused.subscribe();
        // The sender lives in `self`, so this only ends when resumed.
        let _ = rx.wait_for(|paused| !paused).await;
    }
}
