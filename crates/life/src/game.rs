//! A game: one board stepped through time, with a bounded history (the tutorial's `Game`).

use std::collections::VecDeque;

use crate::{
    Board, CycleDetector, Kernel, KernelKind, LifeError, Outcome, Result, Rule, State, Topology, DEFAULT_CYCLE_WINDOW,
};

/// States kept by default (the current one included).
pub const DEFAULT_HISTORY: usize = 16;

/// A board evolving under a rule. Keeps the last `history` states (the current one included) and
/// tells whether the board has died out, stopped changing or started to repeat.
pub struct Game {
    rule: Rule,
    topology: Topology,
    kernel: Box<dyn Kernel>,
    history: VecDeque<State>,
    capacity: usize,
    detector: CycleDetector,
    outcome: Outcome,
    spare: Option<Board>,
}

impl Game {
    /// A game starting from `board` at generation 0, with the default kernel, history and window.
    pub fn new(board: Board, rule: Rule, topology: Topology) -> Game {
        Game::resume(board, 0, rule, topology)
    }

    /// A game continuing from `board` at `generation` (e.g. restored from a checkpoint).
    pub fn resume(board: Board, generation: u64, rule: Rule, topology: Topology) -> Game {
        let mut detector = CycleDetector::new(DEFAULT_CYCLE_WINDOW);
        let outcome = detector.observe(generation, board.cycle_key(), board.is_empty());
        Game {
            rule,
            topology,
            kernel: KernelKind::default().build(),
            history: VecDeque::from([State::new(board, generation)]),
            capacity: DEFAULT_HISTORY,
            detector,
            outcome,
            spare: None,
        }
    }

    /// Bytes a game on a `width`×`height` board holds at most while it keeps `states` states:
    /// those, the board being computed and the spare (for memory budgets, before anything is
    /// allocated).
    pub fn bytes_for(width: usize, height: usize, states: usize) -> Result<u64> {
        let board = Board::bytes_for(width, height)?;
        Ok(board.saturating_mul((states as u64).saturating_add(2)))
    }

    /// Keeps at most `capacity` states (≥ 1; the current state counts).
    pub fn with_history(mut self, capacity: usize) -> Result<Game> {
        if capacity == 0 {
            return Err(LifeError::ZeroHistory);
        }
        self.capacity = capacity;
        while self.history.len() > capacity {
            self.history.pop_front();
        }
        Ok(self)
    }

    /// Uses `kernel` to compute generations.
    pub fn with_kernel(mut self, kernel: KernelKind) -> Game {
        self.kernel = kernel.build();
        self
    }

    /// Uses `kernel`, stepping each board on `threads` threads where the kernel can (the same
    /// boards for any number).
    pub fn with_kernel_on(mut self, kernel: KernelKind, threads: usize) -> Result<Game> {
        self.kernel = kernel.build_threaded(threads)?;
        Ok(self)
    }

    /// Detects cycles with periods up to `window` (0: only extinction is detected).
    pub fn with_cycle_window(mut self, window: usize) -> Game {
        let current = self.current().clone();
        self.detector = CycleDetector::new(window);
        self.outcome = self.detector.observe(
            current.generation(),
            current.board().cycle_key(),
            current.board().is_empty(),
        );
        self
    }

    /// Carries over an outcome known from before (e.g. stored with a checkpoint): a board that has
    /// settled stays settled, so its period need not be found again. The claim comes from outside
    /// (a file, a peer) and settled games jump by their period, so it is checked first: the board
    /// must be empty, or return to itself after the period (at most the detector's window).
    /// A claim that does not hold is ignored and the detector finds the truth.
    pub fn with_known_outcome(mut self, outcome: Outcome) -> Game {
        if outcome.is_settled() && !self.outcome.is_settled() && self.confirms(outcome) {
            self.outcome = outcome;
        }
        self
    }

    fn confirms(&mut self, outcome: Outcome) -> bool {
        let board = self.current().board().clone();
        let period = match outcome {
            // A board's edges stop spaceships: a claim of one is not a dense game's.
            Outcome::Running | Outcome::Spaceship { .. } => return false,
            Outcome::Extinct => return board.is_empty(),
            Outcome::StillLife => 1,
            Outcome::Oscillating { period } => period,
        };
        if period == 0 || period > DEFAULT_CYCLE_WINDOW as u64 {
            return false;
        }
        let (mut a, mut b) = (board.clone(), board.clone());
        for _ in 0..period {
            self.kernel.step(&a, &mut b, self.rule, self.topology);
            std::mem::swap(&mut a, &mut b);
        }
        a == board
    }

    /// The rule.
    pub fn rule(&self) -> Rule {
        self.rule
    }

    /// The topology.
    pub fn topology(&self) -> Topology {
        self.topology
    }

    /// The kernel's name.
    pub fn kernel_name(&self) -> &'static str {
        self.kernel.name()
    }

    /// The latest state.
    pub fn current(&self) -> &State {
        // The history always holds at least the current state.
        &self.history[self.history.len() - 1]
    }

    /// The current generation number.
    pub fn generation(&self) -> u64 {
        self.current().generation()
    }

    /// The kept states, newest first.
    pub fn history(&self) -> impl ExactSizeIterator<Item = &State> + DoubleEndedIterator {
        self.history.iter().rev()
    }

    /// How many states the history keeps at most.
    pub fn history_capacity(&self) -> usize {
        self.capacity
    }

    /// The outcome as of the current generation.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Advances `n` generations and returns the `n` successive new states, oldest first
    /// (not, as in the tutorial, `n` copies of one generation).
    pub fn step(&mut self, n: u64) -> Vec<State> {
        let mut states = Vec::with_capacity(n.min(1 << 16) as usize);
        for _ in 0..n {
            states.push(self.step_one().clone());
        }
        states
    }

    /// Advances `n` generations, keeping history, without collecting the new states.
    ///
    /// A settled game jumps: an extinct or still game straight to the target, an oscillator of
    /// period p by whole periods, stepping only the last few generations so the history holds
    /// exactly the states stepping would have left (a 1×1 game takes 10^9 generations in
    /// microseconds). The generation stops at `u64::MAX`.
    pub fn advance(&mut self, n: u64) -> &State {
        let mut left = n.min(u64::MAX - self.generation());
        while left > 0 {
            if let Some(period) = self.cycle_period() {
                // Enough real steps at the end to refill the history and land on the right phase.
                let tail = (self.capacity as u64).saturating_add(period);
                let skip = left.saturating_sub(tail) / period * period;
                if skip > 0 {
                    self.jump(skip);
                    left -= skip;
                }
                for _ in 0..left {
                    self.step_one();
                }
                break;
            }
            self.step_one();
            left -= 1;
        }
        self.current()
    }

    /// Advances at most `n` generations, one at a time, stopping at the first generation at which
    /// the game is known to have settled (extinct, still or repeating); returns how many it took.
    pub fn advance_until_settled(&mut self, n: u64) -> u64 {
        let mut done = 0;
        while done < n && !self.outcome.is_settled() && self.generation() < u64::MAX {
            self.step_one();
            done += 1;
        }
        done
    }

    /// The period the game repeats with from now on, once it has settled: 1 for extinct (unless
    /// the rule has B0, under which nothing gives birth) and still games. [`Game::advance`] jumps
    /// by it, so a caller can tell that a long advance costs only a history and a period of steps.
    pub fn cycle_period(&self) -> Option<u64> {
        match self.outcome {
            Outcome::Extinct if self.rule.birth_mask() & 1 == 0 => Some(1),
            Outcome::StillLife => Some(1),
            Outcome::Oscillating { period } if period > 0 => Some(period),
            _ => None,
        }
    }

    /// Moves a settled game `skip` generations on (a whole number of periods): the board is the
    /// same, only its generation changes, and older states would be out of phase, so they go.
    fn jump(&mut self, skip: u64) {
        let current = self.current().clone();
        self.history.clear();
        self.history.push_back(State::from_shared(
            current.shared_board().clone(),
            current.generation() + skip,
        ));
    }

    fn step_one(&mut self) -> &State {
        let current = &self.history[self.history.len() - 1];
        let generation = current.generation() + 1;
        // Reuse the board that fell out of the history when nobody else holds it.
        let mut next = match self.spare.take() {
            Some(board) => board,
            None => Board::new(current.board().width(), current.board().height())
                .unwrap_or_else(|_| current.board().clone()),
        };
        // Once a board repeats, it repeats forever: no need to keep hashing it.
        self.outcome = match self.outcome {
            Outcome::Running => {
                let key = self
                    .kernel
                    .step_keyed(current.board(), &mut next, self.rule, self.topology);
                self.detector.observe(generation, key, next.is_empty())
            }
            settled => {
                self.kernel.step(current.board(), &mut next, self.rule, self.topology);
                settled
            }
        };
        self.history.push_back(State::new(next, generation));
        if self.history.len() > self.capacity {
            if let Some(old) = self.history.pop_front() {
                self.spare = old.into_board();
            }
        }
        self.current()
    }
}

impl std::fmt::Debug for Game {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Game")
            .field("rule", &self.rule)
            .field("topology", &self.topology)
            .field("kernel", &self.kernel.name())
            .field("generation", &self.generation())
            .field("outcome", &self.outcome)
            .field("history", &self.history.len())
            .finish()
    }
}
