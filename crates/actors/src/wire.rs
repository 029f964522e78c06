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

/// Identifies a trial among those one supervisor has run (counting from 1; 0 for games spawned
/// outside any trial). Not the id a checkpoint database gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct TrialId(pub u32);

impl std::fmt::Display for TrialId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "trial {}", self.0)
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

impl Start {
    /// The generation the game starts at.
    pub fn generation(&self) -> u64 {
        match self {
            Start::Soup { .. } => 0,
            Start::Board { generation, .. } => *generation,
        }
    }
}

/// States a trial's game keeps: the current one and the one before (what outcome detection and a
/// step need). The tutorial keeps every state; a trial of thousands of games cannot.
pub const TRIAL_HISTORY: usize = 2;

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
            history: TRIAL_HISTORY,
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

/// Summaries one step reply may carry ([`Detail::Summaries`], [`Detail::Every`]).
pub const MAX_REPLY_SUMMARIES: u64 = 1 << 16;

/// Bytes of boards one step reply may carry ([`Detail::States`]).
pub const MAX_REPLY_BOARD_BYTES: u64 = 64 << 20;

/// How much a step reply carries. Whatever the batch, a reply stays bounded: [`Detail::Last`] is
/// one summary and one board; the others are refused beyond [`MAX_REPLY_SUMMARIES`] summaries or
/// [`MAX_REPLY_BOARD_BYTES`] of boards, before any work is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Detail {
    /// Every new board (the tutorial's `step` returns every new state).
    States,
    /// The last generation's summary and board only.
    #[default]
    Last,
    /// A summary per new generation, no boards.
    Summaries,
    /// A summary for every generation that is a multiple of k, and for the last; no boards.
    Every(u64),
}

impl Detail {
    /// Checks that a reply to `generations` steps of a board of `board_bytes` stays in bounds.
    pub fn check(self, generations: u64, board_bytes: u64) -> Result<(), Refused> {
        let summaries = match self {
            Detail::Last => 1,
            Detail::States | Detail::Summaries => generations,
            Detail::Every(0) => return Err(Refused::new("Detail::Every needs a step of at least 1")),
            Detail::Every(k) => generations / k + 1,
        };
        if summaries > MAX_REPLY_SUMMARIES {
            return Err(Refused::new(format!(
                "{generations} generations with {self:?} would reply {summaries} summaries; the limit is \
                 {MAX_REPLY_SUMMARIES} (ask for Detail::Last or Detail::Every, or smaller batches)"
            )));
        }
        if self == Detail::States {
            let bytes = generations.saturating_mul(board_bytes);
            if bytes > MAX_REPLY_BOARD_BYTES {
                return Err(Refused::new(format!(
                    "{generations} boards of {board_bytes} bytes would reply {bytes} bytes; the limit is \
                     {MAX_REPLY_BOARD_BYTES} (ask for fewer states at once)"
                )));
            }
        }
        Ok(())
    }

    /// Whether the summary of `generation` belongs in the reply (the last one always does).
    pub(crate) fn keeps(self, generation: u64) -> bool {
        match self {
            Detail::Last => false,
            Detail::States | Detail::Summaries => true,
            Detail::Every(k) => k > 0 && generation % k == 0,
        }
    }
}

/// A request an actor declined, and why (it travels back instead of the reply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    /// What was wrong, naming the limit.
    pub reason: String,
}

impl Refused {
    /// A refusal with this reason.
    pub fn new(reason: impl Into<String>) -> Refused {
        Refused { reason: reason.into() }
    }
}

/// The answer to a step request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReply {
    /// Which game answered.
    pub game: GameId,
    /// Generations actually advanced.
    pub advanced: u64,
    /// The summaries asked for (see [`Detail`]), oldest first; the newest generation's is last.
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

/// An actor's counters, as it reports them by message ([`crate::GameHandle::stats`]): what a
/// caller on another machine can know of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GameStats {
    /// Game id.
    pub game: GameId,
    /// Current generation.
    pub generation: u64,
    /// Current population.
    pub population: u64,
    /// Bytes its boards occupy (current state and history).
    pub board_bytes: u64,
    /// Messages it has handled before this one.
    pub handled: u64,
}
