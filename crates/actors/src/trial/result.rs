//! What a trial produces: each game's result, the timed report, and the tally that builds them.

use std::time::Instant;

use colony_life::{Outcome, World};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use super::{Mode, TrialSpec};
use crate::update::{GameUpdate, Updates};
use crate::wire::{GameId, StepReply, Summary, TrialId};
use crate::ColonyError;

/// How a game of a trial ended (or stands, while it runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GameEnd {
    /// It ran: what it had settled into by its last generation (`Running` if it had not).
    Ran(Outcome),
    /// Its actor was killed on request.
    Killed {
        /// What the runtime reported.
        error: String,
    },
    /// Its actor failed, and restarts did not save it.
    Failed {
        /// Why.
        error: String,
    },
}

impl GameEnd {
    /// The report's `outcome` string: `running`, `extinct`, `still`, `oscillating` (and whatever
    /// else [`Outcome::label`] names), `killed` or `failed`.
    pub fn label(&self) -> &'static str {
        match self {
            GameEnd::Ran(outcome) => outcome.label(),
            GameEnd::Killed { .. } => "killed",
            GameEnd::Failed { .. } => "failed",
        }
    }

    /// The outcome, for a game that ran.
    pub fn outcome(&self) -> Option<Outcome> {
        match self {
            GameEnd::Ran(outcome) => Some(*outcome),
            _ => None,
        }
    }

    /// Why the game stopped early, if it did.
    pub fn error(&self) -> Option<&str> {
        match self {
            GameEnd::Ran(_) => None,
            GameEnd::Killed { error } | GameEnd::Failed { error } => Some(error),
        }
    }

    /// Whether the game had settled (a killed or failed game had not, as far as anyone knows).
    pub fn is_settled(&self) -> bool {
        self.outcome().is_some_and(|o| o.is_settled())
    }
}

/// How one game of a trial ended.
#[derive(Debug, Clone, PartialEq)]
pub struct GameResult {
    /// Game index.
    pub game: GameId,
    /// Soup seed (none for a pattern).
    pub seed: Option<u64>,
    /// Final generation.
    pub generation: u64,
    /// Final population.
    pub population: u64,
    /// How it ended.
    pub end: GameEnd,
    /// Times the game's actor was restarted by the supervisor.
    pub restarts: u32,
    /// xxh3 fingerprint of the final board, to compare runs without comparing boards.
    pub fingerprint: Option<u64>,
}

/// The report's keys and values, as `--report` has always written them: `outcome` as a string
/// with a separate `period`, seeds as integers, the fingerprint in hex; absent keys left out.
impl Serialize for GameResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("game", &self.game.0)?;
        map.serialize_entry("seed", &self.seed)?;
        map.serialize_entry("generation", &self.generation)?;
        map.serialize_entry("population", &self.population)?;
        map.serialize_entry("outcome", self.end.label())?;
        if let Some(period) = self.end.outcome().and_then(|o| o.period()) {
            map.serialize_entry("period", &period)?;
        }
        if let Some((dx, dy)) = self.end.outcome().and_then(|o| o.displacement()) {
            map.serialize_entry("dx", &dx)?;
            map.serialize_entry("dy", &dy)?;
        }
        if let Some(error) = self.end.error() {
            map.serialize_entry("error", error)?;
        }
        if self.restarts > 0 {
            map.serialize_entry("restarts", &self.restarts)?;
        }
        if let Some(fingerprint) = self.fingerprint {
            map.serialize_entry("fingerprint", &format!("{fingerprint:016x}"))?;
        }
        map.end()
    }
}

/// The report's form, read back (clients of `--report` files, tests).
#[derive(Deserialize)]
struct ResultFile {
    game: u32,
    seed: Option<u64>,
    generation: u64,
    population: u64,
    outcome: String,
    period: Option<u64>,
    dx: Option<i64>,
    dy: Option<i64>,
    error: Option<String>,
    #[serde(default)]
    restarts: u32,
    fingerprint: Option<String>,
}

impl<'de> Deserialize<'de> for GameResult {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let file = ResultFile::deserialize(deserializer)?;
        let error = || file.error.clone().unwrap_or_default();
        let end = match (file.outcome.as_str(), file.period) {
            ("running", _) => GameEnd::Ran(Outcome::Running),
            ("extinct", _) => GameEnd::Ran(Outcome::Extinct),
            ("still", _) => GameEnd::Ran(Outcome::StillLife),
            ("oscillating", Some(period)) if period >= 2 => GameEnd::Ran(Outcome::Oscillating { period }),
            ("spaceship", Some(period)) if period >= 1 => match (file.dx, file.dy) {
                (Some(dx), Some(dy)) => GameEnd::Ran(Outcome::Spaceship { period, dx, dy }),
                _ => return Err(D::Error::custom("a spaceship outcome needs dx and dy")),
            },
            ("killed", _) => GameEnd::Killed { error: error() },
            ("failed", _) => GameEnd::Failed { error: error() },
            (other, period) => {
                return Err(D::Error::custom(format!(
                    "unknown outcome {other:?} (period {period:?})"
                )))
            }
        };
        let fingerprint = match file.fingerprint {
            None => None,
            Some(hex) => Some(u64::from_str_radix(&hex, 16).map_err(D::Error::custom)?),
        };
        Ok(GameResult {
            game: GameId(file.game),
            seed: file.seed,
            generation: file.generation,
            population: file.population,
            end,
            restarts: file.restarts,
            fingerprint,
        })
    }
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
    pub boards: Vec<Option<World>>,
    /// Cells updated during this run (generations actually stepped × cells per board).
    #[serde(skip)]
    pub cell_updates: f64,
    /// Whether the run was cancelled before every game reached `steps`.
    #[serde(skip)]
    pub cancelled: bool,
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

    /// CPU time used over the wall time available on `workers` cores (1.0 = all busy). The
    /// process's CPU time includes the runtime's own threads, which over a run of no work (`steps`
    /// 0) can exceed the workers' wall time: the figure is capped at 1.
    pub fn cpu_utilisation(&self) -> f64 {
        (self.cpu_seconds / (self.seconds.max(1e-9) * self.workers.max(1) as f64)).min(1.0)
    }

    /// Whether every game that was not killed or failed reached the target generation.
    pub fn reached_target(&self) -> bool {
        self.results.iter().all(|r| r.generation >= self.steps)
    }
}

/// Per-game results as they come in, indexed by game (no searching).
pub(crate) struct Tally {
    trial: TrialId,
    pub(crate) results: Vec<GameResult>,
    pub(crate) boards: Vec<Option<World>>,
    /// Generations stepped, over all games (resumed and restarted games included as run).
    advanced: u64,
    cells_per_game: u64,
}

impl Tally {
    pub(crate) fn new(trial: TrialId, spec: &TrialSpec) -> Tally {
        Tally {
            trial,
            results: (0..spec.games)
                .map(|i| GameResult {
                    game: GameId(i as u32),
                    seed: spec.game(i).seed(),
                    generation: 0,
                    population: 0,
                    end: GameEnd::Ran(Outcome::Running),
                    restarts: 0,
                    fingerprint: None,
                })
                .collect(),
            boards: vec![None; spec.games],
            advanced: 0,
            cells_per_game: spec.width as u64 * spec.height as u64,
        }
    }

    /// A game's state before it stepped (generation 0, or where it resumed).
    pub(crate) fn start(&mut self, game: GameId, summary: Summary, board: World, updates: &Updates) {
        let i = game.0 as usize;
        if let Some(result) = self.results.get_mut(i) {
            result.generation = summary.generation;
            result.population = summary.population;
            result.end = GameEnd::Ran(summary.outcome);
            self.boards[i] = Some(board.clone());
            updates.publish(GameUpdate::Generation {
                trial: self.trial,
                game,
                summary,
                board: Some(board),
            });
        }
    }

    pub(crate) fn record(&mut self, reply: StepReply, updates: &Updates) {
        let i = reply.game.0 as usize;
        self.advanced += reply.advanced;
        let (Some(summary), Some(result)) = (reply.last(), self.results.get_mut(i)) else {
            return;
        };
        result.generation = summary.generation;
        result.population = summary.population;
        result.end = GameEnd::Ran(summary.outcome);
        let board = reply.boards.last().cloned();
        if board.is_some() {
            self.boards[i] = board.clone();
        }
        updates.publish(GameUpdate::Generation {
            trial: self.trial,
            game: reply.game,
            summary: *summary,
            board,
        });
    }

    /// The latest outcome of a game that is running.
    pub(crate) fn outcome(&self, game: GameId) -> Outcome {
        self.results
            .get(game.0 as usize)
            .and_then(|r| r.end.outcome())
            .unwrap_or_default()
    }

    pub(crate) fn fail(&mut self, game: GameId, error: &ColonyError, killed: bool) {
        if let Some(result) = self.results.get_mut(game.0 as usize) {
            let error = error.to_string();
            result.end = if killed {
                GameEnd::Killed { error }
            } else {
                GameEnd::Failed { error }
            };
        }
    }

    pub(crate) fn report(
        self,
        mode: Mode,
        spec: &TrialSpec,
        started: Instant,
        cpu0: f64,
        workers: usize,
        cancelled: bool,
    ) -> TrialReport {
        let seconds = started.elapsed().as_secs_f64();
        let cpu_seconds = (crate::machine::cpu_seconds() - cpu0).max(0.0);
        // Fingerprints once at the end, outside the timing: hashing every board as it arrives would
        // load the runner, which handles every reply of every game in turn.
        let mut results = self.results;
        for (result, board) in results.iter_mut().zip(&self.boards) {
            result.fingerprint = board.as_ref().map(|b| b.fingerprint());
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
            cancelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(end: GameEnd) -> GameResult {
        GameResult {
            game: GameId(2),
            seed: Some(u64::MAX - 1),
            generation: 40,
            population: 7,
            end,
            restarts: 0,
            fingerprint: Some(0xab),
        }
    }

    #[test]
    fn the_report_keeps_its_keys_and_values() {
        let json = serde_json::to_value(result(GameEnd::Ran(Outcome::Oscillating { period: 2 }))).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"game": 2, "seed": u64::MAX - 1, "generation": 40, "population": 7,
                "outcome": "oscillating", "period": 2, "fingerprint": "00000000000000ab"})
        );
        let json = serde_json::to_value(result(GameEnd::Killed { error: "gone".into() })).expect("json");
        assert_eq!(
            (json["outcome"].as_str(), json["error"].as_str()),
            (Some("killed"), Some("gone"))
        );
        assert!(json.get("period").is_none());
        let still = serde_json::to_value(result(GameEnd::Ran(Outcome::StillLife))).expect("json");
        assert_eq!(
            (still["outcome"].as_str(), still["period"].as_u64()),
            (Some("still"), Some(1))
        );
        let ship = serde_json::to_value(result(GameEnd::Ran(Outcome::Spaceship {
            period: 4,
            dx: 1,
            dy: 1,
        })))
        .expect("json");
        assert_eq!(
            (
                ship["outcome"].as_str(),
                ship["period"].as_u64(),
                ship["dx"].as_i64(),
                ship["dy"].as_i64()
            ),
            (Some("spaceship"), Some(4), Some(1), Some(1))
        );
    }

    #[test]
    fn results_read_back_exactly() {
        for end in [
            GameEnd::Ran(Outcome::Running),
            GameEnd::Ran(Outcome::Extinct),
            GameEnd::Ran(Outcome::StillLife),
            GameEnd::Ran(Outcome::Oscillating { period: 15 }),
            GameEnd::Ran(Outcome::Spaceship {
                period: 4,
                dx: 1,
                dy: -1,
            }),
            GameEnd::Killed { error: "k".into() },
            GameEnd::Failed { error: "f".into() },
        ] {
            let original = result(end);
            let text = serde_json::to_string(&original).expect("json");
            let back: GameResult = serde_json::from_str(&text).expect("reads back");
            assert_eq!(back, original, "{text}");
        }
        assert!(serde_json::from_str::<GameResult>(
            r#"{"game":0,"seed":null,"generation":0,"population":0,"outcome":"oscillating","period":1}"#
        )
        .is_err());
    }
}
