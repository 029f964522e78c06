//! Dense boards as universes: a W×H torus or bounded rectangle stepped by a [`Kernel`].

use std::sync::Arc;

use super::{CellSink, Cells, Rect, Snapshot, Universe};
use crate::{Board, Kernel, KernelKind, LifeError, Result, Rule, State, Topology};

/// Generations between polls of the keep-going hook: about 2^24 cell updates, a few milliseconds.
const POLL_CELLS: u64 = 1 << 24;

/// A dense board (cell `(x, y)` with `0 ≤ x < width`, `0 ≤ y < height`) under a rule and a
/// topology, stepped by a kernel. The kernel defines nothing: semantics are the reference
/// kernel's, whichever kernel runs.
pub struct Dense {
    board: Board,
    spare: Board,
    rule: Rule,
    topology: Topology,
    kernel: Box<dyn Kernel>,
    generation: u64,
}

impl Dense {
    /// An empty `width`×`height` board with the default (bitwise) kernel.
    pub fn new(width: usize, height: usize, rule: Rule, topology: Topology) -> Result<Dense> {
        Ok(Dense::from_board(Board::new(width, height)?, rule, topology))
    }

    /// A universe holding `board` at generation 0.
    pub fn from_board(board: Board, rule: Rule, topology: Topology) -> Dense {
        Dense {
            spare: board.clone(),
            board,
            rule,
            topology,
            kernel: KernelKind::default().build(),
            generation: 0,
        }
    }

    /// Uses `kernel` to compute generations.
    pub fn with_kernel(mut self, kernel: KernelKind) -> Dense {
        self.kernel = kernel.build();
        self
    }

    /// The board.
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// The topology.
    pub fn topology(&self) -> Topology {
        self.topology
    }

    /// The current generation as the tutorial's [`State`].
    pub fn state(&self) -> State {
        State::new(self.board.clone(), self.generation)
    }

    /// The board's cell at `(x, y)` if it has one.
    fn index(&self, x: i64, y: i64) -> Option<(usize, usize)> {
        let x = usize::try_from(x).ok().filter(|&x| x < self.board.width())?;
        let y = usize::try_from(y).ok().filter(|&y| y < self.board.height())?;
        Some((x, y))
    }
}

/// A dense board frozen at one generation.
struct DenseSnapshot {
    board: Arc<Board>,
    generation: u64,
}

impl Cells for Dense {
    fn generation(&self) -> u64 {
        self.generation
    }
    fn get_cell(&self, x: i64, y: i64) -> bool {
        self.index(x, y).is_some_and(|(x, y)| self.board.get(x, y))
    }
    fn population(&self) -> u64 {
        self.board.population()
    }
    fn bounding_box(&self) -> Option<Rect> {
        board_box(&self.board)
    }
    fn for_each_live_cell(&self, area: Rect, visit: &mut dyn FnMut(i64, i64)) {
        board_cells(&self.board, area, visit);
    }
    fn fingerprint(&self) -> u64 {
        self.board.fingerprint()
    }
}

impl Cells for DenseSnapshot {
    fn generation(&self) -> u64 {
        self.generation
    }
    fn get_cell(&self, x: i64, y: i64) -> bool {
        match (usize::try_from(x), usize::try_from(y)) {
            (Ok(x), Ok(y)) => self.board.get(x, y),
            _ => false,
        }
    }
    fn population(&self) -> u64 {
        self.board.population()
    }
    fn bounding_box(&self) -> Option<Rect> {
        board_box(&self.board)
    }
    fn for_each_live_cell(&self, area: Rect, visit: &mut dyn FnMut(i64, i64)) {
        board_cells(&self.board, area, visit);
    }
    fn fingerprint(&self) -> u64 {
        self.board.fingerprint()
    }
}

fn board_box(board: &Board) -> Option<Rect> {
    board.bounding_box().map(|(x, y, w, h)| Rect {
        x: x as i64,
        y: y as i64,
        width: w as u64,
        height: h as u64,
    })
}

fn board_cells(board: &Board, area: Rect, visit: &mut dyn FnMut(i64, i64)) {
    for (x, y) in board.live_cells() {
        if area.contains(x as i64, y as i64) {
            visit(x as i64, y as i64);
        }
    }
}

impl CellSink for Dense {
    /// Fails on a cell outside the board.
    fn set_cell(&mut self, x: i64, y: i64, alive: bool) -> Result<()> {
        let (cx, cy) = self.index(x, y).ok_or(LifeError::OffBoard {
            x,
            y,
            width: self.board.width(),
            height: self.board.height(),
        })?;
        self.board.set(cx, cy, alive);
        Ok(())
    }
}

impl Universe for Dense {
    fn algorithm(&self) -> &'static str {
        self.kernel.name()
    }
    fn rule(&self) -> Rule {
        self.rule
    }
    fn set_generation(&mut self, generation: u64) {
        self.generation = generation;
    }
    fn snapshot(&self) -> Snapshot {
        Arc::new(DenseSnapshot {
            board: Arc::new(self.board.clone()),
            generation: self.generation,
        })
    }
    fn advance(&mut self, n: u64, keep_going: &mut dyn FnMut(u64) -> bool) -> Result<u64> {
        let n = n.min(u64::MAX - self.generation);
        let poll_every = POLL_CELLS / self.board.cell_count().max(1) + 1;
        let mut done = 0;
        while done < n {
            if done % poll_every == 0 && done > 0 && !keep_going(done) {
                break;
            }
            self.kernel.step(&self.board, &mut self.spare, self.rule, self.topology);
            std::mem::swap(&mut self.board, &mut self.spare);
            done += 1;
        }
        self.generation += done;
        Ok(done)
    }
}
