//! One generation of one 64×64 tile, bit-parallel: row `y` is a `u64` whose bit `k` is column
//! `k`. The same bit-sliced adders as the dense kernel (`kernel/bitwise.rs`): 2-bit horizontal
//! sums of each row with its left and right neighbours, three of them added into the 4-bit count
//! of each 3×3 block, the rule applied to that count. The tile's halo (one row or column from each
//! of its eight neighbours) comes in as a [`Halo`]. The body is compiled a second time with AVX2
//! and picked at run time, as the dense kernel does.

use crate::Rule;

/// Cells per side of a tile.
pub(super) const SIDE: usize = 64;

/// The cells of one tile, row by row.
pub(super) type Rows = [u64; SIDE];

/// The rule as per-count masks for the bit-sliced step (as the dense kernel builds them).
#[derive(Clone, Copy, Debug)]
pub(super) struct Masks {
    conway: bool,
    /// Per 3×3 block count 0..=9 (the cell included): all-ones when a live cell lives on.
    alive_next: [u64; 10],
    /// Per 3×3 block count 0..=9: all-ones when a dead cell is born.
    dead_next: [u64; 10],
    avx2: bool,
}

impl Masks {
    pub(super) fn new(rule: Rule) -> Masks {
        let mut alive_next = [0u64; 10];
        let mut dead_next = [0u64; 10];
        for s in 0..10u32 {
            alive_next[s as usize] = if s >= 1 && rule.next(true, s - 1) { !0 } else { 0 };
            dead_next[s as usize] = if s <= 8 && rule.next(false, s) { !0 } else { 0 };
        }
        Masks {
            conway: rule.is_conway(),
            alive_next,
            dead_next,
            avx2: avx2_available(),
        }
    }
}

fn avx2_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// What a tile sees of its neighbours: the row just above and just below it, the rows of the
/// tiles left and right of it (their columns 63 and 0 are its halo: reading their rows is cheaper
/// than keeping those columns up to date), and the four corner cells.
#[derive(Clone, Copy, Debug)]
pub(super) struct Halo<'a> {
    pub north: u64,
    pub south: u64,
    pub west: &'a Rows,
    pub east: &'a Rows,
    /// Bits 0..4: the north-west, north-east, south-west and south-east corner cells.
    pub corners: u8,
}

/// The rows of a missing neighbour.
pub(super) static EMPTY: Rows = [0; SIDE];

/// What a step found, for activity tracking: which parts of the tile changed, and which of its
/// borders hold live cells (a neighbour that does not exist yet must be created there).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Summary {
    /// OR of every row's change (bit `k`: column `k` changed somewhere).
    pub changed: u64,
    /// Change of the top row and of the bottom row.
    pub changed_top: u64,
    pub changed_bottom: u64,
    /// OR of every new row (bit `k`: column `k` holds a live cell).
    pub live: u64,
    /// The same three changes, against what `out` held before (the generation before `cur`).
    pub twice: u64,
    pub twice_top: u64,
    pub twice_bottom: u64,
}

#[inline(always)]
fn add3(l: u64, c: u64, r: u64) -> (u64, u64) {
    let lc = l ^ c;
    (lc ^ r, (l & c) | (r & lc))
}

/// Steps `cur` (with its halo) into `out`, which holds the generation before `cur` (compared with
/// what replaces it: a tile as it was two generations ago need not be stepped next time).
#[inline]
pub(super) fn step(cur: &Rows, halo: &Halo, out: &mut Rows, masks: &Masks) -> Summary {
    #[cfg(target_arch = "x86_64")]
    if masks.avx2 {
        // SAFETY: `avx2` is set only when the CPU supports AVX2 (`Masks::new`).
        return unsafe { step_avx2(cur, halo, out, masks) };
    }
    step_portable(cur, halo, out, masks)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn step_avx2(cur: &Rows, halo: &Halo, out: &mut Rows, masks: &Masks) -> Summary {
    if masks.conway {
        // SAFETY: this function runs only where AVX2 is available, as `conway_avx2` needs.
        return unsafe { conway_avx2(cur, halo, out) };
    }
    // The body is inlined here, so the compiler vectorises it with AVX2.
    step_body(cur, halo, out, masks)
}

/// Conway's rule with AVX2 intrinsics, four rows to a vector. Written out because the compiler,
/// left to itself, builds the rows above and below from the previous vectors with cross-lane
/// shuffles; two unaligned loads from L1 are cheaper.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn conway_avx2(cur: &Rows, halo: &Halo, out: &mut Rows) -> Summary {
    use std::arch::x86_64::*;
    #[inline(always)]
    unsafe fn load(v: &[u64], at: usize) -> __m256i {
        debug_assert!(at + 4 <= v.len());
        // SAFETY: the caller passes `at + 4 <= v.len()`; loadu has no alignment requirement.
        unsafe { _mm256_loadu_si256(v.as_ptr().add(at).cast()) }
    }
    #[inline(always)]
    unsafe fn store(v: &mut [u64], at: usize, x: __m256i) {
        debug_assert!(at + 4 <= v.len());
        // SAFETY: as for `load`.
        unsafe { _mm256_storeu_si256(v.as_mut_ptr().add(at).cast(), x) }
    }
    let mut lo = [0u64; SIDE + 2];
    let mut hi = [0u64; SIDE + 2];
    let c = halo.corners;
    let (nw, ne, sw, se) = (
        u64::from(c & 1),
        u64::from(c >> 1 & 1),
        u64::from(c >> 2 & 1),
        u64::from(c >> 3 & 1),
    );
    (lo[0], hi[0]) = add3((halo.north << 1) | nw, halo.north, (halo.north >> 1) | (ne << 63));
    (lo[SIDE + 1], hi[SIDE + 1]) = add3((halo.south << 1) | sw, halo.south, (halo.south >> 1) | (se << 63));
    let (mut changed, mut live, mut twice) = (_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256());
    let (before_top, before_bottom) = (out[0], out[SIDE - 1]);
    // SAFETY (every load and store below): `y` steps by 4 through 0..64, so `y + 4 <= 64` for
    // the 64-row arrays and `y + 1 + 4 <= 66`, `y + 2 + 4 <= 66` for the 66-row ones.
    unsafe {
        for y in (0..SIDE).step_by(4) {
            let r = load(cur, y);
            let l = _mm256_or_si256(_mm256_slli_epi64(r, 1), _mm256_srli_epi64(load(halo.west, y), 63));
            let rr = _mm256_or_si256(_mm256_srli_epi64(r, 1), _mm256_slli_epi64(load(halo.east, y), 63));
            let lc = _mm256_xor_si256(l, r);
            store(&mut lo, y + 1, _mm256_xor_si256(lc, rr));
            store(
                &mut hi,
                y + 1,
                _mm256_or_si256(_mm256_and_si256(l, r), _mm256_and_si256(rr, lc)),
            );
        }
        for y in (0..SIDE).step_by(4) {
            let (a0, b0, c0) = (load(&lo, y), load(&lo, y + 1), load(&lo, y + 2));
            let (a1, b1, c1) = (load(&hi, y), load(&hi, y + 1), load(&hi, y + 2));
            let x = load(cur, y);
            let ab0 = _mm256_xor_si256(a0, b0);
            let t0 = _mm256_xor_si256(ab0, c0);
            let k0 = _mm256_or_si256(_mm256_and_si256(a0, b0), _mm256_and_si256(c0, ab0));
            let ab1 = _mm256_xor_si256(a1, b1);
            let u = _mm256_xor_si256(ab1, c1);
            let v = _mm256_or_si256(_mm256_and_si256(a1, b1), _mm256_and_si256(c1, ab1));
            let t1 = _mm256_xor_si256(u, k0);
            let uk = _mm256_and_si256(u, k0);
            let t2 = _mm256_xor_si256(v, uk);
            let t3 = _mm256_and_si256(v, uk);
            // !t3 & ((t0 & t1 & !t2) | (x & !t0 & !t1 & t2)), as in `vertical`.
            let three = _mm256_andnot_si256(t2, _mm256_and_si256(t0, t1));
            let four = _mm256_and_si256(_mm256_andnot_si256(_mm256_or_si256(t0, t1), t2), x);
            let n = _mm256_andnot_si256(t3, _mm256_or_si256(three, four));
            twice = _mm256_or_si256(twice, _mm256_xor_si256(n, load(out, y)));
            store(out, y, n);
            changed = _mm256_or_si256(changed, _mm256_xor_si256(n, x));
            live = _mm256_or_si256(live, n);
        }
    }
    let fold = |v: __m256i| {
        let mut w = [0u64; 4];
        // SAFETY: `w` holds four u64, 32 bytes.
        unsafe { _mm256_storeu_si256(w.as_mut_ptr().cast(), v) };
        w[0] | w[1] | w[2] | w[3]
    };
    Summary {
        changed: fold(changed),
        changed_top: out[0] ^ cur[0],
        changed_bottom: out[SIDE - 1] ^ cur[SIDE - 1],
        live: fold(live),
        twice: fold(twice),
        twice_top: out[0] ^ before_top,
        twice_bottom: out[SIDE - 1] ^ before_bottom,
    }
}

fn step_portable(cur: &Rows, halo: &Halo, out: &mut Rows, masks: &Masks) -> Summary {
    step_body(cur, halo, out, masks)
}

#[inline(always)]
fn step_body(cur: &Rows, halo: &Halo, out: &mut Rows, masks: &Masks) -> Summary {
    // Horizontal sums of the 66 rows: the halo row above, the tile's 64, the halo row below.
    let mut lo = [0u64; SIDE + 2];
    let mut hi = [0u64; SIDE + 2];
    let c = halo.corners;
    let (nw, ne, sw, se) = (
        u64::from(c & 1),
        u64::from(c >> 1 & 1),
        u64::from(c >> 2 & 1),
        u64::from(c >> 3 & 1),
    );
    (lo[0], hi[0]) = add3((halo.north << 1) | nw, halo.north, (halo.north >> 1) | (ne << 63));
    (lo[SIDE + 1], hi[SIDE + 1]) = add3((halo.south << 1) | sw, halo.south, (halo.south >> 1) | (se << 63));
    let (west, east) = (halo.west, halo.east);
    for y in 0..SIDE {
        let r = cur[y];
        (lo[y + 1], hi[y + 1]) = add3((r << 1) | (west[y] >> 63), r, (r >> 1) | (east[y] << 63));
    }
    let (before_top, before_bottom) = (out[0], out[SIDE - 1]);
    let twice = if masks.conway {
        vertical::<true>(&lo, &hi, cur, out, masks)
    } else {
        vertical::<false>(&lo, &hi, cur, out, masks)
    };
    let (mut changed, mut live) = (0u64, 0u64);
    for y in 0..SIDE {
        let n = out[y];
        changed |= n ^ cur[y];
        live |= n;
    }
    Summary {
        changed,
        changed_top: out[0] ^ cur[0],
        changed_bottom: out[SIDE - 1] ^ cur[SIDE - 1],
        live,
        twice,
        twice_top: out[0] ^ before_top,
        twice_bottom: out[SIDE - 1] ^ before_bottom,
    }
}

/// Adds the horizontal sums of each row with those above and below into the 3×3 count, and
/// applies the rule; returns the OR of the changes to `out`.
#[inline(always)]
fn vertical<const CONWAY: bool>(
    lo: &[u64; SIDE + 2],
    hi: &[u64; SIDE + 2],
    cur: &Rows,
    out: &mut Rows,
    masks: &Masks,
) -> u64 {
    let mut twice = 0;
    for y in 0..SIDE {
        let (a0, b0, c0) = (lo[y], lo[y + 1], lo[y + 2]);
        let (a1, b1, c1) = (hi[y], hi[y + 1], hi[y + 2]);
        let x = cur[y];
        let t0 = a0 ^ b0 ^ c0;
        let k0 = (a0 & b0) | (c0 & (a0 ^ b0));
        let u = a1 ^ b1 ^ c1;
        let v = (a1 & b1) | (c1 & (a1 ^ b1));
        let t1 = u ^ k0;
        let uk = u & k0;
        let t2 = v ^ uk;
        let t3 = v & uk;
        let n = if CONWAY {
            // Block count 3: born or survives with 2; block count 4 with a live centre: survives with 3.
            !t3 & ((t0 & t1 & !t2) | (x & !t0 & !t1 & t2))
        } else {
            let mut next = 0;
            for s in 0..10 {
                let eq = (if s & 1 != 0 { t0 } else { !t0 })
                    & (if s & 2 != 0 { t1 } else { !t1 })
                    & (if s & 4 != 0 { t2 } else { !t2 })
                    & (if s & 8 != 0 { t3 } else { !t3 });
                next |= eq & ((x & masks.alive_next[s]) | (!x & masks.dead_next[s]));
            }
            next
        };
        twice |= n ^ out[y];
        out[y] = n;
    }
    twice
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tile's next generation cell by cell, with the halo as dead-outside neighbours.
    fn slow(cur: &Rows, halo: &Halo, rule: Rule) -> Rows {
        let cell = |x: i64, y: i64| -> bool {
            match (x, y) {
                (-1, -1) => halo.corners & 1 != 0,
                (64, -1) => halo.corners & 2 != 0,
                (-1, 64) => halo.corners & 4 != 0,
                (64, 64) => halo.corners & 8 != 0,
                (x, -1) => halo.north >> x & 1 != 0,
                (x, 64) => halo.south >> x & 1 != 0,
                (-1, y) => halo.west[y as usize] >> 63 != 0,
                (64, y) => halo.east[y as usize] & 1 != 0,
                (x, y) => cur[y as usize] >> x & 1 != 0,
            }
        };
        let mut out = [0u64; SIDE];
        for y in 0..64i64 {
            for x in 0..64i64 {
                let mut n = 0;
                for dy in -1..=1 {
                    for dx in -1..=1 {
                        if (dx, dy) != (0, 0) && cell(x + dx, y + dy) {
                            n += 1;
                        }
                    }
                }
                if rule.next(cell(x, y), n) {
                    out[y as usize] |= 1 << x;
                }
            }
        }
        out
    }

    #[test]
    fn step_equals_counting_cells_with_every_halo() {
        let mut state = 7u64;
        let mut next = || crate::splitmix64(&mut state);
        for rule in [
            Rule::CONWAY,
            "B36/S23".parse().expect("rule"),
            "B1/S".parse().expect("rule"),
        ] {
            for round in 0..8 {
                let mut cur = [0u64; SIDE];
                for r in cur.iter_mut() {
                    *r = next() & next();
                }
                let (mut west, mut east) = ([0u64; SIDE], [0u64; SIDE]);
                for y in 0..SIDE {
                    (west[y], east[y]) = (next(), next());
                }
                let halo = Halo {
                    north: next(),
                    south: next(),
                    west: &west,
                    east: &east,
                    corners: (next() & 15) as u8,
                };
                for avx2 in [false, true] {
                    let mut masks = Masks::new(rule);
                    masks.avx2 &= avx2;
                    let mut out = [0u64; SIDE];
                    for r in out.iter_mut() {
                        *r = next();
                    }
                    let before = out;
                    let s = step(&cur, &halo, &mut out, &masks);
                    let diff = |a: &Rows, b: &Rows| a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y));
                    assert_eq!(s.twice, diff(&out, &before));
                    assert_eq!(s.changed, diff(&out, &cur));
                    assert_eq!(
                        (s.twice_top, s.twice_bottom),
                        (out[0] ^ before[0], out[63] ^ before[63])
                    );
                    assert_eq!(out, slow(&cur, &halo, rule), "{rule} round {round}");
                    assert_eq!(s.live, out.iter().fold(0, |a, r| a | r));
                }
            }
        }
    }
}
