//! The Game of Life engine behind Colony.
//!
//! A [`Board`] holds cells bit-packed; a [`Rule`] is any Life-like rule; a [`Topology`] says what
//! lies past the edges. [`State`] is an immutable generation and [`Game`] steps one board through
//! time with a bounded history and outcome detection, as in the Ray actors tutorial this project
//! grew from. Kernels sit behind the [`Kernel`] seam; the reference kernel defines the semantics.
//!
//! ```
//! use colony_life::{Board, Game, Rule, Topology};
//!
//! let mut board = Board::new(5, 5)?;
//! for x in 1..4 {
//!     board.set(x, 2, true); // a blinker
//! }
//! let mut game = Game::new(board, Rule::CONWAY, Topology::Torus);
//! let states = game.step(2);
//! assert_eq!(states[1].board(), game.history().next().unwrap().board());
//! assert_eq!(game.outcome().to_string(), "oscillating (period 2)");
//! # Ok::<(), colony_life::LifeError>(())
//! ```
#![deny(missing_docs)]

mod board;
mod error;
mod game;
mod hashlife;
pub mod kernel;
mod outcome;
pub mod pattern;
mod plane_game;
pub mod raster;
mod rule;
mod soup;
mod state;
mod tiles;
mod topology;
pub mod universe;
mod world;

pub use board::{Board, MAX_CELLS, WORD_BITS};
pub use error::{LifeError, Result};
pub use game::{Game, DEFAULT_HISTORY};
pub use hashlife::{HashLife, NodeId, PlaneState, Stats, DEFAULT_MEMORY, MAX_LEVEL};
pub use kernel::{Kernel, KernelKind};
pub use outcome::{CycleDetector, Outcome, DEFAULT_CYCLE_WINDOW};
pub use plane_game::PlaneGame;
pub use raster::Raster;
pub use rule::Rule;
pub use soup::{soup, splitmix64};
pub use state::State;
pub use tiles::{TileStats, Tiles, BYTES_PER_TILE, DEFAULT_TILE_MEMORY};
pub use topology::Topology;
pub use universe::{CellSink, Cells, Dense, Rect, Snapshot, Universe};
pub use world::World;
