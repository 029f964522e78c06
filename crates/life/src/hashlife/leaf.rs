//! 8×8 leaves in one `u64` (bit `8·y + x` is cell `(x, y)`), and the base case of the
//! recursion: a 16×16 square of four leaves stepped 1, 2 or 4 generations with bit-sliced adders,
//! the same counting as the dense bitwise kernel.

use crate::Rule;

/// The rule as per-count lookup masks for the bit-sliced step.
#[derive(Clone, Copy, Debug)]
pub(super) struct RuleMasks {
    conway: bool,
    /// Per 3×3 block count 0..=9 (the cell included): all-ones when a live cell lives on.
    alive_next: [u64; 10],
    /// Per 3×3 block count 0..=9: all-ones when a dead cell is born.
    dead_next: [u64; 10],
}

impl RuleMasks {
    pub(super) fn new(rule: Rule) -> RuleMasks {
        let mut alive_next = [0u64; 10];
        let mut dead_next = [0u64; 10];
        for s in 0..10u32 {
            alive_next[s as usize] = if s >= 1 && rule.next(true, s - 1) { !0 } else { 0 };
            dead_next[s as usize] = if s <= 8 && rule.next(false, s) { !0 } else { 0 };
        }
        RuleMasks {
            conway: rule.is_conway(),
            alive_next,
            dead_next,
        }
    }
}

#[inline(always)]
fn add3(l: u64, c: u64, r: u64) -> (u64, u64) {
    let lc = l ^ c;
    (lc ^ r, (l & c) | (r & lc))
}

/// The four leaves `[nw, ne, sw, se]` as 16 rows of 16 bits, packed four rows to a word: word `w`
/// holds rows `4w .. 4w + 4`, row `r` of them at bits `16r ..`.
#[inline]
fn pack16(q: [u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (w, slot) in out.iter_mut().enumerate() {
        let (west, east) = if w < 2 { (q[0], q[1]) } else { (q[2], q[3]) };
        let shift = 32 * (w % 2);
        let (west, east) = (west >> shift, east >> shift);
        let mut word = 0u64;
        for r in 0..4 {
            let wrow = (west >> (8 * r)) & 0xff;
            let erow = (east >> (8 * r)) & 0xff;
            word |= (wrow | (erow << 8)) << (16 * r);
        }
        *slot = word;
    }
    out
}

/// One generation of a 16×16 square (rows packed as [`pack16`]), cells outside counting as dead.
/// Only the cells at least one step inside the square are right; the caller keeps the middle.
#[inline]
fn step16(rows: [u64; 4], masks: &RuleMasks) -> [u64; 4] {
    // Horizontal sums within each 16-bit lane: shifting across lanes would leak a neighbour
    // from the next row, so mask the bits that crossed.
    const NO_LOW: u64 = !0x0001_0001_0001_0001;
    const NO_HIGH: u64 = !0x8000_8000_8000_8000;
    let mut lo = [0u64; 4];
    let mut hi = [0u64; 4];
    for w in 0..4 {
        let c = rows[w];
        (lo[w], hi[w]) = add3((c << 1) & NO_LOW, c, (c >> 1) & NO_HIGH);
    }
    let mut out = [0u64; 4];
    for w in 0..4 {
        // The row above each row: the previous row in this word, or the last row of the word before.
        let up = |v: &[u64; 4]| (v[w] << 16) | if w > 0 { v[w - 1] >> 48 } else { 0 };
        let down = |v: &[u64; 4]| (v[w] >> 16) | if w < 3 { v[w + 1] << 48 } else { 0 };
        let (a0, b0, c0) = (up(&lo), lo[w], down(&lo));
        let (a1, b1, c1) = (up(&hi), hi[w], down(&hi));
        out[w] = next_cells(rows[w], [a0, b0, c0], [a1, b1, c1], masks);
    }
    out
}

/// The next state of the cells `x`, given the low and high bits of the horizontal neighbour sums
/// of the row above, the row itself and the row below (the bit-sliced adder, then the rule).
#[inline(always)]
fn next_cells(x: u64, [a0, b0, c0]: [u64; 3], [a1, b1, c1]: [u64; 3], masks: &RuleMasks) -> u64 {
    let t0 = a0 ^ b0 ^ c0;
    let k0 = (a0 & b0) | (c0 & (a0 ^ b0));
    let u = a1 ^ b1 ^ c1;
    let v = (a1 & b1) | (c1 & (a1 ^ b1));
    let t1 = u ^ k0;
    let uk = u & k0;
    let t2 = v ^ uk;
    let t3 = v & uk;
    if masks.conway {
        return !t3 & ((t0 & t1 & !t2) | (x & !t0 & !t1 & t2));
    }
    let mut next = 0;
    for s in 0..10 {
        let eq = (if s & 1 != 0 { t0 } else { !t0 })
            & (if s & 2 != 0 { t1 } else { !t1 })
            & (if s & 4 != 0 { t2 } else { !t2 })
            & (if s & 8 != 0 { t3 } else { !t3 });
        next |= eq & ((x & masks.alive_next[s]) | (!x & masks.dead_next[s]));
    }
    next
}

/// The middle 8×8 of a packed 16×16 square, as a leaf.
#[inline]
fn middle(rows: [u64; 4]) -> u64 {
    let mut leaf = 0u64;
    for r in 0..8 {
        let y = r + 4;
        let row = (rows[y / 4] >> (16 * (y % 4))) & 0xffff;
        leaf |= ((row >> 4) & 0xff) << (8 * r);
    }
    leaf
}

/// The middle 8×8 of the 16×16 square of leaves `[nw, ne, sw, se]` after `generations` (1, 2 or 4)
/// steps: HashLife's base case.
pub(super) fn step_leaves(q: [u64; 4], generations: u32, masks: &RuleMasks) -> u64 {
    let mut rows = pack16(q);
    for _ in 0..generations {
        rows = step16(rows, masks);
    }
    middle(rows)
}

/// The middle 8×8 of the 16×16 square of leaves `[nw, ne, sw, se]`, unstepped.
pub(super) fn centre_leaves(q: [u64; 4]) -> u64 {
    middle(pack16(q))
}

/// One generation of a 32×32 square, one row a word (bits 0..32), cells outside dead. Plain
/// loops over fixed arrays, which the compiler vectorises.
#[inline]
fn step32(rows: &[u64; 32], masks: &RuleMasks) -> [u64; 32] {
    const MASK: u64 = 0xffff_ffff;
    let mut lo = [0u64; 34];
    let mut hi = [0u64; 34];
    for y in 0..32 {
        let c = rows[y];
        (lo[y + 1], hi[y + 1]) = add3((c << 1) & MASK, c, c >> 1);
    }
    let mut out = [0u64; 32];
    for y in 0..32 {
        let (a0, b0, c0) = (lo[y], lo[y + 1], lo[y + 2]);
        let (a1, b1, c1) = (hi[y], hi[y + 1], hi[y + 2]);
        out[y] = next_cells(rows[y], [a0, b0, c0], [a1, b1, c1], masks) & MASK;
    }
    out
}

/// The middle 16×16 (as leaves `[nw, ne, sw, se]`) of the 32×32 square of 4×4 leaves (row by
/// row) after 8 generations: a level-5 node's full step in one go, without the 13 level-4
/// squares the recursion would build and look up.
pub(super) fn step_level5(leaves: &[[u64; 4]; 4], masks: &RuleMasks) -> [u64; 4] {
    let mut rows = [0u64; 32];
    for (by, band) in leaves.iter().enumerate() {
        for r in 0..8 {
            let mut row = 0u64;
            for (bx, leaf) in band.iter().enumerate() {
                row |= ((leaf >> (8 * r)) & 0xff) << (8 * bx);
            }
            rows[8 * by + r] = row;
        }
    }
    for _ in 0..8 {
        rows = step32(&rows, masks);
    }
    let mut out = [0u64; 4];
    for r in 0..16 {
        let row = rows[8 + r] >> 8;
        let q = (r / 8) * 2;
        out[q] |= (row & 0xff) << (8 * (r % 8));
        out[q + 1] |= ((row >> 8) & 0xff) << (8 * (r % 8));
    }
    out
}

/// Bit of cell `(x, y)` in a leaf.
#[inline]
pub(super) fn bit(x: u64, y: u64) -> u64 {
    1u64 << (8 * y + x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(leaves: [u64; 4], x: usize, y: usize) -> bool {
        let q = (y / 8) * 2 + x / 8;
        leaves[q] & bit((x % 8) as u64, (y % 8) as u64) != 0
    }

    #[test]
    fn packing_and_middle_agree_with_cells() {
        let q = [
            0x0123_4567_89ab_cdef,
            0xfedc_ba98_7654_3210,
            0x0f0f_00ff_f0f0_ff00,
            0x8000_0000_0000_0001,
        ];
        let m = centre_leaves(q);
        for y in 0..8 {
            for x in 0..8 {
                assert_eq!(m & bit(x as u64, y as u64) != 0, cell(q, x + 4, y + 4), "({x},{y})");
            }
        }
    }

    #[test]
    fn blinker_in_the_middle_blinks() {
        // A horizontal blinker on row 8, columns 7..=9 of the 16×16 square.
        let mut q = [0u64; 4];
        q[2] |= bit(7, 0);
        q[3] |= bit(0, 0) | bit(1, 0);
        let once = step_leaves(q, 1, &RuleMasks::new(Rule::CONWAY));
        // In the middle 8×8 (offset 4): column 8 → x 4, rows 7..=9 → y 3..=5.
        assert_eq!(once, bit(4, 3) | bit(4, 4) | bit(4, 5));
        let twice = step_leaves(q, 2, &RuleMasks::new(Rule::CONWAY));
        assert_eq!(twice, bit(3, 4) | bit(4, 4) | bit(5, 4));
    }
}
