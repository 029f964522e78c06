//! [`World`]: one generation's cells as a value, whichever universe they come from: what a
//! game's snapshots, replies, checkpoints and frames carry.

use std::sync::Arc;

use crate::universe::{Cells, Rect};
use crate::{Board, PlaneState};

/// One generation's cells: a dense board (torus or bounded) or a frozen generation of the plane.
/// Both are shared, so a clone costs nothing.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum World {
    /// A `width`×`height` board.
    Board(Arc<Board>),
    /// The unbounded plane.
    Plane(PlaneState),
}

impl World {
    /// The dense board, if this is one.
    pub fn board(&self) -> Option<&Arc<Board>> {
        match self {
            World::Board(board) => Some(board),
            World::Plane(_) => None,
        }
    }

    /// The plane, if this is it.
    pub fn plane(&self) -> Option<&PlaneState> {
        match self {
            World::Board(_) => None,
            World::Plane(plane) => Some(plane),
        }
    }

    /// Live cells.
    pub fn population(&self) -> u64 {
        match self {
            World::Board(board) => board.population(),
            World::Plane(plane) => plane.population(),
        }
    }

    /// A 64-bit hash of the cells: equal cells, equal fingerprints (a board's and the plane's are
    /// computed differently, so compare like with like).
    pub fn fingerprint(&self) -> u64 {
        match self {
            World::Board(board) => board.fingerprint(),
            World::Plane(plane) => plane.fingerprint(),
        }
    }

    /// Bytes the cells occupy in memory.
    pub fn bytes(&self) -> u64 {
        match self {
            World::Board(board) => board.words().len() as u64 * 8,
            World::Plane(plane) => plane.bytes(),
        }
    }

    /// The smallest rectangle holding every live cell (on a board, in its coordinates).
    pub fn bounding_box(&self) -> Option<Rect> {
        match self {
            World::Board(board) => {
                let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
                for (x, y) in board.live_cells() {
                    (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                }
                (x0 != usize::MAX).then(|| Rect::spanning(x0 as i64, y0 as i64, x1 as i64, y1 as i64))
            }
            World::Plane(plane) => plane.bounding_box(),
        }
    }
}

impl From<Board> for World {
    fn from(board: Board) -> World {
        World::Board(Arc::new(board))
    }
}

impl From<Arc<Board>> for World {
    fn from(board: Arc<Board>) -> World {
        World::Board(board)
    }
}

impl From<PlaneState> for World {
    fn from(plane: PlaneState) -> World {
        World::Plane(plane)
    }
}
