//! Heartbeats: ractor_cluster pings its peers but never drops a silent one, so a frozen node
//! (SIGSTOP, a dead link without a FIN) would hold its games forever. The driver calls every
//! node's host every [`Heartbeat::interval`]; a node silent for [`Heartbeat::timeout`] is lost.
//! The node watches the same beats the other way: a driver silent for the timeout loses its
//! games there.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// How long a peer may be silent before it is lost, unless configured otherwise.
pub const DEFAULT_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(3);

/// Beats per timeout: a peer is lost only after this many beats in a row went unanswered.
const BEATS_PER_TIMEOUT: u32 = 6;

/// A driver's heartbeat: how often it beats, and how long a silence loses a peer. The driver
/// sends it in its greeting, so both sides judge each other by the same terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// Between beats, in milliseconds.
    interval_ms: u64,
    /// Silence that loses a peer, in milliseconds.
    timeout_ms: u64,
}

impl Heartbeat {
    /// Beats every sixth of `timeout` (500 ms for the default 3 s).
    pub fn with_timeout(timeout: Duration) -> Heartbeat {
        let timeout_ms = (timeout.as_millis() as u64).max(1);
        Heartbeat {
            interval_ms: (timeout_ms / u64::from(BEATS_PER_TIMEOUT)).max(1),
            timeout_ms,
        }
    }

    /// Between beats.
    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms.max(1))
    }

    /// Silence that loses a peer.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.max(1))
    }
}

impl Default for Heartbeat {
    fn default() -> Self {
        Heartbeat::with_timeout(DEFAULT_HEARTBEAT_TIMEOUT)
    }
}

/// What one side knows of a peer's beats.
#[derive(Debug, Clone)]
pub(crate) struct Liveness {
    last_heard: Instant,
    last_check: Instant,
    timeout: Duration,
}

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Heard from within the timeout.
    Alive,
    /// Silent for this long, past the timeout.
    Silent(Duration),
}

impl Liveness {
    /// A peer just met (heard from now).
    pub(crate) fn new(now: Instant, timeout: Duration) -> Liveness {
        Liveness {
            last_heard: now,
            last_check: now,
            timeout,
        }
    }

    /// The peer answered (or beat) at `at`.
    pub(crate) fn heard(&mut self, at: Instant) {
        self.last_heard = self.last_heard.max(at);
    }

    /// Whether the peer has been silent past the timeout. Checks come every beat; one that comes
    /// more than half a timeout after the last means this process was not running (stopped,
    /// starved), so the silence may be its own: the peer gets a fresh timeout instead of being
    /// lost for it.
    pub(crate) fn check(&mut self, now: Instant) -> Verdict {
        let since_check = now.saturating_duration_since(self.last_check);
        self.last_check = now;
        if since_check > self.timeout / 2 {
            self.last_heard = now;
            return Verdict::Alive;
        }
        let silent = now.saturating_duration_since(self.last_heard);
        if silent > self.timeout {
            Verdict::Silent(silent)
        } else {
            Verdict::Alive
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn the_default_beats_every_500_ms_and_loses_a_peer_after_3_s() {
        let beat = Heartbeat::default();
        assert_eq!((beat.interval(), beat.timeout()), (500 * MS, 3000 * MS));
        assert_eq!(Heartbeat::with_timeout(Duration::from_secs(60)).interval(), 10_000 * MS);
    }

    /// Checks every `every` from `from` to `to`; the first time the peer is judged silent.
    fn first_silence(live: &mut Liveness, start: Instant, every: Duration, to: Duration) -> Option<Duration> {
        let mut at = every;
        while at <= to {
            if let Verdict::Silent(_) = live.check(start + at) {
                return Some(at);
            }
            at += every;
        }
        None
    }

    #[test]
    fn a_silent_peer_is_lost_just_after_the_timeout() {
        let start = Instant::now();
        let mut live = Liveness::new(start, 3000 * MS);
        let lost = first_silence(&mut live, start, 500 * MS, 10_000 * MS);
        assert_eq!(lost, Some(3500 * MS), "the first check past 3 s");
    }

    #[test]
    fn a_peer_that_answers_is_never_lost() {
        let start = Instant::now();
        let mut live = Liveness::new(start, 3000 * MS);
        for k in 1..100u32 {
            let now = start + 500 * MS * k;
            // Every answer comes late (a second and a half), never past the timeout.
            live.heard(now - 1500 * MS);
            assert_eq!(live.check(now), Verdict::Alive, "check {k}");
        }
    }

    #[test]
    fn an_answer_older_than_the_last_is_no_news() {
        let start = Instant::now();
        let mut live = Liveness::new(start, 3000 * MS);
        live.heard(start + 2000 * MS);
        live.heard(start + 100 * MS);
        for k in 1..=9u32 {
            assert_eq!(live.check(start + 500 * MS * k), Verdict::Alive);
        }
        assert_eq!(live.check(start + 5500 * MS), Verdict::Silent(3500 * MS));
    }

    #[test]
    fn a_check_that_comes_late_blames_this_process_not_the_peer() {
        let start = Instant::now();
        let mut live = Liveness::new(start, 3000 * MS);
        assert_eq!(live.check(start + 500 * MS), Verdict::Alive);
        // This process was stopped for ten seconds: the peer is not lost for it...
        assert_eq!(live.check(start + 10_500 * MS), Verdict::Alive);
        // ...but gets one timeout from now, checked at the usual pace.
        let lost = first_silence(&mut live, start + 10_500 * MS, 500 * MS, 10_000 * MS);
        assert_eq!(lost, Some(3500 * MS));
    }
}
