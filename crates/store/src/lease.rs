//! One owner per trial: the `lease` row a running trial or resume holds while it writes.
//!
//! Two processes writing one trial would save older snapshots over newer ones (issue 9, finding
//! 1), so every writer takes the trial's lease first, in a transaction, and every batch it saves
//! checks, in the same transaction, that the lease is still its own. A lease is taken over only
//! when its holder is provably dead (same host, and the pid is gone, a zombie, or a different
//! process with the same pid) or when it has not been renewed for [`LEASE_EXPIRY`].

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rusqlite::{params, OptionalExtension, Transaction};

use crate::{Result, StoreError, Timestamp, TrialId};

/// How often a writer renews its lease when it has nothing to save (saves renew it too).
pub const LEASE_RENEWAL: Duration = Duration::from_secs(5);

/// A lease not renewed for this long is taken over even if its holder seems alive (another host,
/// or a stopped process): six missed renewals, so a briefly busy machine keeps its lease.
pub const LEASE_EXPIRY: Duration = Duration::from_secs(30);

/// Who holds, or wants, a trial's lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Host name of the process.
    pub host: String,
    /// Process id.
    pub pid: u32,
    /// The process's start time in clock ticks since boot (`/proc/PID/stat`), 0 where unknown;
    /// tells a reused pid from the holder.
    pub started: u64,
    /// Distinguishes two writers of one process (the dashboard runs several trials).
    pub token: i64,
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pid {} on {}", self.pid, self.host)
    }
}

impl Holder {
    /// This process, with a token no other `Holder` of this process has.
    pub fn this_process() -> Holder {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let pid = std::process::id();
        let started = start_ticks(pid).unwrap_or(0);
        let serial = NEXT.fetch_add(1, Ordering::Relaxed);
        // Unique across processes too (pid and start time), so a stale row never matches us.
        let token = (u64::from(pid) << 32 ^ started.rotate_left(16) ^ serial) as i64;
        Holder {
            host: host_name(),
            pid,
            started,
            token,
        }
    }

    /// Whether the holder certainly no longer runs: on this host, its pid is gone, a zombie, or
    /// another process. `false` when that cannot be told (another host, no `/proc`).
    fn is_dead(&self) -> bool {
        if self.host != host_name() || !std::path::Path::new("/proc/self/stat").exists() {
            return false;
        }
        match proc_stat(self.pid) {
            None => true,
            Some((state, started)) => state == 'Z' || (self.started != 0 && started != self.started),
        }
    }
}

/// The machine's name (Linux: the kernel's hostname; elsewhere `$HOSTNAME`).
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown-host".to_string())
}

/// State letter and start time of a process, from `/proc/PID/stat`.
fn proc_stat(pid: u32) -> Option<(char, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    // Field 22 of the file; `state` was field 3.
    let started = fields.nth(18)?.parse().ok()?;
    Some((state, started))
}

fn start_ticks(pid: u32) -> Option<u64> {
    proc_stat(pid).map(|(_, started)| started)
}

/// Takes `trial`'s lease for `holder` inside `tx`, taking over a dead or expired one.
pub(crate) fn acquire(
    tx: &Transaction<'_>,
    fail: impl Fn(rusqlite::Error) -> StoreError,
    path: &std::path::Path,
    trial: TrialId,
    holder: &Holder,
) -> Result<()> {
    let now = Timestamp::now().unix_millis();
    let current = tx
        .query_row(
            "SELECT host, pid, started, token, renewed_at FROM lease WHERE trial = ?1",
            [trial.get()],
            |r| {
                Ok((
                    Holder {
                        host: r.get(0)?,
                        pid: r.get::<_, i64>(1)?.try_into().unwrap_or(u32::MAX),
                        started: crate::columns::bits_u64(r.get(2)?),
                        token: r.get(3)?,
                    },
                    r.get::<_, i64>(4)?,
                ))
            },
        )
        .optional()
        .map_err(&fail)?;
    if let Some((other, renewed_at)) = current {
        let silent = Duration::from_millis(now.saturating_sub(renewed_at).max(0).unsigned_abs());
        if other.token != holder.token && !other.is_dead() && silent < LEASE_EXPIRY {
            return Err(StoreError::Leased {
                path: path.to_path_buf(),
                trial,
                holder: other.to_string(),
                renewed: silent,
            });
        }
    }
    tx.execute(
        "INSERT INTO lease (trial, host, pid, started, token, taken_at, renewed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (trial) DO UPDATE SET host = excluded.host, pid = excluded.pid,
             started = excluded.started, token = excluded.token, taken_at = excluded.taken_at,
             renewed_at = excluded.renewed_at",
        params![
            trial.get(),
            holder.host,
            i64::from(holder.pid),
            crate::columns::u64_bits(holder.started),
            holder.token,
            now
        ],
    )
    .map_err(&fail)?;
    Ok(())
}

/// Renews `holder`'s lease of `trial` inside `tx`; fails with [`StoreError::LeaseLost`] when
/// another writer took it over.
pub(crate) fn renew(
    tx: &Transaction<'_>,
    fail: impl Fn(rusqlite::Error) -> StoreError,
    path: &std::path::Path,
    trial: TrialId,
    holder: &Holder,
) -> Result<()> {
    let now = Timestamp::now().unix_millis();
    let touched = tx
        .execute(
            "UPDATE lease SET renewed_at = ?3 WHERE trial = ?1 AND token = ?2",
            params![trial.get(), holder.token, now],
        )
        .map_err(&fail)?;
    if touched == 0 {
        return Err(StoreError::LeaseLost {
            path: path.to_path_buf(),
            trial,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_tokens_differ() {
        let (a, b) = (Holder::this_process(), Holder::this_process());
        assert_ne!(a.token, b.token);
        assert!(!a.is_dead());
        if std::path::Path::new("/proc/self/stat").exists() {
            assert!(a.started > 0);
            let reused = Holder {
                started: a.started + 1,
                ..a.clone()
            };
            assert!(reused.is_dead(), "a pid with another start time is another process");
            let gone = Holder { pid: u32::MAX - 1, ..a };
            assert!(gone.is_dead());
        }
    }
}
