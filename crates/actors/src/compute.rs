//! The worker pool that steps games, so CPU-bound work never blocks the async runtime.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::ColonyError;

/// A fixed pool of compute threads. Actors hand it a closure and await the result, so the async
/// runtime's threads stay free for timers, messages and the dashboard while every core computes.
#[derive(Clone)]
pub struct Compute {
    pool: Arc<rayon::ThreadPool>,
    workers: usize,
}

impl Compute {
    /// A pool of `workers` threads named `colony-worker-N`.
    pub fn new(workers: usize) -> Result<Compute, ColonyError> {
        let workers = workers.max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .thread_name(|i| format!("colony-worker-{i}"))
            .build()
            .map_err(|e| ColonyError::Runtime(format!("cannot start {workers} worker threads: {e}")))?;
        Ok(Compute {
            pool: Arc::new(pool),
            workers,
        })
    }

    /// Number of worker threads.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Runs `job` on a worker and returns its result; a panic comes back as `Err(message)`.
    pub async fn run<T, F>(&self, job: F) -> Result<T, String>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.pool.spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(job)).map_err(|payload| panic_message(&*payload));
            let _ = tx.send(result);
        });
        rx.await.unwrap_or_else(|_| Err("compute worker vanished".to_string()))
    }
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}
