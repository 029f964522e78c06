//! [`AnyGame`]: what a game actor steps, a game on a board or on the unbounded plane.

use colony_life::{Cells, Game, LifeError, Outcome, PlaneGame, Rule, World};

/// A game on a dense board (the tutorial's) or on the plane (HashLife).
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one per actor, moved once per batch: a few hundred bytes copied beside a batch of steps"
)]
pub enum AnyGame {
    /// A torus or bounded board.
    Board(Game),
    /// The unbounded plane.
    Plane(PlaneGame),
}

/// One kept state of a game in brief: its generation, live cells and cells.
pub struct Kept {
    /// Generation.
    pub generation: u64,
    /// Live cells.
    pub population: u64,
    /// The cells.
    pub world: World,
}

impl AnyGame {
    /// The current generation.
    pub fn generation(&self) -> u64 {
        match self {
            AnyGame::Board(g) => g.generation(),
            AnyGame::Plane(g) => g.generation(),
        }
    }

    /// Live cells now.
    pub fn population(&self) -> u64 {
        match self {
            AnyGame::Board(g) => g.current().population(),
            AnyGame::Plane(g) => g.population(),
        }
    }

    /// What the game has settled into.
    pub fn outcome(&self) -> Outcome {
        match self {
            AnyGame::Board(g) => g.outcome(),
            AnyGame::Plane(g) => g.outcome(),
        }
    }

    /// The rule.
    pub fn rule(&self) -> Rule {
        match self {
            AnyGame::Board(g) => g.rule(),
            AnyGame::Plane(g) => g.rule(),
        }
    }

    /// The current cells (shared, not copied).
    pub fn world(&self) -> World {
        match self {
            AnyGame::Board(g) => World::Board(g.current().shared_board().clone()),
            AnyGame::Plane(g) => World::Plane(g.current().clone()),
        }
    }

    /// The kept states, newest first.
    pub fn history(&self) -> Vec<Kept> {
        match self {
            AnyGame::Board(g) => g
                .history()
                .rev()
                .map(|s| Kept {
                    generation: s.generation(),
                    population: s.population(),
                    world: World::Board(s.shared_board().clone()),
                })
                .collect(),
            AnyGame::Plane(g) => g
                .history()
                .rev()
                .map(|s| Kept {
                    generation: s.generation(),
                    population: s.population(),
                    world: World::Plane(s.clone()),
                })
                .collect(),
        }
    }

    /// States kept now.
    pub fn history_len(&self) -> usize {
        match self {
            AnyGame::Board(g) => g.history().len(),
            AnyGame::Plane(g) => g.history().len(),
        }
    }

    /// States kept at most.
    pub fn history_capacity(&self) -> usize {
        match self {
            AnyGame::Board(g) => g.history_capacity(),
            AnyGame::Plane(g) => g.history_capacity(),
        }
    }

    /// Bytes the kept states occupy.
    pub fn bytes(&self) -> u64 {
        match self {
            AnyGame::Board(g) => (g.current().board().words().len() * 8 * g.history().len()) as u64,
            AnyGame::Plane(g) => g.history().map(|s| s.bytes()).sum(),
        }
    }

    /// Advances `n` generations: a board by its kernel (jumping once settled), the plane in one
    /// HashLife jump. Fails only on the plane, past its memory budget.
    pub fn advance(&mut self, n: u64) -> Result<(), LifeError> {
        match self {
            AnyGame::Board(g) => {
                g.advance(n);
            }
            AnyGame::Plane(g) => {
                g.advance(n, &mut |_| true)?;
            }
        }
        Ok(())
    }
}
