//! Trials: the tutorial's `do_trial` (sequential) and `do_ray_trial` (actors), timed.

mod control;
mod runner;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use control::TrialControl;
pub use runner::{
    record_trial, run_actors, run_actors_controlled, run_actors_with, Checkpointing, RunOptions, Supervision,
};

use colony_life::{Board, Outcome, Rule, Topology};
use serde::{Deserialize, Serialize};

use crate::actor::step_game;
use crate::update::{GameUpdate, Updates};
use crate::wire::{Detail, GameId, GameSpec, Start, StepReply};
use crate::{Colony, ColonyError, GameHandle};

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
    /// Topology.
    pub topology: Topology,
    /// A placed pattern every game starts from instead of a soup.
    pub pattern: Option<Arc<Board>>,
    /// States each game keeps.
    pub history: usize,
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
            pattern: None,
            history: 2,
        }
    }
}

impl TrialSpec {
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
        let start = match &self.pattern {
            Some(board) => Start::Board {
                board: board.clone(),
                generation: 0,
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

/// How one game of a trial ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameResult {
    /// Game index.
    pub game: u32,
    /// Soup seed (none for a pattern).
    pub seed: Option<u64>,
    /// Final generation.
    pub generation: u64,
    /// Final population.
    pub population: u64,
    /// `running`, `extinct`, `still`, `oscillating`, `failed` or `killed`.
    pub outcome: String,
    /// Period of a still life (1) or oscillator.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub period: Option<u64>,
    /// Why the game's actor failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// Times the game's actor was restarted by the supervisor.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub restarts: u32,
    /// xxh3 fingerprint of the final board (hex), to compare runs without comparing boards.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fingerprint: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One timed run of a trial.
#[derive(Debug, Clone, Serialize)]
pub struct TrialReport {
    /// Sequential or actors.
    pub mode: Mode,
    /// Number of games.
    pub games: usize,
    /// Generations per game.
    pub steps: u64,
    /// Generations per request.
    pub batch_size: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// CPU seconds the process used meanwhile (all threads).
    pub cpu_seconds: f64,
    /// Compute workers available (1 for sequential).
    pub workers: usize,
    /// Per game, by index.
    pub results: Vec<GameResult>,
    /// Final boards, by game index (not serialized).
    #[serde(skip)]
    pub boards: Vec<Option<Arc<Board>>>,
    /// Cells updated during this run (generations actually stepped × cells per board).
    #[serde(skip)]
    pub cell_updates: f64,
}

impl TrialReport {
    /// The tutorial's timing line.
    pub fn timing_line(&self) -> String {
        format!(
            "Total time for {} games, {:>5} steps, {:>5} batch size: {:>6.3} seconds",
            self.games, self.steps, self.batch_size, self.seconds
        )
    }

    /// Cell updates per second.
    pub fn cell_updates_per_second(&self) -> f64 {
        self.cell_updates / self.seconds.max(1e-9)
    }

    /// CPU time used over the wall time available on `workers` cores (1.0 = all busy).
    pub fn cpu_utilisation(&self) -> f64 {
        self.cpu_seconds / (self.seconds.max(1e-9) * self.workers.max(1) as f64)
    }
}

/// Per-game results as they come in, indexed by game (no searching).
pub(crate) struct Tally {
    results: Vec<GameResult>,
    boards: Vec<Option<Arc<Board>>>,
    /// Each game's latest outcome (the results hold it only as text).
    outcomes: Vec<Outcome>,
    /// Generations stepped, over all games (resumed and restarted games included as run).
    advanced: u64,
    cells_per_game: u64,
}

impl Tally {
    fn new(spec: &TrialSpec) -> Tally {
        Tally {
            results: (0..spec.games)
                .map(|i| GameResult {
                    game: i as u32,
                    seed: spec.pattern.is_none().then(|| spec.seed_of(i)),
                    generation: 0,
                    population: 0,
                    outcome: Outcome::Running.label().to_string(),
                    period: None,
                    error: None,
                    restarts: 0,
                    fingerprint: None,
                })
                .collect(),
            boards: vec![None; spec.games],
            outcomes: vec![Outcome::Running; spec.games],
            advanced: 0,
            cells_per_game: spec.width as u64 * spec.height as u64,
        }
    }

    fn record(&mut self, reply: StepReply, updates: &Updates) {
        let i = reply.game.0 as usize;
        self.advanced += reply.summaries.len() as u64;
        let (Some(summary), Some(result)) = (reply.last(), self.results.get_mut(i)) else {
            return;
        };
        self.outcomes[i] = summary.outcome;
        result.generation = summary.generation;
        result.population = summary.population;
        result.outcome = summary.outcome.label().to_string();
        result.period = summary.outcome.period();
        let board = reply.boards.last().cloned();
        if board.is_some() {
            self.boards[i] = board.clone();
        }
        updates.publish(GameUpdate::Generation {
            game: reply.game,
            summary: *summary,
            board,
        });
    }

    fn fail(&mut self, game: GameId, error: &ColonyError, killed: bool) {
        if let Some(result) = self.results.get_mut(game.0 as usize) {
            result.outcome = if killed { "killed" } else { "failed" }.to_string();
            result.error = Some(error.to_string());
        }
    }

    fn report(self, mode: Mode, spec: &TrialSpec, started: Instant, cpu0: f64, workers: usize) -> TrialReport {
        let seconds = started.elapsed().as_secs_f64();
        let cpu_seconds = (crate::machine::cpu_seconds() - cpu0).max(0.0);
        // Fingerprints once at the end, outside the timing: hashing every board as it arrives would
        // load the runner, which handles every reply of every game in turn.
        let mut results = self.results;
        for (result, board) in results.iter_mut().zip(&self.boards) {
            result.fingerprint = board.as_ref().map(|b| format!("{:016x}", b.fingerprint()));
        }
        TrialReport {
            mode,
            games: spec.games,
            steps: spec.steps,
            batch_size: spec.batch_size,
            seconds,
            cpu_seconds,
            workers,
            results,
            boards: self.boards,
            cell_updates: self.advanced as f64 * self.cells_per_game as f64,
        }
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
    let mut tally = Tally::new(spec);
    let cpu0 = crate::machine::cpu_seconds();
    let started = Instant::now();
    for batch in batches(spec.steps, spec.batch_size) {
        if !spec.pause.is_zero() {
            std::thread::sleep(spec.pause);
        }
        for (i, game) in games.iter_mut().enumerate() {
            let reply = step_game(game, GameId(i as u32), batch, Detail::Last);
            tally.record(reply, updates);
        }
    }
    Ok(tally.report(Mode::Sequential, spec, started, cpu0, 1))
}

/// Spawns one actor per game of `spec`.
pub async fn spawn_games(colony: &Colony, spec: &TrialSpec) -> Result<Vec<GameHandle>, ColonyError> {
    let spawns = (0..spec.games).map(|i| colony.spawn(GameId(i as u32), spec.game(i)));
    futures_util::future::try_join_all(spawns).await
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
