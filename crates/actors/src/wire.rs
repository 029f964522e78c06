//! Plain, serializable data that travels in actor messages and updates.

use std::sync::Arc;

use colony_life::{soup, Board, Game, LifeError, Outcome, Rule, Topology};
use serde::{Deserialize, Serialize};

/// Identifies a game within a colony (its index in a trial).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GameId(pub u32);

impl std::fmt::Display for GameId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "game {}", self.0)
    }
}

/// Where a game's first board comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Start {
    /// A reproducible random soup.
    Soup {
        /// splitmix64 seed.
        seed: u64,
        /// Fraction of live cells.
        density: f64,
    },
    /// An explicit board (a pattern already placed, or a restored checkpoint).
    Board {
        /// The cells.
        board: Arc<Board>,
        /// Its generation number.
        generation: u64,
        /// What the game had settled into by then, if known.
        outcome: Outcome,
    },
}

/// Everything needed to build a game: what a spawn message carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameSpec {
    /// Board width.
    pub width: usize,
    /// Board height.
    pub height: usize,
    /// Life-like rule.
    pub rule: Rule,
    /// Edges.
    pub topology: Topology,
    /// First board.
    pub start: Start,
    /// States kept in the game's history.
    pub history: usize,
}

impl GameSpec {
    /// A `size`×`size` torus soup under Conway's rule with a short history: the tutorial's game.
    pub fn soup(size: usize, seed: u64) -> GameSpec {
        GameSpec {
            width: size,
            height: size,
            rule: Rule::CONWAY,
            topology: Topology::Torus,
            start: Start::Soup { seed, density: 0.5 },
            history: 2,
        }
    }

    /// The soup seed, if the game started from one.
    pub fn seed(&self) -> Option<u64> {
        match self.start {
            Start::Soup { seed, .. } => Some(seed),
            Start::Board { .. } => None,
        }
    }

    /// Builds the game this spec describes.
    pub fn build(&self) -> Result<Game, LifeError> {
        let (board, generation, outcome) = match &self.start {
            Start::Soup { seed, density } => (soup(self.width, self.height, *seed, *density)?, 0, Outcome::Running),
            Start::Board {
                board,
                generation,
                outcome,
            } => {
                if board.width() != self.width || board.height() != self.height {
                    return Err(LifeError::Corrupt(format!(
                        "spec says {}x{} but the board is {}x{}",
                        self.width,
                        self.height,
                        board.width(),
                        board.height()
                    )));
                }
                (Board::clone(board), *generation, *outcome)
            }
        };
        Ok(Game::resume(board, generation, self.rule, self.topology)
            .with_history(self.history)?
            .with_known_outcome(outcome))
    }
}

/// One generation in brief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Generation number.
    pub generation: u64,
    /// Live cells.
    pub population: u64,
    /// Outcome as of this generation.
    pub outcome: Outcome,
}

/// A full generation: its summary and its board (shared, not copied, within a process).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Generation, population, outcome.
    pub summary: Summary,
    /// The cells.
    pub board: Arc<Board>,
}

/// How much a step reply carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Detail {
    /// Every new board (the tutorial's `step` returns every new state).
    States,
    /// A summary per new generation and the last board only.
    #[default]
    Last,
    /// Summaries only, no boards.
    Summaries,
}

/// The answer to a step request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReply {
    /// Which game answered.
    pub game: GameId,
    /// One summary per new generation, oldest first.
    pub summaries: Vec<Summary>,
    /// The boards asked for (see [`Detail`]), oldest first.
    pub boards: Vec<Arc<Board>>,
}

impl StepReply {
    /// The summary of the newest generation, if the step advanced at all.
    pub fn last(&self) -> Option<&Summary> {
        self.summaries.last()
    }
}

/// What a game actor says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameInfo {
    /// Game id.
    pub game: GameId,
    /// Board width.
    pub width: usize,
    /// Board height.
    pub height: usize,
    /// Rule.
    pub rule: Rule,
    /// Topology.
    pub topology: Topology,
    /// Soup seed, if any.
    pub seed: Option<u64>,
    /// Current generation in brief.
    pub current: Summary,
    /// States kept in history.
    pub history_len: usize,
    /// Messages handled so far.
    pub messages: u64,
}
