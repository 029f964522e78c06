//! What a pattern on tiles does next, found by stepping a copy a few generations ahead: the same
//! answers as HashLife's look-ahead ([`HashLife::outcome_ahead`](crate::HashLife::outcome_ahead)),
//! at the tiles' speed (a copy of the active tiles is cheap next to building a quadtree).

use super::Tiles;
use crate::universe::{Cells, Rect, Universe};
use crate::{Outcome, Result};

/// Largest population whose shape is compared cell by cell when looking for spaceships, as on
/// HashLife.
const SHAPE_LIMIT: u64 = 1 << 20;

impl Tiles {
    /// Looks up to `window` generations ahead for the first return of the current pattern, in
    /// place or shifted; the universe itself does not move. The copy it steps shares the memory
    /// budget: past half of it this is [`LifeError::MemoryBudget`](crate::LifeError::MemoryBudget).
    pub fn outcome_ahead(&self, window: u64) -> Result<Outcome> {
        let Some(start_box) = self.bounding_box() else {
            return Ok(Outcome::Extinct);
        };
        if self.active.is_empty() && self.flips.is_empty() {
            return Ok(Outcome::StillLife);
        }
        // The copy and its growth come out of the same budget: at most what is left of it.
        let used = self.map.len() as u64 * super::BYTES_PER_TILE;
        if used.saturating_mul(2) > self.memory {
            return Err(crate::LifeError::MemoryBudget { bytes: self.memory });
        }
        let mut ahead = self.clone();
        ahead.set_memory_budget(self.memory - used);
        // Counted from 0: at generation 2^64 - 1 there is no next generation number, yet the
        // pattern still has a future to look at.
        ahead.generation = 0;
        let (population, fingerprint) = (self.population(), self.fingerprint());
        let mut shape = None;
        for period in 1..=window {
            ahead.advance(1, &mut |_| true)?;
            let Some(b) = ahead.bounding_box() else {
                return Ok(Outcome::Running);
            };
            if ahead.population() != population || (b.width, b.height) != (start_box.width, start_box.height) {
                continue;
            }
            if b == start_box && ahead.fingerprint() == fingerprint {
                return Ok(match period {
                    1 => Outcome::StillLife,
                    _ => Outcome::Oscillating { period },
                });
            }
            if population > SHAPE_LIMIT {
                continue;
            }
            let start = shape.get_or_insert_with(|| relative(self, start_box));
            if *start == relative(&ahead, b) {
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
fn relative(u: &Tiles, area: Rect) -> Vec<(u64, u64)> {
    u.live_cells_in(area)
        .into_iter()
        .map(|(x, y)| (x.abs_diff(area.x), y.abs_diff(area.y)))
        .collect()
}
