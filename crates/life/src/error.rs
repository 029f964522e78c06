//! The engine's error type.

use thiserror::Error;

/// Everything the engine can refuse. Pattern errors carry the line and column they were found at.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum LifeError {
    /// A board needs at least one row and one column.
    #[error("board size must be at least 1x1, got {width}x{height}")]
    ZeroSize {
        /// Requested width.
        width: usize,
        /// Requested height.
        height: usize,
    },
    /// A board whose cell count overflows memory limits.
    #[error("board size {width}x{height} is too large")]
    TooLarge {
        /// Requested width.
        width: usize,
        /// Requested height.
        height: usize,
    },
    /// A rule string that is not a Life-like rule.
    #[error("invalid rule {rule:?}: {reason}")]
    Rule {
        /// The text that was given.
        rule: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A topology name that is neither `torus` nor `bounded`.
    #[error("unknown topology {0:?} (expected \"torus\" or \"bounded\")")]
    Topology(String),
    /// The threads a kernel steps one board on could not be started.
    #[error("{0}")]
    Threads(String),
    /// A soup density outside `0.0..=1.0`.
    #[error("density must be between 0 and 1, got {0}")]
    Density(f64),
    /// A pattern that does not fit on the board at the requested place.
    #[error("pattern of {pattern_width}x{pattern_height} does not fit on a {board_width}x{board_height} board at ({x}, {y})")]
    DoesNotFit {
        /// Pattern width.
        pattern_width: usize,
        /// Pattern height.
        pattern_height: usize,
        /// Board width.
        board_width: usize,
        /// Board height.
        board_height: usize,
        /// Requested left column.
        x: i64,
        /// Requested top row.
        y: i64,
    },
    /// A malformed pattern file.
    #[error("{line}:{column}: {message}")]
    Parse {
        /// 1-based line number.
        line: usize,
        /// 1-based column number.
        column: usize,
        /// What is wrong there.
        message: String,
    },
    /// A name that is not in the pattern library.
    #[error("unknown pattern {0:?}; known patterns: {1}")]
    UnknownPattern(String, String),
    /// A pattern with more live cells than may be collected.
    #[error("the pattern has more than {limit} live cells, more than the memory budget holds")]
    TooManyCells {
        /// Cells allowed.
        limit: u64,
    },
    /// A history capacity of zero.
    #[error("history capacity must be at least 1")]
    ZeroHistory,
    /// Serialized data that does not describe a valid value.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// A kernel name that does not exist.
    #[error("unknown kernel {0:?} (expected \"reference\" or \"bitwise\")")]
    UnknownKernel(String),
    /// A cell outside a dense board.
    #[error("cell ({x}, {y}) is outside the {width}x{height} board")]
    OffBoard {
        /// Column.
        x: i64,
        /// Row.
        y: i64,
        /// Board width.
        width: usize,
        /// Board height.
        height: usize,
    },
    /// A rule the unbounded plane cannot run.
    #[error("rule {rule} cannot run on the unbounded plane: {reason}")]
    PlaneRule {
        /// The rule.
        rule: String,
        /// Why not.
        reason: String,
    },
    /// A cell beyond the plane's coordinates (±2^61).
    #[error("cell ({x}, {y}) is beyond the plane's coordinates (-2^61 .. 2^61)")]
    OutOfPlane {
        /// Column.
        x: i64,
        /// Row.
        y: i64,
    },
    /// A pattern that grew past the largest quadtree.
    #[error("the pattern reaches past ±2^59 cells from the origin, as far as the plane can step it (a quadtree of level {level})")]
    PlaneOverflow {
        /// The largest level.
        level: u8,
    },
    /// A computation that does not fit in the memory budget even after garbage collection.
    #[error("one generation does not fit in the memory budget of {bytes} bytes, even after garbage collection; raise --max-memory")]
    MemoryBudget {
        /// The budget.
        bytes: u64,
    },
    /// A region of cells that cannot be pictured: empty, past the coordinates, or at a scale
    /// past the largest.
    #[error("viewport {viewport}: {reason}")]
    Viewport {
        /// The region, as `WxH at (X,Y)`.
        viewport: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A raster with more pixels than [`raster::MAX_PIXELS`](crate::raster::MAX_PIXELS).
    #[error("a picture of {width}x{height} pixels is more than the limit of {limit} pixels; zoom out or picture less")]
    RasterTooLarge {
        /// Pixels per row asked for.
        width: u64,
        /// Rows asked for.
        height: u64,
        /// The most pixels a raster may have.
        limit: u64,
    },
    /// A generation number past `u64::MAX`.
    #[error("generation {generation} + {steps} is beyond the largest generation number (2^64 - 1)")]
    GenerationOverflow {
        /// The current generation.
        generation: u64,
        /// The steps asked for.
        steps: u64,
    },
}

/// Shorthand for engine results.
pub type Result<T, E = LifeError> = std::result::Result<T, E>;
