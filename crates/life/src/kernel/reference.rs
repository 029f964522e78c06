use super::{fit, Kernel};
use crate::{Board, Rule, Topology};

/// The per-cell kernel that defines Colony's semantics, written like the tutorial's `live_neighbors`:
/// each of the 8 neighbour offsets is taken modulo the width and height on a torus (so on a 1×1 or
/// 2×2 board the same cell is counted several times), or counts as dead off a bounded board.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reference;

impl Reference {
    /// Live neighbours of `(x, y)`.
    pub fn neighbours(board: &Board, x: usize, y: usize, topology: Topology) -> u32 {
        let (w, h) = (board.width() as i64, board.height() as i64);
        let mut count = 0;
        for dy in -1i64..=1 {
            for dx in -1i64..=1 {
                if dx == 0 && dy == 0 {
                    continue;
                }
                let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                let alive = match topology {
                    Topology::Torus => board.get(nx.rem_euclid(w) as usize, ny.rem_euclid(h) as usize),
                    Topology::Bounded => {
                        (0..w).contains(&nx) && (0..h).contains(&ny) && board.get(nx as usize, ny as usize)
                    }
                };
                count += u32::from(alive);
            }
        }
        count
    }
}

impl Kernel for Reference {
    fn name(&self) -> &'static str {
        "reference"
    }

    fn step(&mut self, src: &Board, dst: &mut Board, rule: Rule, topology: Topology) {
        fit(src, dst);
        for y in 0..src.height() {
            for x in 0..src.width() {
                let n = Reference::neighbours(src, x, y, topology);
                dst.set(x, y, rule.next(src.get(x, y), n));
            }
        }
    }
}
