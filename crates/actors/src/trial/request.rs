//! A request for a trial — the dashboard's JSON body or the CLI's flags — its bounds, and the
//! [`TrialSpec`] it becomes. The one place where a request turns into a spec.

use std::sync::Arc;
use std::time::Duration;

use colony_life::pattern::{self, Pattern};
use colony_life::{HashLife, Rule, Topology};
use serde::{Deserialize, Serialize};

use super::TrialSpec;
use crate::wire::{Space, DEFAULT_PLANE_MEMORY};
use crate::ColonyError;

/// What one client accepts; every request is checked against these before anything is spawned.
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
    /// Bytes the trial may hold, as [`TrialSpec::estimated_bytes`] counts them.
    pub max_memory: u64,
}

impl Default for Limits {
    /// A server's bounds (the dashboard's): a page may not take the machine.
    fn default() -> Self {
        Limits {
            max_games: 1024,
            max_side: 2048,
            max_total_cells: 1 << 26,
            max_steps: 1_000_000_000,
            max_pause: 60.0,
            max_body: 64 * 1024,
            max_memory: u64::MAX,
        }
    }
}

impl Limits {
    /// The command line's bounds: as large as one machine holds (every game keeps a few boards,
    /// so 2^33 cells in all is about 4 GiB; an actor costs about 12 KB beyond its boards, so
    /// 100,000 games about 1.2 GB), any number of generations.
    pub fn cli() -> Limits {
        Limits {
            max_games: 100_000,
            max_side: 1 << 20,
            max_total_cells: 1 << 33,
            max_steps: u64::MAX,
            max_pause: 3600.0,
            max_body: usize::MAX,
            max_memory: u64::MAX,
        }
    }

    /// These limits, with trials holding at most `bytes` (a command's memory budget).
    pub fn with_memory(self, bytes: u64) -> Limits {
        Limits {
            max_memory: bytes,
            ..self
        }
    }
}

/// A seed as JSON carries it: a decimal string (exact in every language) or an integer.
/// JavaScript numbers round above 2^53, so the dashboard sends and shows strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed(pub u64);

impl Serialize for Seed {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Seed {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Seed;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a seed from 0 to 18446744073709551615, as a decimal string or an integer")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Seed, E> {
                Ok(Seed(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Seed, E> {
                u64::try_from(v)
                    .map(Seed)
                    .map_err(|_| E::custom(format!("seed {v} is negative")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Seed, E> {
                Err(E::custom(format!(
                    "seed {v} is not a whole number (send large seeds as strings: numbers round past 2^53)"
                )))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Seed, E> {
                v.trim()
                    .parse()
                    .map(Seed)
                    .map_err(|_| E::custom(format!("seed {v:?} is not a whole number from 0 to {}", u64::MAX)))
            }
        }
        deserializer.deserialize_any(Visitor)
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
    /// Seed of game 0; game i uses seed + i [default: random]. A decimal string or an integer.
    pub seed: Option<Seed>,
    /// Soup density [default: 0.5].
    pub density: Option<f64>,
    /// Life-like rule, e.g. `B3/S23` [default: the pattern's, else Conway's].
    pub rule: Option<String>,
    /// `torus`, `bounded` or `plane` (unbounded, computed with HashLife; `size` is then a soup's
    /// extent) [default: torus].
    pub topology: Option<String>,
    /// A library name (`gosper-glider-gun`) or RLE / plaintext, centred on every board instead
    /// of a soup.
    pub pattern: Option<String>,
    /// For a client that follows one trial (the dashboard): cancel the trial it follows first.
    /// The spec does not depend on it.
    pub replace: Option<bool>,
}

/// A validated request: the spec to run and what to show about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// What the runtime runs.
    pub spec: TrialSpec,
    /// The pattern's name (or `custom`), if the games start from one.
    pub pattern: Option<String>,
}

fn check(ok: bool, message: impl FnOnce() -> String) -> Result<(), ColonyError> {
    if ok {
        Ok(())
    } else {
        Err(ColonyError::Trial(message()))
    }
}

fn invalid(e: impl std::fmt::Display) -> ColonyError {
    ColonyError::Trial(e.to_string())
}

impl TrialRequest {
    /// Checks every field against `limits` and builds the trial; `pattern` is a library name or
    /// a pattern's text.
    pub fn plan(&self, limits: &Limits) -> Result<Plan, ColonyError> {
        let pattern = match self.pattern.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(parse_pattern(text, limits)?),
        };
        self.plan_with(limits, pattern)
    }

    /// [`TrialRequest::plan`] with the pattern already read (the CLI reads files, naming them in
    /// errors): the pattern and the name to show; `self.pattern` is ignored.
    pub fn plan_with(&self, limits: &Limits, pattern: Option<(Pattern, String)>) -> Result<Plan, ColonyError> {
        let games = self.games.unwrap_or(16);
        check((1..=limits.max_games).contains(&games), || {
            format!("games must be between 1 and {}, got {games}", limits.max_games)
        })?;
        // A pattern with Golly's grid suffix (`:T64,64`, `:P5,5`) brings its board, unless the
        // request gives a size or a topology of its own.
        let grid = pattern.as_ref().and_then(|(p, _)| p.grid);
        let size = self.size.unwrap_or(100);
        let (width, height) = match grid {
            Some(g) if self.size.is_none() && self.width.is_none() && self.height.is_none() => (g.width, g.height),
            _ => (self.width.unwrap_or(size), self.height.unwrap_or(size)),
        };
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
            format!(
                "pause must be between 0 and {} seconds, got {}",
                limits.max_pause,
                shown(pause)
            )
        })?;
        let density = self.density.unwrap_or(0.5);
        check((0.0..=1.0).contains(&density), || {
            format!("density must be between 0 and 1, got {}", shown(density))
        })?;
        let plane = self
            .topology
            .as_deref()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("plane"));
        let topology: Topology = match self.topology.as_deref().map(str::trim) {
            Some(_) if plane => Topology::Torus,
            Some(t) => t.parse().map_err(invalid)?,
            None => grid.map_or(Topology::Torus, |g| g.topology),
        };
        let rule = match &self.rule {
            Some(r) if !r.trim().is_empty() => r.parse().map_err(invalid)?,
            _ => pattern.as_ref().and_then(|(p, _)| p.rule).unwrap_or(Rule::CONWAY),
        };
        let plane_memory = if plane {
            plane_memory(games, limits)?
        } else {
            DEFAULT_PLANE_MEMORY
        };
        let (board, plane_pattern, pattern_name) = match pattern {
            None => (None, None, None),
            Some((parsed, name)) if plane => {
                // As `colony play` places it: at the file's own position, else centred on the origin.
                let half = |v: usize| -((v / 2) as i64);
                let (x, y) = parsed
                    .position
                    .unwrap_or((half(parsed.board.width()), half(parsed.board.height())));
                let mut universe = HashLife::with_memory(rule, plane_memory)
                    .map_err(|e| ColonyError::Trial(format!("pattern {name}: {e}")))?;
                universe
                    .add_cells(
                        parsed
                            .board
                            .live_cells()
                            .map(|(cx, cy)| (x.saturating_add(cx as i64), y.saturating_add(cy as i64))),
                    )
                    .map_err(|e| ColonyError::Trial(format!("pattern {name}: {e}")))?;
                // A trial counts its games' generations from 0, whatever the file's own.
                (None, Some(universe.state()), Some(name))
            }
            Some((parsed, name)) => {
                let placed = parsed
                    .board
                    .centred_in(width, height)
                    .map_err(|e| ColonyError::Trial(format!("pattern {name}: {e}")))?;
                (Some(Arc::new(placed)), None, Some(name))
            }
        };
        let spec = TrialSpec {
            games,
            width,
            height,
            steps,
            batch_size,
            pause: Duration::from_secs_f64(pause),
            seed: self.seed.map_or_else(random_seed, |s| s.0),
            density,
            rule,
            topology,
            space: if plane { Space::Plane } else { Space::Board },
            pattern: board,
            plane_pattern,
            plane_memory,
            history: crate::wire::TRIAL_HISTORY,
        };
        let need = spec.estimated_bytes();
        check(need <= limits.max_memory, || {
            format!(
                "{games} games of {width}x{height} would hold about {} MiB, more than the memory budget of {} MiB \
                 (fewer or smaller games, or raise --max-memory)",
                need.div_ceil(1 << 20),
                limits.max_memory >> 20
            )
        })?;
        spec.validate()?;
        Ok(Plan {
            spec,
            pattern: pattern_name,
        })
    }
}

/// Smallest node budget a plane game is given.
pub const MIN_PLANE_MEMORY: u64 = 4 << 20;

/// Each plane game's node budget: [`DEFAULT_PLANE_MEMORY`], or its share of the memory budget if
/// that is smaller (refused below [`MIN_PLANE_MEMORY`]). The plane has no cells to count, so the
/// cell limit bounds its nodes too, at 8 bytes a cell: a server's 2^26 cells are 512 MiB of nodes.
fn plane_memory(games: usize, limits: &Limits) -> Result<u64, ColonyError> {
    let total = limits.max_memory.min(limits.max_total_cells.saturating_mul(8));
    let share = (total / games as u64).saturating_sub(super::GAME_OVERHEAD_BYTES);
    let bytes = share.min(DEFAULT_PLANE_MEMORY);
    check(bytes >= MIN_PLANE_MEMORY, || {
        format!(
            "{games} games on the plane would have {} KiB of nodes each, less than the {} MiB a plane game needs \
             (fewer games, or raise --max-memory)",
            bytes >> 10,
            MIN_PLANE_MEMORY >> 20
        )
    })?;
    Ok(bytes)
}

/// A pattern from a request: a library name, or RLE / plaintext text (its declared size checked
/// against the limits before anything is allocated: a two-line RLE may claim gigacells).
fn parse_pattern(text: &str, limits: &Limits) -> Result<(Pattern, String), ColonyError> {
    let looks_like_a_name = !text.contains(['\n', '!', '$']) && text.len() <= 64;
    if looks_like_a_name {
        return Ok((pattern::named(text).map_err(invalid)?, text.to_string()));
    }
    let max_cells = (limits.max_side as u64)
        .saturating_mul(limits.max_side as u64)
        .min(limits.max_total_cells);
    let parsed =
        pattern::parse_auto_with_limit(text, max_cells).map_err(|e| ColonyError::Trial(format!("pattern: {e}")))?;
    let name = parsed.name.clone().unwrap_or_else(|| "custom".to_string());
    Ok((parsed, name))
}

/// A seed for requests that give none (not secret, only varied).
pub fn random_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::Instant::now())
}

/// A number as an error message shows it: `1e300` stays short, where `{}` would print
/// 301 digits of a value someone typed.
pub fn shown(x: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-3..1e9).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(json: &str) -> Result<Plan, ColonyError> {
        let request: TrialRequest = serde_json::from_str(json).map_err(|e| ColonyError::Trial(e.to_string()))?;
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
    fn a_patterns_grid_gives_the_board_unless_the_request_does() {
        // Golly's `:P5,5`: a bounded 5x5 board (issue 9, finding 14: it used to run on a torus).
        let rle = r#""x = 3, y = 1, rule = B3/S23:P5,5\n3o!""#;
        let p = plan(&format!(r#"{{"games": 1, "pattern": {rle}}}"#)).expect("grid pattern");
        assert_eq!(
            (p.spec.width, p.spec.height, p.spec.topology),
            (5, 5, Topology::Bounded)
        );
        let p = plan(&format!(
            r#"{{"games": 1, "size": 9, "topology": "torus", "pattern": {rle}}}"#
        ))
        .expect("own board");
        assert_eq!((p.spec.width, p.spec.height, p.spec.topology), (9, 9, Topology::Torus));
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
            assert!(matches!(plan(bad), Err(ColonyError::Trial(_))), "{bad}");
        }
        assert!(plan(r#"{"gmaes": 3}"#).is_err(), "unknown fields are refused");
    }

    #[test]
    fn plane_trials_share_the_memory_budget() {
        let p = plan(r#"{"games": 2, "topology": "plane", "pattern": "glider"}"#).expect("plane");
        assert_eq!(p.spec.space, Space::Plane);
        assert!(p.spec.plane_memory > 255 << 20 && p.spec.plane_memory <= DEFAULT_PLANE_MEMORY);
        assert_eq!(
            p.spec.plane_pattern.as_ref().map(colony_life::Cells::population),
            Some(5)
        );
        let request: TrialRequest = serde_json::from_str(r#"{"games": 64, "topology": "plane"}"#).expect("json");
        let p = request
            .plan(&Limits::default().with_memory(1 << 30))
            .expect("64 games in 1 GiB");
        assert!(p.spec.plane_memory <= (1 << 30) / 64 && p.spec.plane_memory >= MIN_PLANE_MEMORY);
        let refused = request.plan(&Limits::default().with_memory(64 << 20));
        let server: TrialRequest = serde_json::from_str(r#"{"games": 1024, "topology": "plane"}"#).expect("json");
        assert!(
            server.plan(&Limits::default()).is_err(),
            "a server's plane trials share 512 MiB"
        );
        assert!(
            matches!(&refused, Err(ColonyError::Trial(m)) if m.contains("--max-memory")),
            "{refused:?}"
        );
    }

    #[test]
    fn seeds_are_exact_as_strings_or_integers() {
        let big = 14668938545924594246u64;
        assert_eq!(plan(&format!(r#"{{"seed": "{big}"}}"#)).expect("string").spec.seed, big);
        assert_eq!(plan(&format!(r#"{{"seed": {big}}}"#)).expect("integer").spec.seed, big);
        for bad in [
            r#"{"seed": -1}"#,
            r#"{"seed": 1.5}"#,
            r#"{"seed": "x"}"#,
            r#"{"seed": "18446744073709551616"}"#,
        ] {
            assert!(plan(bad).is_err(), "{bad}");
        }
        assert_eq!(serde_json::to_string(&Seed(big)).expect("json"), format!("\"{big}\""));
    }
}
