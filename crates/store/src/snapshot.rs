//! One game's board at one generation: the unit that is checkpointed.

use std::sync::Arc;

use colony_life::{Board, Outcome, State};

/// A game's board at a generation, with what the game had settled into by then. The board is
/// shared, so a snapshot of a [`State`] costs no copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The game's number within its trial.
    pub game: u32,
    /// The generation the board is at.
    pub generation: u64,
    /// The cells.
    pub board: Arc<Board>,
    /// What the game had settled into at this generation.
    pub outcome: Outcome,
}

impl Snapshot {
    /// A snapshot of game `game` at `generation`.
    pub fn new(game: u32, generation: u64, board: impl Into<Arc<Board>>, outcome: Outcome) -> Snapshot {
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

    /// The state this snapshot holds, to resume a game from.
    pub fn to_state(&self) -> State {
        State::from_shared(Arc::clone(&self.board), self.generation)
    }

    /// Number of live cells.
    pub fn population(&self) -> u64 {
        self.board.population()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_the_board_with_a_state() {
        let state = State::new(Board::new(3, 3).expect("board"), 12);
        let snapshot = Snapshot::from_state(4, &state, Outcome::Extinct);
        assert!(Arc::ptr_eq(&snapshot.board, state.shared_board()));
        assert_eq!((snapshot.game, snapshot.generation, snapshot.population()), (4, 12, 0));
        assert_eq!(snapshot.to_state(), state);
    }
}
