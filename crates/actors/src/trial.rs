//! Trials: the tutorial's `do_trial` (sequential) and `do_ray_trial` (actors), timed.

mod control;
mod request;
mod result;
pub(crate) mod runner;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use control::TrialControl;
pub use request::{random_seed, shown, Limits, Plan, Seed, TrialRequest};
pub(crate) use result::Tally;
pub use result::{GameEnd, GameResult, TrialReport};
pub use runner::Supervision;

use colony_life::{Board, Outcome, PlaneState, Rule, Topology, World};
use serde::{Deserialize, Serialize};

use crate::actor::step_game;
use crate::supervisor::{SupervisorConfig, TrialOptions, TrialSupervisor};
use crate::update::Updates;
use crate::wire::{Detail, GameId, GameSpec, Space, Start, TrialId, DEFAULT_PLANE_MEMORY};
use crate::{Colony, ColonyError};

/// Largest number of games one trial may run.
pub const MAX_GAMES: usize = 1_000_000;

/// What a trial runs: `games` games of `width`×`height`, `steps` generations each, asked for in
/// batches of `batch_size` with `pause` between batches. Game *i* uses seed `seed + i`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialSpec {
    /// Number of games.
    pub games: usize,
    /// Board width.
    pub width: usize,
    /// Board height.
    pub height: usize,
    /// Generations every game advances.
    pub steps: u64,
    /// Generations per request.
    pub batch_size: u64,
    /// Sleep between batches.
    pub pause: Duration,
    /// Seed of game 0.
    pub seed: u64,
    /// Soup density.
    pub density: f64,
    /// Rule.
    pub rule: Rule,
    /// Topology (of boards).
    pub topology: Topology,
    /// Boards, or the unbounded plane (where `width`×`height` is a soup's extent).
    #[serde(default)]
    pub space: Space,
    /// A placed pattern every game starts from instead of a soup.
    pub pattern: Option<Arc<Board>>,
    /// On the plane: the pattern every game starts from instead of a soup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plane_pattern: Option<PlaneState>,
    /// On the plane: bytes of HashLife nodes each game may use.
    #[serde(default = "default_plane_memory")]
    pub plane_memory: u64,
    /// States each game keeps.
    pub history: usize,
}

fn default_plane_memory() -> u64 {
    DEFAULT_PLANE_MEMORY
}

impl Default for TrialSpec {
    /// The tutorial's experiment: 100×100 torus soups, 50 steps, batch size 1, no pause.
    fn default() -> Self {
        TrialSpec {
            games: 1,
            width: 100,
            height: 100,
            steps: 50,
            batch_size: 1,
            pause: Duration::ZERO,
            seed: 1,
            density: 0.5,
            rule: Rule::CONWAY,
            topology: Topology::Torus,
            space: Space::Board,
            pattern: None,
            plane_pattern: None,
            plane_memory: DEFAULT_PLANE_MEMORY,
            history: crate::wire::TRIAL_HISTORY,
        }
    }
}

/// Bytes a game costs beyond its boards: the actor and its mailbox, its registry entry, its
/// result and its updates (measured about 12 KB; rounded up).
pub const GAME_OVERHEAD_BYTES: u64 = 16 << 10;

impl TrialSpec {
    /// Bytes the trial holds at most while it runs, estimated before anything is allocated: for
    /// every game its history, the board being computed and the spare, its first state (kept for
    /// the report and the dashboard), a reply in flight, and [`GAME_OVERHEAD_BYTES`].
    /// On the plane, a game's nodes count at their budget: HashLife grows its arena on demand up
    /// to it, and the states it keeps are copies of what the arena holds.
    pub fn estimated_bytes(&self) -> u64 {
        if self.space == Space::Plane {
            let per_game = self.plane_memory.saturating_add(GAME_OVERHEAD_BYTES);
            return per_game.saturating_mul(self.games as u64);
        }
        let board = Board::bytes_for(self.width, self.height).unwrap_or(u64::MAX);
        let per_game = board
            .saturating_mul(self.history as u64 + 4)
            .saturating_add(GAME_OVERHEAD_BYTES);
        per_game.saturating_mul(self.games as u64)
    }

    /// Checks the numbers before anything is spawned.
    pub fn validate(&self) -> Result<(), ColonyError> {
        let bad = |m: String| Err(ColonyError::Trial(m));
        if self.games == 0 || self.games > MAX_GAMES {
            return bad(format!("games must be between 1 and {MAX_GAMES}, got {}", self.games));
        }
        if self.batch_size == 0 {
            return bad("batch size must be at least 1".to_string());
        }
        if let Some(p) = &self.pattern {
            if (p.width(), p.height()) != (self.width, self.height) {
                return bad("the pattern board must have the trial's size".to_string());
            }
        }
        // Board size and density are checked by building game 0.
        self.game(0).build()?;
        Ok(())
    }

    /// The seed of game `i`.
    pub fn seed_of(&self, i: usize) -> u64 {
        self.seed.wrapping_add(i as u64)
    }

    /// The spec of game `i`.
    pub fn game(&self, i: usize) -> GameSpec {
        let pattern = match self.space {
            Space::Board => self.pattern.clone().map(World::Board),
            Space::Plane => self.plane_pattern.clone().map(World::Plane),
        };
        let start = match pattern {
            Some(board) => Start::Board {
                generation: 0,
                board,
                outcome: Outcome::Running,
            },
            None => Start::Soup {
                seed: self.seed_of(i),
                density: self.density,
            },
        };
        GameSpec {
            width: self.width,
            height: self.height,
            rule: self.rule,
            topology: self.topology,
            space: self.space,
            plane_memory: self.plane_memory,
            start,
            history: self.history,
        }
    }
}

/// How a trial runs its games.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One after another in the calling thread (the tutorial's `run_games`).
    Sequential,
    /// One actor per game, results handled in completion order (the tutorial's `run_ray_games`).
    Actors,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Sequential => "sequential",
            Mode::Actors => "actors",
        })
    }
}

/// Batch sizes of a trial: `steps / batch_size` full batches and a last partial one, so every game
/// advances exactly `steps` generations (the tutorial silently drops the remainder).
pub fn batches(steps: u64, batch_size: u64) -> impl Iterator<Item = u64> {
    let batch_size = batch_size.max(1);
    let full = steps / batch_size;
    let rest = steps % batch_size;
    std::iter::repeat_n(batch_size, full as usize).chain((rest > 0).then_some(rest))
}

/// Runs every game one after another in the calling thread (blocking).
pub fn run_sequential(spec: &TrialSpec, updates: &Updates) -> Result<TrialReport, ColonyError> {
    spec.validate()?;
    let mut games = (0..spec.games)
        .map(|i| spec.game(i).build())
        .collect::<Result<Vec<_>, _>>()?;
    let mut tally = Tally::new(TrialId::default(), spec);
    let cpu0 = crate::machine::cpu_seconds();
    let started = Instant::now();
    for batch in batches(spec.steps, spec.batch_size) {
        if !spec.pause.is_zero() {
            std::thread::sleep(spec.pause);
        }
        for (i, game) in games.iter_mut().enumerate() {
            let reply = step_game(game, GameId(i as u32), batch, Detail::Last)?;
            tally.record(reply, updates);
        }
    }
    Ok(tally.report(Mode::Sequential, spec, started, cpu0, 1, false))
}

/// Runs one actor per game of `spec` on `colony` to the end (a supervisor of its own, default
/// options): the tutorial's `run_ray_games`.
pub async fn run_actors(colony: &Colony, spec: &TrialSpec) -> Result<TrialReport, ColonyError> {
    run_actors_with(colony, spec, TrialOptions::default()).await
}

/// [`run_actors`] with checkpoints, restarts, resumption points.
pub async fn run_actors_with(
    colony: &Colony,
    spec: &TrialSpec,
    options: TrialOptions,
) -> Result<TrialReport, ColonyError> {
    let supervisor = TrialSupervisor::new(Arc::new(colony.clone()), SupervisorConfig::default());
    supervisor.run(spec.clone(), options).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_cover_every_step() {
        assert_eq!(batches(50, 1).count(), 50);
        assert_eq!(batches(50, 25).collect::<Vec<_>>(), vec![25, 25]);
        assert_eq!(batches(50, 15).collect::<Vec<_>>(), vec![15, 15, 15, 5]);
        assert_eq!(batches(10, 50).collect::<Vec<_>>(), vec![10]);
        assert_eq!(batches(0, 5).count(), 0);
    }
}
