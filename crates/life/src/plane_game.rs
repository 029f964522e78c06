//! A game on the unbounded plane: the tutorial's `Game` (a bounded history, `step(n)`, an
//! outcome) over HashLife instead of a board.

use std::collections::VecDeque;

use crate::universe::{Cells, Rect, Universe};
use crate::{HashLife, LifeError, Outcome, PlaneState, Result, Rule, DEFAULT_CYCLE_WINDOW};

/// A pattern on the plane, evolving under HashLife. Keeps the last `history` states (the current
/// one included) and tells whether the pattern has died out, stopped changing, started to repeat
/// in place or flies away as a spaceship.
///
/// The outcome is found by looking up to a window of generations ahead (and coming back, which
/// HashLife makes free), stepping one generation at a time, which costs HashLife far more than a
/// jump: when the game starts, then after a window of generations and after every half again as
/// many as it has run (a pattern that settles at generation g is known settled by about 1.5 g),
/// so a long run looks a few dozen times at most. A settled pattern stays settled.
pub struct PlaneGame {
    plane: HashLife,
    history: VecDeque<PlaneState>,
    capacity: usize,
    outcome: Outcome,
    window: u64,
    started: u64,
    looked_at: u64,
}

impl PlaneGame {
    /// A game starting from `plane` at its own generation, keeping [`crate::DEFAULT_HISTORY`]
    /// states and looking [`DEFAULT_CYCLE_WINDOW`] generations ahead.
    pub fn new(plane: HashLife) -> Result<PlaneGame> {
        let mut game = PlaneGame {
            history: VecDeque::from([plane.state()]),
            looked_at: plane.generation(),
            started: plane.generation(),
            plane,
            capacity: crate::DEFAULT_HISTORY,
            outcome: Outcome::Running,
            window: DEFAULT_CYCLE_WINDOW as u64,
        };
        game.look_ahead()?;
        Ok(game)
    }

    /// A game continuing from `state`, its nodes under a budget of `memory` bytes.
    pub fn resume(state: &PlaneState, memory: u64) -> Result<PlaneGame> {
        PlaneGame::new(HashLife::from_state(state, memory)?)
    }

    /// Keeps at most `capacity` states (≥ 1; the current state counts).
    pub fn with_history(mut self, capacity: usize) -> Result<PlaneGame> {
        if capacity == 0 {
            return Err(LifeError::ZeroHistory);
        }
        self.capacity = capacity;
        while self.history.len() > capacity {
            self.history.pop_front();
        }
        Ok(self)
    }

    /// Advances `n` generations (in one HashLife jump) and returns the new current state; the
    /// history gains one state. `keep_going` is polled as in [`Universe::advance`]. The
    /// generation stops at `u64::MAX`.
    pub fn advance(&mut self, n: u64, keep_going: &mut dyn FnMut(u64) -> bool) -> Result<&PlaneState> {
        let n = n.min(u64::MAX - self.plane.generation());
        if n > 0 {
            self.plane.advance(n, keep_going)?;
            self.record()?;
        }
        Ok(self.current())
    }

    /// The next `n` states, one generation apart (the tutorial's `step`).
    pub fn step(&mut self, n: u64) -> Result<Vec<PlaneState>> {
        let mut states = Vec::new();
        for _ in 0..n.min(u64::MAX - self.plane.generation()) {
            states.push(self.advance(1, &mut |_| true)?.clone());
        }
        Ok(states)
    }

    fn record(&mut self) -> Result<()> {
        self.history.push_back(self.plane.state());
        while self.history.len() > self.capacity {
            self.history.pop_front();
        }
        if self.plane.population() == 0 {
            self.outcome = Outcome::Extinct;
        } else if !self.outcome.is_settled() {
            let generation = self.plane.generation();
            let wait = self.window.max((self.looked_at - self.started) / 2);
            if generation - self.looked_at >= wait {
                self.look_ahead()?;
            }
        }
        Ok(())
    }

    fn look_ahead(&mut self) -> Result<()> {
        self.outcome = self.plane.outcome_ahead(self.window)?;
        self.looked_at = self.plane.generation();
        Ok(())
    }

    /// The current state.
    pub fn current(&self) -> &PlaneState {
        &self.history[self.history.len() - 1]
    }

    /// Kept states, oldest first (the current one last).
    pub fn history(&self) -> impl DoubleEndedIterator<Item = &PlaneState> + ExactSizeIterator {
        self.history.iter()
    }

    /// States kept at most.
    pub fn history_capacity(&self) -> usize {
        self.capacity
    }

    /// The current generation.
    pub fn generation(&self) -> u64 {
        self.plane.generation()
    }

    /// Live cells now.
    pub fn population(&self) -> u64 {
        self.plane.population()
    }

    /// The smallest rectangle holding every live cell.
    pub fn bounding_box(&self) -> Option<Rect> {
        self.plane.bounding_box()
    }

    /// What the pattern has settled into, as of the last look ahead.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// The rule.
    pub fn rule(&self) -> Rule {
        self.plane.rule()
    }

    /// The universe itself (for rasters, counters and writers).
    pub fn plane(&self) -> &HashLife {
        &self.plane
    }
}

impl std::fmt::Debug for PlaneGame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaneGame")
            .field("rule", &self.rule().to_string())
            .field("generation", &self.generation())
            .field("population", &self.population())
            .field("outcome", &self.outcome)
            .field("history", &self.history.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern;

    fn game(name: &str) -> PlaneGame {
        let p = pattern::named(name).expect("library");
        let plane =
            HashLife::from_cells(Rule::CONWAY, p.board.live_cells().map(|(x, y)| (x as i64, y as i64))).expect("plane");
        PlaneGame::new(plane).expect("game")
    }

    #[test]
    fn the_outcome_is_known_from_the_start_and_once_a_window() {
        assert_eq!(game("glider").outcome().to_string(), "spaceship p4 (1,1)");
        assert_eq!(game("blinker").outcome(), Outcome::Oscillating { period: 2 });
        let mut acorn = game("acorn");
        assert_eq!(acorn.outcome(), Outcome::Running);
        acorn.advance(5206, &mut |_| true).expect("advance");
        assert_eq!((acorn.generation(), acorn.population()), (5206, 633));
        // Gliders fly off the acorn's ash forever: never a repeat, in place or shifted.
        assert_eq!(acorn.outcome(), Outcome::Running);
    }

    #[test]
    fn step_gives_successive_states_and_the_history_is_bounded() {
        let mut g = game("glider").with_history(3).expect("history");
        let states = g.step(8);
        let states = states.expect("step");
        assert_eq!(
            states.iter().map(|s| s.generation()).collect::<Vec<_>>(),
            (1..=8).collect::<Vec<_>>()
        );
        assert_eq!(g.history().len(), 3);
        // Two periods on, the glider is the same shape two cells down and right.
        let (a, b) = (g.history().next().expect("oldest").clone(), g.current().clone());
        let moved: Vec<_> = a.live_cells_in(Rect::spanning(-10, -10, 20, 20));
        assert_eq!(a.generation() + 2, b.generation());
        assert_eq!(moved.len(), 5);
        let (b0, b8) = (
            states[3].bounding_box().expect("box"),
            states[7].bounding_box().expect("box"),
        );
        assert_eq!((b8.x - b0.x, b8.y - b0.y), (1, 1));
        assert!(PlaneGame::new(HashLife::new(Rule::CONWAY).expect("plane"))
            .expect("empty")
            .with_history(0)
            .is_err());
    }

    #[test]
    fn a_resumed_game_matches_one_that_never_stopped() {
        let mut a = game("r-pentomino");
        a.advance(400, &mut |_| true).expect("advance");
        let mut b = PlaneGame::resume(a.current(), 64 << 20).expect("resume");
        a.advance(700, &mut |_| true).expect("advance");
        b.advance(700, &mut |_| true).expect("advance");
        assert_eq!(a.current(), b.current());
    }
}
