//! Plain, serializable data that travels in actor messages and updates.

use colony_life::{soup, Board, Game, HashLife, LifeError, Outcome, PlaneGame, Rule, Topology, World};

use crate::AnyGame;
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
    /// Explicit cells (a pattern already placed, or a restored checkpoint).
    Board {
        /// The cells: a board, or the plane's.
        board: World,
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

/// Where a game's cells live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Space {
    /// A `width`×`height` board whose edges the topology sets.
    #[default]
    Board,
    /// The unbounded plane, computed with HashLife; `width`×`height` is only a soup's extent,
    /// its top-left cell at (0,0).
    Plane,
}

/// Bytes of HashLife nodes a plane game may use unless a trial says otherwise.
pub const DEFAULT_PLANE_MEMORY: u64 = 256 << 20;

/// Everything needed to build a game: what a spawn message carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameSpec {
    /// Board width (on the plane, a soup's).
    pub width: usize,
    /// Board height (on the plane, a soup's).
    pub height: usize,
    /// Life-like rule.
    pub rule: Rule,
    /// Edges of a board (not used on the plane).
    pub topology: Topology,
    /// A board or the plane.
    #[serde(default)]
    pub space: Space,
    /// Bytes of nodes a plane game may use.
    #[serde(default = "default_plane_memory")]
    pub plane_memory: u64,
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
            space: Space::Board,
            plane_memory: DEFAULT_PLANE_MEMORY,
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
    pub fn build(&self) -> Result<AnyGame, LifeError> {
        match self.space {
            Space::Board => self.build_board().map(AnyGame::Board),
            Space::Plane => self.build_plane().map(AnyGame::Plane),
        }
    }

    /// Builds the game on a board this spec describes (a plane spec is refused).
    pub fn build_board(&self) -> Result<Game, LifeError> {
        if self.space == Space::Plane {
            return Err(LifeError::Corrupt("this game is on the plane, not a board".to_string()));
        }
        let (board, generation, outcome) = match &self.start {
            Start::Soup { seed, density } => (soup(self.width, self.height, *seed, *density)?, 0, Outcome::Running),
            Start::Board {
                board: World::Board(board),
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
            Start::Board {
                board: World::Plane(_), ..
            } => {
                return Err(LifeError::Corrupt(
                    "a board game was given the plane's cells".to_string(),
                ))
            }
        };
        Game::resume(board, generation, self.rule, self.topology)
            .with_history(self.history)
            .map(|g| g.with_known_outcome(outcome))
    }

    fn build_plane(&self) -> Result<PlaneGame, LifeError> {
        let plane = match &self.start {
            Start::Soup { seed, density } => {
                let cells = soup(self.width, self.height, *seed, *density)?;
                let mut plane = HashLife::with_memory(self.rule, self.plane_memory)?;
                plane.add_cells(cells.live_cells().map(|(x, y)| (x as i64, y as i64)))?;
                plane
            }
            Start::Board {
                board: World::Plane(state),
                ..
            } => {
                if state.rule() != self.rule {
                    return Err(LifeError::Corrupt(format!(
                        "spec says rule {} but the plane's cells are under {}",
                        self.rule,
                        state.rule()
                    )));
                }
                HashLife::from_state(state, self.plane_memory)?
            }
            Start::Board {
                board: World::Board(_), ..
            } => return Err(LifeError::Corrupt("a plane game was given a board".to_string())),
        };
        PlaneGame::new(plane)?.with_history(self.history)
    }
}

fn default_plane_memory() -> u64 {
    DEFAULT_PLANE_MEMORY
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

/// A full generation: its summary and its cells (shared, not copied, within a process).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Generation, population, outcome.
    pub summary: Summary,
    /// The cells.
    pub board: World,
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
    /// The cells asked for (see [`Detail`]), oldest first.
    pub boards: Vec<World>,
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
    /// Board width (on the plane, the bounding box's).
    pub width: usize,
    /// Board height (on the plane, the bounding box's).
    pub height: usize,
    /// Rule.
    pub rule: Rule,
    /// Topology (of a board).
    pub topology: Topology,
    /// A board or the plane.
    pub space: Space,
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
