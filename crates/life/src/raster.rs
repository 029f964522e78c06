//! Zoomed-out pictures of a universe: live cells counted per 2^k×2^k block.
//!
//! A [`Raster`] at scale `k` has one pixel per block of 2^k×2^k cells, the blocks laid on a grid
//! fixed on the plane (a block's top-left cell has coordinates that are multiples of 2^k), so that
//! on the plane a pixel is exactly one quadtree node and HashLife reads its population off the
//! node instead of visiting its cells: a pattern a million cells wide, zoomed out to a few hundred
//! pixels, costs a few hundred thousand nodes. [`fit`] picks the scale at which a bounding box
//! fits a picture.
//!
//! ```
//! use colony_life::{raster, Cells, HashLife, Rule};
//!
//! let glider = HashLife::from_cells(Rule::CONWAY, [(1, 0), (2, 1), (0, 2), (1, 2), (2, 2)])?;
//! let bbox = glider.bounding_box().expect("live cells");
//! // At most 2×2 pixels: blocks of 2×2 cells, starting at (0,0).
//! let (view, k) = raster::fit(bbox, 2, 2)?;
//! assert_eq!(k, 1);
//! let r = glider.raster(view, k)?;
//! assert_eq!((r.width(), r.height()), (2, 2));
//! assert_eq!(r.counts(), &[1, 1, 2, 1]);
//! assert_eq!(r.total(), glider.population());
//! # Ok::<(), colony_life::LifeError>(())
//! ```

use crate::universe::{Cells, Rect};
use crate::{LifeError, Result};

/// The most pixels one raster may have: 2^26 (an 8192×8192 picture), 512 MiB of counts.
pub const MAX_PIXELS: u64 = 1 << 26;

/// The largest scale: blocks of 2^62×2^62 cells, as large as the plane's largest quadtree.
pub const MAX_SCALE: u8 = 62;

/// Live cells counted per block of a region: pixel `(column, row)` is the 2^k×2^k block of cells
/// whose top-left cell is `(x + column·2^k, y + row·2^k)`, where `(x, y)` is
/// [`area`](Raster::area)'s top-left cell and `k` the [`scale`](Raster::scale).
///
/// A pixel counts its whole block, so a raster asked for a region that does not start and end on
/// block edges covers a little more than the region: the blocks it meets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    /// Column and row of the top-left block, in blocks (cell coordinate >> scale).
    column0: i64,
    row0: i64,
    width: usize,
    height: usize,
    scale: u8,
    counts: Vec<u64>,
}

/// Checks that `view` is a region a raster can be taken of at `scale`.
fn check(view: Rect, scale: u8) -> Result<()> {
    let bad = |reason: String| {
        Err(LifeError::Viewport {
            viewport: view.to_string(),
            reason,
        })
    };
    if view.width == 0 || view.height == 0 {
        return bad("a viewport needs at least 1x1 cells".to_string());
    }
    if view.x.checked_add_unsigned(view.width - 1).is_none() || view.y.checked_add_unsigned(view.height - 1).is_none() {
        return bad("it reaches past the largest coordinate (2^63 - 1)".to_string());
    }
    if scale > MAX_SCALE {
        return bad(format!("the scale {scale} is past the largest, {MAX_SCALE}"));
    }
    Ok(())
}

/// The first and last block, along one axis, of a span of cells starting at `start`, `len` long.
fn blocks(start: i64, len: u64, scale: u8) -> (i64, i64) {
    // check() has made sure the last cell is an i64; >> on i64 rounds towards -infinity.
    let last = start.saturating_add_unsigned(len - 1);
    (start >> scale, last >> scale)
}

/// How many blocks a span of blocks `first..=last` holds.
fn span(first: i64, last: i64) -> u64 {
    last.abs_diff(first) + 1
}

/// The cells of the blocks `first..=last` as a span (start, length), the length saturating at
/// `u64::MAX` (the whole i64 range at scale 63 and more is 2^64 cells).
fn cells_of(first: i64, last: i64, scale: u8) -> (i64, u64) {
    let len = u128::from(span(first, last)) << scale;
    (first << scale, u64::try_from(len).unwrap_or(u64::MAX))
}

/// The region covered by the blocks that `view` meets at `scale`.
pub fn cover(view: Rect, scale: u8) -> Result<Rect> {
    check(view, scale)?;
    let (cx0, cx1) = blocks(view.x, view.width, scale);
    let (ry0, ry1) = blocks(view.y, view.height, scale);
    let (x, width) = cells_of(cx0, cx1, scale);
    let (y, height) = cells_of(ry0, ry1, scale);
    Ok(Rect { x, y, width, height })
}

/// The smallest scale `k` at which the blocks meeting `bbox` make at most `max_width` columns
/// and `max_height` rows of pixels, and the region those blocks cover (`bbox` itself at `k = 0`).
///
/// Refuses an empty `bbox`, a budget of zero pixels or of more than [`MAX_PIXELS`], and a box
/// that fits at no scale up to [`MAX_SCALE`] (which only a budget under 4 pixels a side allows).
pub fn fit(bbox: Rect, max_width: u64, max_height: u64) -> Result<(Rect, u8)> {
    check(bbox, 0)?;
    if max_width == 0 || max_height == 0 || max_width.saturating_mul(max_height) > MAX_PIXELS {
        return Err(LifeError::RasterTooLarge {
            width: max_width,
            height: max_height,
            limit: MAX_PIXELS,
        });
    }
    for k in 0..=MAX_SCALE {
        let (cx0, cx1) = blocks(bbox.x, bbox.width, k);
        let (ry0, ry1) = blocks(bbox.y, bbox.height, k);
        if span(cx0, cx1) <= max_width && span(ry0, ry1) <= max_height {
            return Ok((cover(bbox, k)?, k));
        }
    }
    Err(LifeError::Viewport {
        viewport: bbox.to_string(),
        reason: format!("it does not fit in {max_width}x{max_height} pixels at any scale up to {MAX_SCALE}"),
    })
}

impl Raster {
    /// A raster of the blocks meeting `view` at `scale`, every count zero: what a universe fills.
    /// Refuses an empty or overflowing `view`, a scale past [`MAX_SCALE`] and more than
    /// [`MAX_PIXELS`] pixels, before anything is allocated.
    pub fn blank(view: Rect, scale: u8) -> Result<Raster> {
        check(view, scale)?;
        let (cx0, cx1) = blocks(view.x, view.width, scale);
        let (ry0, ry1) = blocks(view.y, view.height, scale);
        let (width, height) = (span(cx0, cx1), span(ry0, ry1));
        if width.saturating_mul(height) > MAX_PIXELS {
            return Err(LifeError::RasterTooLarge {
                width,
                height,
                limit: MAX_PIXELS,
            });
        }
        // Both fit: their product is at most MAX_PIXELS.
        let (width, height) = (width as usize, height as usize);
        Ok(Raster {
            column0: cx0,
            row0: ry0,
            width,
            height,
            scale,
            counts: vec![0; width * height],
        })
    }

    /// Counts the live cells of `cells` in each block by visiting them one by one: the way for a
    /// universe whose cells are few (a dense board), or that has no faster way.
    pub fn of_cells(cells: &(impl Cells + ?Sized), view: Rect, scale: u8) -> Result<Raster> {
        let mut raster = Raster::blank(view, scale)?;
        cells.for_each_live_cell(raster.area(), &mut |x, y| raster.add(x, y, 1));
        Ok(raster)
    }

    /// Adds `count` live cells to the block holding cell `(x, y)`; a cell outside is ignored.
    pub(crate) fn add(&mut self, x: i64, y: i64, count: u64) {
        let (c, r) = (
            i128::from(x >> self.scale) - i128::from(self.column0),
            i128::from(y >> self.scale) - i128::from(self.row0),
        );
        if (0..self.width as i128).contains(&c) && (0..self.height as i128).contains(&r) {
            let i = r as usize * self.width + c as usize;
            self.counts[i] = self.counts[i].saturating_add(count);
        }
    }

    /// The scale `k`: a pixel is a block of 2^k×2^k cells.
    pub fn scale(&self) -> u8 {
        self.scale
    }

    /// Pixels per row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows of pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The cells the pixels cover, block edges included (sides saturating at `u64::MAX`).
    pub fn area(&self) -> Rect {
        let last = |first: i64, n: usize| first.saturating_add(n as i64 - 1);
        let (x, width) = cells_of(self.column0, last(self.column0, self.width), self.scale);
        let (y, height) = cells_of(self.row0, last(self.row0, self.height), self.scale);
        Rect { x, y, width, height }
    }

    /// Live cells in the block at pixel `(column, row)`; `None` outside the raster. Counts
    /// saturate at `u64::MAX` (a block at scale 32 and more can hold more cells than that).
    pub fn get(&self, column: usize, row: usize) -> Option<u64> {
        (column < self.width && row < self.height).then(|| self.counts[row * self.width + column])
    }

    /// The fraction of the block at pixel `(column, row)` that is alive, 0 to 1; `None` outside.
    pub fn density(&self, column: usize, row: usize) -> Option<f64> {
        // 4^k as f64 is exact up to k = 511; the count's rounding does not matter in a shade.
        self.get(column, row)
            .map(|n| n as f64 / 4f64.powi(i32::from(self.scale)))
    }

    /// Every count, row by row from the top, each row left to right.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The sum of the counts (saturating): the population of the covered area.
    pub fn total(&self) -> u64 {
        self.counts.iter().fold(0u64, |a, &n| a.saturating_add(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_sit_on_multiples_of_their_size() {
        let view = Rect::spanning(-5, 3, 6, 3);
        let c = cover(view, 2).expect("cover");
        assert_eq!(c, Rect::spanning(-8, 0, 7, 3));
        let r = Raster::blank(view, 2).expect("raster");
        assert_eq!((r.width(), r.height(), r.area()), (4, 1, c));
        assert_eq!(cover(view, 0).expect("cover"), view);
    }

    #[test]
    fn the_extremes_of_i64_are_covered_without_overflow() {
        let all = Rect {
            x: i64::MIN,
            y: i64::MIN,
            width: u64::MAX,
            height: u64::MAX,
        };
        let (view, k) = fit(all, 4, 4).expect("fits at 2^62");
        assert_eq!((view.x, k), (i64::MIN, 62));
        let r = Raster::blank(all, 62).expect("4x4 pixels");
        assert_eq!((r.width(), r.height()), (4, 4));
        assert_eq!(r.area().width, u64::MAX, "2^64 cells saturate");
        assert!(fit(all, 3, 3).is_err(), "no scale puts 2^64 cells in 3 pixels");
    }

    #[test]
    fn bad_viewports_and_budgets_are_refused() {
        let empty = Rect {
            x: 0,
            y: 0,
            width: 0,
            height: 4,
        };
        assert!(matches!(Raster::blank(empty, 0), Err(LifeError::Viewport { .. })));
        let overflowing = Rect {
            x: i64::MAX,
            y: 0,
            width: 2,
            height: 1,
        };
        assert!(matches!(Raster::blank(overflowing, 0), Err(LifeError::Viewport { .. })));
        let one = Rect::spanning(0, 0, 0, 0);
        assert!(matches!(Raster::blank(one, 63), Err(LifeError::Viewport { .. })));
        let huge = Rect::spanning(0, 0, 1 << 20, 1 << 20);
        let refused = Raster::blank(huge, 0);
        assert!(matches!(refused, Err(LifeError::RasterTooLarge { .. })), "{refused:?}");
        assert!(
            Raster::blank(huge, 7).is_err(),
            "8193 x 8193 pixels is a little past 2^26"
        );
        assert!(Raster::blank(huge, 8).is_ok(), "4097 x 4097 pixels");
        assert!(matches!(fit(one, 0, 5), Err(LifeError::RasterTooLarge { .. })));
        assert!(matches!(
            fit(one, 1 << 14, 1 << 14),
            Err(LifeError::RasterTooLarge { .. })
        ));
    }

    #[test]
    fn fit_picks_the_smallest_scale() {
        let bbox = Rect::spanning(-1000, -10, 999, 9);
        let (view, k) = fit(bbox, 100, 100).expect("fits");
        assert_eq!(k, 5, "2000 cells in 100 blocks of 32 (63 of them)");
        assert_eq!(view, cover(bbox, 5).expect("cover"));
        let (same, k0) = fit(bbox, 2000, 20).expect("fits");
        assert_eq!((same, k0), (bbox, 0));
    }

    #[test]
    fn a_dense_board_counts_its_cells_one_by_one() {
        use crate::{CellSink, Dense, Rule, Topology};
        let mut board = Dense::new(5, 5, Rule::CONWAY, Topology::Torus).expect("board");
        for (x, y) in [(0, 0), (1, 1), (2, 1), (4, 4), (3, 4)] {
            board.set_cell(x, y, true).expect("set");
        }
        let r = board.raster(Rect::spanning(0, 0, 4, 4), 1).expect("raster");
        assert_eq!((r.width(), r.height()), (3, 3));
        assert_eq!(r.counts(), &[2, 1, 0, 0, 0, 0, 0, 1, 1]);
        assert_eq!(r.density(0, 0), Some(0.5));
        assert_eq!(r.get(3, 0), None);
    }
}
