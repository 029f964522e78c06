//! Telling whether a game has settled: extinct, still, oscillating or, on the plane, flying.

use std::collections::{HashMap, VecDeque};
use std::fmt;

/// How many recent generations the cycle detector remembers by default (periods up to this).
pub const DEFAULT_CYCLE_WINDOW: usize = 256;

/// What a game has settled into, as far as the detector can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// No repetition seen within the window.
    #[default]
    Running,
    /// No live cells remain.
    Extinct,
    /// The board equals the previous generation.
    StillLife,
    /// The board repeats with this period (≥ 2).
    Oscillating {
        /// Generations between repeats.
        period: u64,
    },
    /// On the plane: the pattern returns shifted by `(dx, dy)` after `period` generations (a
    /// board's edges stop a spaceship, so dense games never report one).
    Spaceship {
        /// Generations between repeats.
        period: u64,
        /// Columns moved per period (positive: right).
        dx: i64,
        /// Rows moved per period (positive: down).
        dy: i64,
    },
}

impl Outcome {
    /// Whether the game will never show anything new.
    pub fn is_settled(&self) -> bool {
        !matches!(self, Outcome::Running)
    }

    /// A short machine-friendly label: `running`, `extinct`, `still`, `oscillating`, `spaceship`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Running => "running",
            Outcome::Extinct => "extinct",
            Outcome::StillLife => "still",
            Outcome::Oscillating { .. } => "oscillating",
            Outcome::Spaceship { .. } => "spaceship",
        }
    }

    /// The period of a repeating pattern (1 for a still life), if any.
    pub fn period(&self) -> Option<u64> {
        match self {
            Outcome::StillLife => Some(1),
            Outcome::Oscillating { period } | Outcome::Spaceship { period, .. } => Some(*period),
            _ => None,
        }
    }

    /// A spaceship's motion per period, `(dx, dy)`.
    pub fn displacement(&self) -> Option<(i64, i64)> {
        match self {
            Outcome::Spaceship { dx, dy, .. } => Some((*dx, *dy)),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Running => f.write_str("running"),
            Outcome::Extinct => f.write_str("extinct"),
            Outcome::StillLife => f.write_str("still life"),
            Outcome::Oscillating { period } => write!(f, "oscillating (period {period})"),
            Outcome::Spaceship { period, dx, dy } => write!(f, "spaceship p{period} ({dx},{dy})"),
        }
    }
}

/// Finds cycles over a bounded window of board fingerprints (64-bit hashes).
#[derive(Debug, Clone)]
pub struct CycleDetector {
    window: usize,
    recent: VecDeque<(u64, u64)>,
    seen: HashMap<u64, u64>,
}

impl CycleDetector {
    /// A detector remembering the last `window` generations (0 turns cycle detection off;
    /// extinction is still reported).
    pub fn new(window: usize) -> CycleDetector {
        CycleDetector {
            window,
            // Grown on demand: thousands of idle games must stay small.
            recent: VecDeque::new(),
            seen: HashMap::new(),
        }
    }

    /// Generations remembered.
    pub fn window(&self) -> usize {
        self.window
    }

    /// Records generation `generation` with board fingerprint `fingerprint` and returns the outcome.
    pub fn observe(&mut self, generation: u64, fingerprint: u64, extinct: bool) -> Outcome {
        if extinct {
            return Outcome::Extinct;
        }
        if self.window == 0 {
            return Outcome::Running;
        }
        let outcome = match self.seen.get(&fingerprint) {
            Some(&earlier) if earlier < generation => match generation - earlier {
                1 => Outcome::StillLife,
                period => Outcome::Oscillating { period },
            },
            _ => Outcome::Running,
        };
        if self.recent.len() == self.window {
            if let Some((old_fp, old_gen)) = self.recent.pop_front() {
                if self.seen.get(&old_fp) == Some(&old_gen) {
                    self.seen.remove(&old_fp);
                }
            }
        }
        self.recent.push_back((fingerprint, generation));
        self.seen.insert(fingerprint, generation);
        outcome
    }

    /// Forgets everything (after the board was replaced).
    pub fn clear(&mut self) {
        self.recent.clear();
        self.seen.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_periods_within_the_window() {
        let mut d = CycleDetector::new(4);
        assert_eq!(d.observe(0, 10, false), Outcome::Running);
        assert_eq!(d.observe(1, 11, false), Outcome::Running);
        assert_eq!(d.observe(2, 12, false), Outcome::Running);
        assert_eq!(d.observe(3, 10, false), Outcome::Oscillating { period: 3 });
        assert_eq!(d.observe(4, 10, false), Outcome::StillLife);
        assert_eq!(d.observe(5, 0, true), Outcome::Extinct);
    }

    #[test]
    fn forgets_past_the_window() {
        let mut d = CycleDetector::new(2);
        d.observe(0, 1, false);
        d.observe(1, 2, false);
        d.observe(2, 3, false);
        assert_eq!(
            d.observe(3, 1, false),
            Outcome::Running,
            "period 3 is beyond a window of 2"
        );
        let mut off = CycleDetector::new(0);
        off.observe(0, 1, false);
        assert_eq!(off.observe(1, 1, false), Outcome::Running);
    }
}
