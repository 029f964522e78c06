//! Giving freed memory back to the system once dashboard clients leave.
//!
//! A client's buffers are freed when it leaves, but glibc's allocator keeps freed blocks of a
//! frame's size in its arenas (its mmap threshold rises after the first large block is freed),
//! so without a trim the process would stay at its peak resident size long after the clients
//! are gone. `malloc_trim` hands those pages back; elsewhere this is a no-op.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Clients leaving within this long of each other are followed by one trim, not one each.
const TRIM_DELAY: Duration = Duration::from_millis(500);

static PENDING: AtomicBool = AtomicBool::new(false);

/// Returns freed memory to the system a moment from now (inside a Tokio runtime).
pub(crate) fn release_soon() {
    if PENDING.swap(true, Ordering::AcqRel) {
        return;
    }
    tokio::spawn(async {
        tokio::time::sleep(TRIM_DELAY).await;
        PENDING.store(false, Ordering::Release);
        // A trim walks every arena: a few milliseconds off the async threads.
        let _ = tokio::task::spawn_blocking(trim).await;
    });
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim takes no pointers; it only walks the allocator's own free lists, under
    // the allocator's locks, and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
