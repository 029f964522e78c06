//! Reading cells out of tiles, live or frozen: population, bounding box, fingerprint, the live
//! cells of a rectangle; and the frozen copy a snapshot is.

use std::collections::HashMap;

use super::kernel::{Rows, SIDE};
use crate::universe::{Cells, Rect};

/// The tile holding cell `(x, y)`, and the cell's column and row in it.
pub(super) fn locate(x: i64, y: i64) -> ((i64, i64), usize, usize) {
    let s = SIDE as i64;
    (
        (x.div_euclid(s), y.div_euclid(s)),
        x.rem_euclid(s) as usize,
        y.rem_euclid(s) as usize,
    )
}

/// Live cells of tiles given as (tile coordinates, rows).
pub(super) fn population<'a>(tiles: impl Iterator<Item = ((i64, i64), &'a Rows)>) -> u64 {
    tiles
        .map(|(_, rows)| rows.iter().map(|r| u64::from(r.count_ones())).sum::<u64>())
        .sum()
}

pub(super) fn bounding_box<'a>(tiles: impl Iterator<Item = ((i64, i64), &'a Rows)>) -> Option<Rect> {
    let mut b: Option<(i64, i64, i64, i64)> = None;
    for ((tx, ty), rows) in tiles {
        let cols = rows.iter().fold(0, |a, r| a | r);
        if cols == 0 {
            continue;
        }
        let first = rows.iter().position(|&r| r != 0).unwrap_or(0) as i64;
        let last = rows.iter().rposition(|&r| r != 0).unwrap_or(0) as i64;
        let (x0, y0) = (tx * SIDE as i64, ty * SIDE as i64);
        let t = (
            x0 + i64::from(cols.trailing_zeros()),
            y0 + first,
            x0 + 63 - i64::from(cols.leading_zeros()),
            y0 + last,
        );
        b = Some(match b {
            None => t,
            Some(o) => (o.0.min(t.0), o.1.min(t.1), o.2.max(t.2), o.3.max(t.3)),
        });
    }
    b.map(|(x0, y0, x1, y1)| Rect::spanning(x0, y0, x1, y1))
}

/// A hash of the cells and their places: one xxh3 per non-empty tile, seeded by its place, summed
/// (so the order tiles are visited in does not matter).
pub(super) fn fingerprint<'a>(tiles: impl Iterator<Item = ((i64, i64), &'a Rows)>) -> u64 {
    let mut sum = 0u64;
    for ((tx, ty), rows) in tiles {
        if rows.iter().all(|&r| r == 0) {
            continue;
        }
        let seed = (tx as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (ty as u64).rotate_left(32);
        sum = sum.wrapping_add(twox_hash::XxHash3_64::oneshot_with_seed(
            seed,
            bytemuck::cast_slice(rows),
        ));
    }
    sum
}

/// Calls `visit` for the live cells of the tile at `(tx, ty)` inside `area`.
pub(super) fn visit_tile(tx: i64, ty: i64, rows: &Rows, area: &Rect, visit: &mut dyn FnMut(i64, i64)) {
    let (x0, y0) = (tx * SIDE as i64, ty * SIDE as i64);
    if x0 + 63 < area.x || y0 + 63 < area.y || x0 > area.right() || y0 > area.bottom() {
        return;
    }
    for (dy, &row) in rows.iter().enumerate() {
        let y = y0 + dy as i64;
        if row == 0 || y < area.y || y > area.bottom() {
            continue;
        }
        let mut bits = row;
        while bits != 0 {
            let x = x0 + i64::from(bits.trailing_zeros());
            bits &= bits - 1;
            if x >= area.x && x <= area.right() {
                visit(x, y);
            }
        }
    }
}

/// The tiles a rectangle covers, when there are at most `limit` of them.
pub(super) fn tiles_in(area: &Rect, limit: usize) -> Option<impl Iterator<Item = (i64, i64)>> {
    if area.width == 0 || area.height == 0 {
        return None;
    }
    let ((tx0, ty0), _, _) = locate(area.x, area.y);
    let ((tx1, ty1), _, _) = locate(area.right(), area.bottom());
    let count = (tx1.abs_diff(tx0) + 1).saturating_mul(ty1.abs_diff(ty0) + 1);
    (count <= limit as u64).then(|| (ty0..=ty1).flat_map(move |ty| (tx0..=tx1).map(move |tx| (tx, ty))))
}

/// Tiles frozen at one generation: what [`Tiles::snapshot`](super::Tiles) hands out.
pub(super) struct Frozen {
    pub tiles: HashMap<(i64, i64), Rows>,
    pub generation: u64,
    pub fingerprint: u64,
}

impl Frozen {
    fn iter(&self) -> impl Iterator<Item = ((i64, i64), &Rows)> {
        self.tiles.iter().map(|(k, r)| (*k, r))
    }
}

impl Cells for Frozen {
    fn generation(&self) -> u64 {
        self.generation
    }
    fn get_cell(&self, x: i64, y: i64) -> bool {
        let (key, cx, cy) = locate(x, y);
        self.tiles.get(&key).is_some_and(|rows| rows[cy] >> cx & 1 == 1)
    }
    fn population(&self) -> u64 {
        population(self.iter())
    }
    fn bounding_box(&self) -> Option<Rect> {
        bounding_box(self.iter())
    }
    fn for_each_live_cell(&self, area: Rect, visit: &mut dyn FnMut(i64, i64)) {
        match tiles_in(&area, self.tiles.len()) {
            Some(keys) => {
                for key in keys {
                    if let Some(rows) = self.tiles.get(&key) {
                        visit_tile(key.0, key.1, rows, &area, visit);
                    }
                }
            }
            None => {
                for (&(tx, ty), rows) in &self.tiles {
                    visit_tile(tx, ty, rows, &area, visit);
                }
            }
        }
    }
    fn fingerprint(&self) -> u64 {
        self.fingerprint
    }
}
