//! What a pattern on the plane does next: dies, stays, oscillates or flies, found by stepping a
//! few generations ahead and coming back (nodes never change, so coming back is free).

use super::HashLife;
use crate::universe::{Cells, Rect, Universe};
use crate::{Outcome, Result};

/// Largest population whose shape is compared cell by cell when looking for spaceships; larger
/// patterns are only recognised when they repeat in place.
const SHAPE_LIMIT: u64 = 1 << 20;

impl HashLife {
    /// Looks up to `window` generations ahead for the first return of the current pattern, in
    /// place or shifted, and comes back to the current generation.
    pub fn outcome_ahead(&mut self, window: u64) -> Result<Outcome> {
        let Some(start_box) = self.bounding_box() else {
            return Ok(Outcome::Extinct);
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

    fn find_return(&mut self, window: u64, start_box: Rect) -> Result<Outcome> {
        let (population, fingerprint) = (self.population(), self.fingerprint());
        let mut shape = None;
        for period in 1..=window {
            self.advance(1, &mut |_| true)?;
            let Some(b) = self.bounding_box() else {
                return Ok(Outcome::Running);
            };
            if self.population() != population || (b.width, b.height) != (start_box.width, start_box.height) {
                continue;
            }
            if b == start_box && self.fingerprint() == fingerprint {
                return Ok(match period {
                    1 => Outcome::StillLife,
                    _ => Outcome::Oscillating { period },
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
                return Ok(Outcome::Spaceship {
                    period,
                    dx: b.x - start_box.x,
                    dy: b.y - start_box.y,
                });
            }
        }
        Ok(Outcome::Running)
    }
}

/// The live cells in `area`, relative to its top-left corner, row by row.
fn relative(u: &HashLife, area: Rect) -> Vec<(u64, u64)> {
    u.live_cells_in(area)
        .into_iter()
        .map(|(x, y)| (x.abs_diff(area.x), y.abs_diff(area.y)))
        .collect()
}
