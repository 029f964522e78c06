//! `POST /api/trials`: the request body, its bounds, and the [`TrialSpec`] it becomes.

use std::sync::Arc;
use std::time::Duration;

use colony_actors::trial::TrialSpec;
use colony_life::{pattern, Board, Rule, Topology};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What one server accepts; every request is checked against these before anything is spawned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Games per trial.
    pub max_games: usize,
    /// Board width or height.
    pub max_side: usize,
    /// Cells of all games together (bounds memory and the bytes a frame sweep sends).
    pub max_total_cells: u64,
    /// Generations per game.
    pub max_steps: u64,
    /// Seconds between batches.
    pub max_pause: f64,
    /// Bytes of a request body (a pattern's RLE travels inside it).
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_games: 1024,
            max_side: 2048,
            max_total_cells: 1 << 26,
            max_steps: 1_000_000_000,
            max_pause: 60.0,
            max_body: 64 * 1024,
        }
    }
}

/// The body of `POST /api/trials`. Every field is optional; unknown fields are refused (a typo
/// should not silently start the default trial).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialRequest {
    /// Number of games [default: 16].
    pub games: Option<usize>,
    /// Board width and height [default: 100, the tutorial's].
    pub size: Option<usize>,
    /// Board width (overrides `size`).
    pub width: Option<usize>,
    /// Board height (overrides `size`).
    pub height: Option<usize>,
    /// Generations every game advances [default: 1000].
    pub steps: Option<u64>,
    /// Generations per request to an actor [default: 1].
    pub batch_size: Option<u64>,
    /// Seconds between batches [default: 0].
    pub pause: Option<f64>,
    /// Seed of game 0; game i uses seed + i [default: random].
    pub seed: Option<u64>,
    /// Soup density [default: 0.5].
    pub density: Option<f64>,
    /// Life-like rule, e.g. `B3/S23` [default: the pattern's, else Conway's].
    pub rule: Option<String>,
    /// `torus` or `bounded` [default: torus].
    pub topology: Option<String>,
    /// A library name (`gosper-glider-gun`) or RLE / plaintext, centred on every board instead
    /// of a soup.
    pub pattern: Option<String>,
}

/// A validated request: the spec to run and what to show about it.
#[derive(Debug, Clone)]
pub struct Plan {
    /// What the runtime runs.
    pub spec: TrialSpec,
    /// The pattern's name (or `custom`), if the games start from one.
    pub pattern: Option<String>,
}

fn check(ok: bool, message: impl FnOnce() -> String) -> Result<(), AppError> {
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(message()))
    }
}

impl TrialRequest {
    /// Checks every field against `limits` and builds the trial.
    pub fn plan(&self, limits: &Limits) -> Result<Plan, AppError> {
        let games = self.games.unwrap_or(16);
        check((1..=limits.max_games).contains(&games), || {
            format!("games must be between 1 and {}, got {games}", limits.max_games)
        })?;
        let size = self.size.unwrap_or(100);
        let (width, height) = (self.width.unwrap_or(size), self.height.unwrap_or(size));
        for (name, n) in [("width", width), ("height", height)] {
            check((1..=limits.max_side).contains(&n), || {
                format!("{name} must be between 1 and {}, got {n}", limits.max_side)
            })?;
        }
        let total = games as u64 * width as u64 * height as u64;
        check(total <= limits.max_total_cells, || {
            format!(
                "{games} games of {width}x{height} are {total} cells; the limit is {} (fewer or smaller games)",
                limits.max_total_cells
            )
        })?;
        let steps = self.steps.unwrap_or(1000);
        check(steps <= limits.max_steps, || {
            format!("steps must be at most {}, got {steps}", limits.max_steps)
        })?;
        let batch_size = self.batch_size.unwrap_or(1);
        check(batch_size >= 1, || "batch_size must be at least 1".to_string())?;
        let pause = self.pause.unwrap_or(0.0);
        check(pause.is_finite() && (0.0..=limits.max_pause).contains(&pause), || {
            format!("pause must be between 0 and {} seconds, got {pause}", limits.max_pause)
        })?;
        let density = self.density.unwrap_or(0.5);
        check((0.0..=1.0).contains(&density), || {
            format!("density must be between 0 and 1, got {density}")
        })?;
        let topology: Topology = match &self.topology {
            Some(t) => t
                .parse()
                .map_err(|e: colony_life::LifeError| AppError::invalid(e.to_string()))?,
            None => Topology::Torus,
        };
        let (board, pattern_rule, pattern_name) = match self.pattern.as_deref().map(str::trim) {
            None | Some("") => (None, None, None),
            Some(text) => {
                let (placed, rule, name) = place_pattern(text, width, height)?;
                (Some(Arc::new(placed)), rule, Some(name))
            }
        };
        let rule = match &self.rule {
            Some(r) if !r.trim().is_empty() => r
                .parse()
                .map_err(|e: colony_life::LifeError| AppError::invalid(e.to_string()))?,
            _ => pattern_rule.unwrap_or(Rule::CONWAY),
        };
        let spec = TrialSpec {
            games,
            width,
            height,
            steps,
            batch_size,
            pause: Duration::from_secs_f64(pause),
            seed: self.seed.unwrap_or_else(random_seed),
            density,
            rule,
            topology,
            pattern: board,
            history: 2,
        };
        spec.validate().map_err(|e| AppError::invalid(e.to_string()))?;
        Ok(Plan {
            spec,
            pattern: pattern_name,
        })
    }
}

/// A pattern (library name, or RLE / plaintext text) centred on a `width`×`height` board.
fn place_pattern(text: &str, width: usize, height: usize) -> Result<(Board, Option<Rule>, String), AppError> {
    let looks_like_a_name = !text.contains(['\n', '!', '$']) && text.len() <= 64;
    let parsed = if looks_like_a_name {
        pattern::named(text).map_err(|e| AppError::invalid(e.to_string()))?
    } else {
        // The declared size is checked before any allocation: a two-line RLE may claim gigacells.
        pattern::parse_auto_with_limit(text, width as u64 * height as u64)
            .map_err(|e| AppError::invalid(format!("pattern: {e}")))?
    };
    let name = if looks_like_a_name {
        text.to_string()
    } else {
        parsed.name.clone().unwrap_or_else(|| "custom".to_string())
    };
    let mut board = Board::new(width, height).map_err(|e| AppError::invalid(e.to_string()))?;
    let x = (width as i64 - parsed.board.width() as i64) / 2;
    let y = (height as i64 - parsed.board.height() as i64) / 2;
    board
        .paste(&parsed.board, x, y)
        .map_err(|e| AppError::invalid(e.to_string()))?;
    Ok((board, parsed.rule, name))
}

/// A seed for requests that give none (not secret, only varied).
pub fn random_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(json: &str) -> Result<Plan, AppError> {
        let request: TrialRequest = serde_json::from_str(json).map_err(|e| AppError::bad_request(e.to_string()))?;
        request.plan(&Limits::default())
    }

    #[test]
    fn defaults_and_patterns() {
        let p = plan(r#"{"seed": 3}"#).expect("defaults are valid");
        assert_eq!((p.spec.games, p.spec.width, p.spec.seed), (16, 100, 3));
        let p = plan(r#"{"games": 1, "size": 64, "pattern": "gosper-glider-gun"}"#).expect("gun");
        assert_eq!(p.spec.pattern.as_ref().map(|b| b.population()), Some(36));
        let p = plan(r#"{"games": 1, "size": 8, "pattern": "x = 3, y = 1, rule = B36/S23\n3o!"}"#).expect("rle");
        assert_eq!(p.spec.rule.to_string(), "B36/S23");
        assert_eq!(p.pattern.as_deref(), Some("custom"));
    }

    #[test]
    fn bounds_are_enforced() {
        for bad in [
            r#"{"games": 0}"#,
            r#"{"games": 100000}"#,
            r#"{"size": 0}"#,
            r#"{"size": 4096}"#,
            r#"{"games": 1024, "size": 1024}"#,
            r#"{"batch_size": 0}"#,
            r#"{"pause": -1}"#,
            r#"{"rule": "B9/S"}"#,
            r#"{"topology": "klein"}"#,
            r#"{"pattern": "no-such-pattern"}"#,
            r#"{"size": 8, "pattern": "gosper-glider-gun"}"#,
            r#"{"pattern": "x = 100000, y = 100000\n!"}"#,
        ] {
            let err = plan(bad).expect_err(bad);
            assert_eq!(err.status.as_u16(), 422, "{bad}: {}", err.message);
        }
        assert!(plan(r#"{"gmaes": 3}"#).is_err(), "unknown fields are refused");
    }
}
