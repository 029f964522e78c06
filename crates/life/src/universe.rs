//! The one seam every algorithm sits behind, the way Golly puts QuickLife and HashLife behind
//! `lifealgo`: cells at `i64` coordinates, population, bounding box, live cells in a rectangle,
//! a fingerprint, an immutable snapshot, and `advance(n)` for any `n` with a keep-going hook.
//!
//! Dense boards ([`Dense`]: a torus or a bounded rectangle over the bitwise kernel) and the
//! unbounded plane ([`HashLife`](crate::HashLife), [`Tiles`](crate::Tiles)) are all universes,
//! so pattern readers, writers and commands need not know which one they drive.
//!
//! ```
//! use colony_life::{Dense, HashLife, Rule, Topology, Universe};
//!
//! let mut plane = HashLife::new(Rule::CONWAY)?;
//! let mut board = Dense::new(16, 16, Rule::CONWAY, Topology::Bounded)?;
//! for u in [&mut plane as &mut dyn Universe, &mut board] {
//!     for (x, y) in [(1, 0), (2, 1), (0, 2), (1, 2), (2, 2)] {
//!         u.set_cell(x, y, true)?; // a glider
//!     }
//!     u.advance(4, &mut |_| true)?;
//!     assert_eq!(u.population(), 5);
//!     assert_eq!(u.bounding_box().map(|r| (r.x, r.y)), Some((1, 1)));
//! }
//! # Ok::<(), colony_life::LifeError>(())
//! ```

mod dense;

use std::sync::Arc;

pub use dense::Dense;

use crate::{Raster, Result, Rule};

/// A rectangle of cells: columns `x .. x + width`, rows `y .. y + height` (`y` grows downwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left column.
    pub x: i64,
    /// Top row.
    pub y: i64,
    /// Width in cells.
    pub width: u64,
    /// Height in cells.
    pub height: u64,
}

impl Rect {
    /// The rectangle from `(x0, y0)` to `(x1, y1)`, both corners included.
    pub fn spanning(x0: i64, y0: i64, x1: i64, y1: i64) -> Rect {
        Rect {
            x: x0.min(x1),
            y: y0.min(y1),
            width: x0.abs_diff(x1).saturating_add(1),
            height: y0.abs_diff(y1).saturating_add(1),
        }
    }

    /// The rightmost column (saturating at `i64::MAX` for absurd widths).
    pub fn right(&self) -> i64 {
        self.x.saturating_add_unsigned(self.width.saturating_sub(1))
    }

    /// The bottom row (saturating at `i64::MAX` for absurd heights).
    pub fn bottom(&self) -> i64 {
        self.y.saturating_add_unsigned(self.height.saturating_sub(1))
    }

    /// Whether `(x, y)` lies inside.
    pub fn contains(&self, x: i64, y: i64) -> bool {
        self.width > 0
            && self.height > 0
            && (self.x..=self.right()).contains(&x)
            && (self.y..=self.bottom()).contains(&y)
    }

    /// The number of cells (saturating).
    pub fn area(&self) -> u64 {
        self.width.saturating_mul(self.height)
    }
}

impl std::fmt::Display for Rect {
    /// `WxH at (X,Y)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{} at ({},{})", self.width, self.height, self.x, self.y)
    }
}

/// Somewhere cells can be written: a universe, or a buffer a reader fills. Readers only ever talk
/// to this, so no format depends on an algorithm.
pub trait CellSink {
    /// Makes the cell at column `x`, row `y` alive or dead.
    fn set_cell(&mut self, x: i64, y: i64, alive: bool) -> Result<()>;

    /// The extent (`width`×`height`) a reader's header declares, heard before any cell: a sink
    /// that cannot hold it refuses here, before the cells are read.
    fn declare(&mut self, width: u64, height: u64) -> Result<()> {
        let _ = (width, height);
        Ok(())
    }
}

/// A plain list of live cells: what a reader fills when the cells' destination is not known yet.
impl CellSink for Vec<(i64, i64)> {
    fn set_cell(&mut self, x: i64, y: i64, alive: bool) -> Result<()> {
        if alive {
            self.push((x, y));
        } else {
            self.retain(|&c| c != (x, y));
        }
        Ok(())
    }
}

/// Read-only access to a generation's cells, shared by live universes and their snapshots.
pub trait Cells {
    /// The generation these cells belong to.
    fn generation(&self) -> u64;
    /// Whether the cell at column `x`, row `y` is alive (cells no universe can hold are dead).
    fn get_cell(&self, x: i64, y: i64) -> bool;
    /// Number of live cells.
    fn population(&self) -> u64;
    /// The smallest rectangle holding every live cell; `None` when there is none.
    fn bounding_box(&self) -> Option<Rect>;
    /// Calls `visit(x, y)` for every live cell inside `area`, in no particular order.
    fn for_each_live_cell(&self, area: Rect, visit: &mut dyn FnMut(i64, i64));
    /// A 64-bit hash of the cells (and their positions): equal cells give equal fingerprints.
    fn fingerprint(&self) -> u64;

    /// Live cells counted per 2^`scale`×2^`scale` block, over the blocks `view` meets (see
    /// [`Raster`]). The plane reads the counts off its quadtree's nodes, never visiting the cells
    /// of a block; others count their live cells one by one. Refuses an empty or overflowing
    /// `view`, a scale past [`MAX_SCALE`](crate::raster::MAX_SCALE), and more than
    /// [`MAX_PIXELS`](crate::raster::MAX_PIXELS) pixels.
    fn raster(&self, view: Rect, scale: u8) -> Result<Raster> {
        Raster::of_cells(self, view, scale)
    }

    /// The live cells inside `area`, sorted row by row, left to right.
    fn live_cells_in(&self, area: Rect) -> Vec<(i64, i64)> {
        let mut cells = Vec::new();
        self.for_each_live_cell(area, &mut |x, y| cells.push((x, y)));
        cells.sort_unstable_by_key(|&(x, y)| (y, x));
        cells
    }
}

/// An immutable generation that can be kept (in a history) or handed to another thread.
pub type Snapshot = Arc<dyn Cells + Send + Sync>;

/// A universe: cells evolving under a rule, stepped by some algorithm.
pub trait Universe: Cells + CellSink + Send {
    /// The algorithm's name (`bitwise`, `reference`, `hashlife`, `tiles`).
    fn algorithm(&self) -> &'static str;
    /// The rule.
    fn rule(&self) -> Rule;
    /// Sets the generation number (e.g. a pattern file's own generation).
    fn set_generation(&mut self, generation: u64);
    /// An immutable copy of the current generation, cheap to keep.
    fn snapshot(&self) -> Snapshot;
    /// Advances up to `n` generations. `keep_going(done)` is polled now and then with the
    /// generations done so far; once it returns `false` the universe stops at a whole generation
    /// and reports how far it got. Returns the number of generations advanced.
    fn advance(&mut self, n: u64, keep_going: &mut dyn FnMut(u64) -> bool) -> Result<u64>;
}
