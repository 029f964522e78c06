//! One game's cells at one generation: the unit that is checkpointed.

use std::sync::Arc;

use colony_life::{Outcome, State, World};

/// A game's cells (a board, or the plane's) at a generation, with what the game had settled into
/// by then. The cells are shared, so a snapshot of a [`State`] costs no copy.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The game's number within its trial.
    pub game: u32,
    /// The generation the cells are at.
    pub generation: u64,
    /// The cells.
    pub board: World,
    /// What the game had settled into at this generation.
    pub outcome: Outcome,
}

impl Snapshot {
    /// A snapshot of game `game` at `generation`.
    pub fn new(game: u32, generation: u64, board: impl Into<World>, outcome: Outcome) -> Snapshot {
        Snapshot {
            game,
            generation,
            board: board.into(),
            outcome,
        }
    }

    /// A snapshot of a game's current state, sharing its board.
    pub fn from_state(game: u32, state: &State, outcome: Outcome) -> Snapshot {
        Snapshot::new(game, state.generation(), Arc::clone(state.shared_board()), outcome)
    }

    /// The board's state this snapshot holds, to resume a game from (`None` on the plane).
    pub fn to_state(&self) -> Option<State> {
        self.board
            .board()
            .map(|board| State::from_shared(Arc::clone(board), self.generation))
    }

    /// Number of live cells.
    pub fn population(&self) -> u64 {
        self.board.population()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use colony_life::Board;

    #[test]
    fn shares_the_board_with_a_state() {
        let state = State::new(Board::new(3, 3).expect("board"), 12);
        let snapshot = Snapshot::from_state(4, &state, Outcome::Extinct);
        assert!(snapshot
            .board
            .board()
            .is_some_and(|b| Arc::ptr_eq(b, state.shared_board())));
        assert_eq!((snapshot.game, snapshot.generation, snapshot.population()), (4, 12, 0));
        assert_eq!(snapshot.to_state(), Some(state));
    }
}
