//! An immutable generation of a board: the tutorial's `State`.

use std::fmt;
use std::sync::Arc;

use crate::Board;

/// One generation of a game: a board and its generation number. Cloning is cheap (the board is
/// shared), and a state never changes once made.
#[derive(Clone, PartialEq, Eq)]
pub struct State {
    board: Arc<Board>,
    generation: u64,
}

impl State {
    /// A state holding `board` at `generation`.
    pub fn new(board: Board, generation: u64) -> State {
        State {
            board: Arc::new(board),
            generation,
        }
    }

    /// A state sharing an already shared board.
    pub fn from_shared(board: Arc<Board>, generation: u64) -> State {
        State { board, generation }
    }

    /// The board.
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// The shared board, for callers that keep it.
    pub fn shared_board(&self) -> &Arc<Board> {
        &self.board
    }

    /// The generation number (0 for the initial board).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Number of live cells.
    pub fn population(&self) -> u64 {
        self.board.population()
    }

    /// Live cells as `(row, column)` pairs, row by row: the tutorial's `living_cells`, as pairs
    /// instead of two zipped sequences (and an empty board is simply an empty list).
    pub fn living_cells(&self) -> Vec<(usize, usize)> {
        self.board.live_cells().map(|(x, y)| (y, x)).collect()
    }

    /// Releases the board if this was its last holder, for reuse by a kernel.
    pub(crate) fn into_board(self) -> Option<Board> {
        Arc::try_unwrap(self.board).ok()
    }
}

impl fmt::Display for State {
    /// The tutorial's text: each row `| ` + cells joined by a space (`*` live, space dead) + ` |`,
    /// rows joined by newlines, no trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.board;
        let mut line = String::with_capacity(b.width() * 2 + 3);
        for y in 0..b.height() {
            line.clear();
            line.push_str("| ");
            for x in 0..b.width() {
                if x > 0 {
                    line.push(' ');
                }
                line.push(if b.get(x, y) { '*' } else { ' ' });
            }
            line.push_str(" |");
            if y > 0 {
                f.write_str("\n")?;
            }
            f.write_str(&line)?;
        }
        Ok(())
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "State #{} {:?}", self.generation, self.board)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_tutorials_format() {
        let board = Board::from_rows(&[[true, false, false], [false, true, true]]).expect("board");
        let state = State::new(board, 0);
        assert_eq!(state.to_string(), "| *     |\n|   * * |");
        assert_eq!(state.living_cells(), vec![(0, 0), (1, 1), (1, 2)]);
    }

    #[test]
    fn empty_board_has_no_living_cells() {
        let state = State::new(Board::new(4, 4).expect("board"), 3);
        assert!(state.living_cells().is_empty());
        assert_eq!(state.population(), 0);
        assert_eq!(state.generation(), 3);
    }
}
