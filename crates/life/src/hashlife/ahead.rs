//! What a pattern on the plane does next: dies, stays, oscillates or flies, found by stepping a
//! few generations ahead and coming back (nodes never change, so coming back is free).

use std::fmt;

use super::HashLife;
use crate::universe::{Cells, Rect, Universe};
use crate::Result;

/// Largest population whose shape is compared cell by cell when looking for spaceships; larger
/// patterns are only recognised when they repeat in place.
const SHAPE_LIMIT: u64 = 1 << 20;

/// What a pattern on the plane settles into, looking ahead from the current generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PlaneOutcome {
    /// Nothing repeats within the window.
    Running,
    /// No live cells.
    Extinct,
    /// The next generation equals this one.
    #[serde(rename = "still")]
    StillLife,
    /// The pattern returns in place after `period` generations.
    Oscillating {
        /// Generations between repeats.
        period: u64,
    },
    /// The pattern returns shifted by `(dx, dy)` after `period` generations.
    Spaceship {
        /// Generations between repeats.
        period: u64,
        /// Columns moved per period (positive: right).
        dx: i64,
        /// Rows moved per period (positive: down).
        dy: i64,
    },
}

impl fmt::Display for PlaneOutcome {
    /// Dense boards' outcome texts, and `spaceship p4 (1,1)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlaneOutcome::Running => f.write_str("running"),
            PlaneOutcome::Extinct => f.write_str("extinct"),
            PlaneOutcome::StillLife => f.write_str("still life"),
            PlaneOutcome::Oscillating { period } => write!(f, "oscillating (period {period})"),
            PlaneOutcome::Spaceship { period, dx, dy } => write!(f, "spaceship p{period} ({dx},{dy})"),
        }
    }
}

impl PlaneOutcome {
    /// Whether the pattern will never show anything new (up to a shift).
    pub fn is_settled(&self) -> bool {
        !matches!(self, PlaneOutcome::Running)
    }
}

impl HashLife {
    /// Looks up to `window` generations ahead for the first return of the current pattern, in
    /// place or shifted, and comes back to the current generation.
    pub fn outcome_ahead(&mut self, window: u64) -> Result<PlaneOutcome> {
        let Some(start_box) = self.bounding_box() else {
            return Ok(PlaneOutcome::Extinct);
        };
        let (root, generation) = (self.root, self.generation);
        self.pinned.push(root);
        // The look-ahead counts from 0: at generation 2^64 - 1 there is no next generation
        // number, yet the pattern still has a future to look at.
        self.generation = 0;
        let found = self.find_return(window, start_box);
        self.pinned.pop();
        self.root = root;
        self.generation = generation;
        found
    }

    fn find_return(&mut self, window: u64, start_box: Rect) -> Result<PlaneOutcome> {
        let (population, fingerprint) = (self.population(), self.fingerprint());
        let mut shape = None;
        for period in 1..=window {
            self.advance(1, &mut |_| true)?;
            let Some(b) = self.bounding_box() else {
                return Ok(PlaneOutcome::Running);
            };
            if self.population() != population || (b.width, b.height) != (start_box.width, start_box.height) {
                continue;
            }
            if b == start_box && self.fingerprint() == fingerprint {
                return Ok(match period {
                    1 => PlaneOutcome::StillLife,
                    _ => PlaneOutcome::Oscillating { period },
                });
            }
            if population > SHAPE_LIMIT {
                continue;
            }
            let start = match &shape {
                Some(cells) => cells,
                None => {
                    let now = (self.root, self.generation);
                    self.root = self.pinned[self.pinned.len() - 1];
                    let cells = relative(self, start_box);
                    (self.root, self.generation) = now;
                    shape.insert(cells)
                }
            };
            if *start == relative(self, b) {
                return Ok(PlaneOutcome::Spaceship {
                    period,
                    dx: b.x - start_box.x,
                    dy: b.y - start_box.y,
                });
            }
        }
        Ok(PlaneOutcome::Running)
    }
}

/// The live cells in `area`, relative to its top-left corner, row by row.
fn relative(u: &HashLife, area: Rect) -> Vec<(u64, u64)> {
    u.live_cells_in(area)
        .into_iter()
        .map(|(x, y)| (x.abs_diff(area.x), y.abs_diff(area.y)))
        .collect()
}
