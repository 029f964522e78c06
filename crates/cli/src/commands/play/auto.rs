//! Which algorithm runs the plane: HashLife, sparse tiles, or `auto`, which picks one and may
//! switch once, from tiles to HashLife.
//!
//! How `auto` decides (figures in BENCHMARKS.md, "Sparse tiles"):
//! - **At the start**: tiles for a large pattern (at least [`TILES_FROM`] live cells: a soup),
//!   HashLife for the rest (guns, spaceships, small methuselahs, macrocell files), which it
//!   steps in large jumps from the first generation.
//! - **While on tiles**, generations go in windows of [`WINDOW`]. Once the activity has fallen
//!   (the tiles stepped per generation are at most [`SETTLING`] of their peak: the chaos is
//!   over and what is left is ash, oscillators and escaping gliders, which HashLife's memo
//!   handles well) and more than [`WINDOW`] generations remain, it races HashLife once on the
//!   next generations: a HashLife built from the current cells jumps [`PROBE`] generations (or
//!   what remains), given as long as the tiles took for the same number of generations at their
//!   last window's pace. If HashLife gets there in time it has clearly won (its jumps only grow
//!   from there) and the run continues on it from where it got to; otherwise its work is
//!   dropped, the tiles go on, and the next race waits until the tiles have spent twice as long
//!   again, so lost races cost at most about as much as the tiles' own time.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use colony_life::{Cells, HashLife, Tiles, Universe};

use super::AlgoArg;

/// Fewest live cells `auto` starts on tiles with.
pub const TILES_FROM: u64 = 4096;

/// Generations `auto` steps tiles between looks at their activity.
pub const WINDOW: u64 = 256;

/// `auto` races HashLife once the tiles stepped per generation fall to this share of their peak.
pub const SETTLING: f64 = 0.5;

/// Generations of the race (or what remains): one HashLife jump of 2^12.
pub const PROBE: u64 = 4096;

/// The universe on the plane.
pub enum Plane {
    /// HashLife.
    Hash(Box<HashLife>),
    /// Sparse tiles.
    Tiles(Box<Tiles>),
}

impl Plane {
    /// The universe.
    pub fn universe(&mut self) -> &mut dyn Universe {
        match self {
            Plane::Hash(h) => h.as_mut(),
            Plane::Tiles(t) => t.as_mut(),
        }
    }

    /// Its cells.
    pub fn cells(&self) -> &dyn Cells {
        match self {
            Plane::Hash(h) => h.as_ref(),
            Plane::Tiles(t) => t.as_ref(),
        }
    }

    /// Makes the universe a HashLife (for what only HashLife does: look-ahead, macrocell files).
    pub fn make_hashlife(&mut self, memory: u64) -> Result<&mut HashLife> {
        if let Plane::Tiles(t) = self {
            *self = Plane::Hash(Box::new(hashlife_from(t, memory)?));
        }
        match self {
            Plane::Hash(h) => Ok(h),
            Plane::Tiles(_) => bail!("unreachable: the plane was just made a HashLife"),
        }
    }
}

/// A HashLife holding the tiles' cells, at their generation.
fn hashlife_from(tiles: &Tiles, memory: u64) -> Result<HashLife> {
    let mut copy = HashLife::with_memory(tiles.rule(), memory)?;
    copy.add_cells(cells_of(tiles))?;
    copy.set_generation(tiles.generation());
    Ok(copy)
}

/// Every live cell (the pattern's bounding box, read tile by tile or node by node).
fn cells_of(u: &dyn Cells) -> Vec<(i64, i64)> {
    let mut cells = Vec::new();
    if let Some(area) = u.bounding_box() {
        u.for_each_live_cell(area, &mut |x, y| cells.push((x, y)));
    }
    cells
}

/// Builds tiles from a HashLife's cells, refusing a pattern the memory budget cannot hold
/// before reading it (a macrocell may hold more cells than could ever be listed).
fn tiles_from(plane: &HashLife, memory: u64) -> Result<Tiles> {
    let population = plane.population();
    let most = (memory / colony_life::BYTES_PER_TILE).saturating_mul(4096);
    if population > most {
        bail!(
            "--algo tiles: the pattern's {population} cells cannot fit in tiles within the memory budget of {memory} bytes; use --algo hashlife"
        );
    }
    let mut tiles = Tiles::with_memory(plane.rule(), memory)?;
    tiles.add_cells(cells_of(plane))?;
    tiles.set_generation(plane.generation());
    Ok(tiles)
}

/// What the run did with the algorithms, for the summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// HashLife throughout (asked for, or auto's pick).
    Hashlife { auto: bool },
    /// Tiles throughout.
    Tiles { auto: bool },
    /// Auto: tiles, then HashLife from `generation` on.
    Switched { generation: u64 },
}

impl std::fmt::Display for Choice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Choice::Hashlife { auto: false } => f.write_str("hashlife"),
            Choice::Tiles { auto: false } => f.write_str("tiles"),
            Choice::Hashlife { auto: true } => f.write_str("auto: hashlife"),
            Choice::Tiles { auto: true } => f.write_str("auto: tiles"),
            Choice::Switched { generation } => write!(f, "auto: tiles, hashlife from generation {generation}"),
        }
    }
}

/// Runs the plane with the algorithm `--algo` asks for, switching as `auto` decides.
pub struct Runner {
    pub plane: Plane,
    pub choice: Choice,
    memory: u64,
    /// Auto's state while on tiles: the most tiles stepped per generation seen so far, the time
    /// spent on tiles since the last race, and the time a race may start after.
    peak: f64,
    tiles_time: Duration,
    race_after: Duration,
}

impl Runner {
    /// The runner for `algo` (`None`: auto) starting from `plane`.
    pub fn new(algo: Option<AlgoArg>, plane: HashLife) -> Result<Runner> {
        let memory = plane.memory_budget();
        let (plane, choice) = match algo {
            Some(AlgoArg::Hashlife) => (Plane::Hash(Box::new(plane)), Choice::Hashlife { auto: false }),
            Some(AlgoArg::Tiles) => (
                Plane::Tiles(Box::new(tiles_from(&plane, memory)?)),
                Choice::Tiles { auto: false },
            ),
            None | Some(AlgoArg::Auto) if plane.population() >= TILES_FROM => match tiles_from(&plane, memory) {
                Ok(tiles) => (Plane::Tiles(Box::new(tiles)), Choice::Tiles { auto: true }),
                // Too large for tiles: HashLife may still hold it.
                Err(_) => (Plane::Hash(Box::new(plane)), Choice::Hashlife { auto: true }),
            },
            None | Some(AlgoArg::Auto) => (Plane::Hash(Box::new(plane)), Choice::Hashlife { auto: true }),
            Some(algo @ (AlgoArg::Bitwise | AlgoArg::Reference)) => bail!(
                "--algo {}: the unbounded plane runs on hashlife, tiles or auto; dense kernels need a board (--size, --topology torus or bounded)",
                format!("{algo:?}").to_lowercase()
            ),
        };
        Ok(Runner {
            plane,
            choice,
            memory,
            peak: 0.0,
            tiles_time: Duration::ZERO,
            race_after: Duration::from_millis(20),
        })
    }

    /// The universe's generation.
    pub fn generation(&self) -> u64 {
        self.plane.cells().generation()
    }

    /// Advances `n` generations (fewer when `keep_going`, given the generations done, says stop).
    pub fn advance(&mut self, n: u64, keep_going: &mut dyn FnMut(u64) -> bool) -> Result<u64> {
        if self.choice != (Choice::Tiles { auto: true }) {
            return Ok(self.plane.universe().advance(n, keep_going)?);
        }
        let mut done = 0;
        while done < n {
            let Plane::Tiles(tiles) = &mut self.plane else { break };
            let window = WINDOW.min(n - done);
            let before = tiles.stats();
            let started = Instant::now();
            let stepped = tiles.advance(window, &mut |d| keep_going(done + d))?;
            let spent = started.elapsed();
            done += stepped;
            if stepped < window {
                return Ok(done);
            }
            self.tiles_time += spent;
            let after = tiles.stats();
            let generations = after.generations - before.generations;
            if generations == 0 {
                // Nothing active: the tiles jumped to the end.
                continue;
            }
            let per_generation = (after.steps - before.steps) as f64 / generations as f64;
            self.peak = self.peak.max(per_generation);
            let remaining = n - done;
            let settling = per_generation <= SETTLING * self.peak;
            tracing::debug!(
                generation = tiles.generation(),
                active = per_generation,
                peak = self.peak,
                tiles = after.tiles,
                seconds = spent.as_secs_f64(),
                "auto: tiles window"
            );
            if !settling || remaining <= WINDOW || self.tiles_time < self.race_after {
                continue;
            }
            // The race: HashLife gets as long as the tiles would take for the same generations.
            let probe = PROBE.min(remaining);
            let allowed = spent.mul_f64(probe as f64 / generations as f64);
            let started = Instant::now();
            let mut hash = hashlife_from(tiles, self.memory)?;
            let from = hash.generation();
            let reached = hash.advance(probe, &mut |d| keep_going(done + d) && started.elapsed() <= allowed)?;
            let took = started.elapsed();
            tracing::info!(
                generation = from,
                probe,
                reached,
                hashlife_seconds = took.as_secs_f64(),
                tiles_seconds = allowed.as_secs_f64(),
                "auto: hashlife raced tiles"
            );
            if reached == probe && took <= allowed {
                done += probe;
                self.plane = Plane::Hash(Box::new(hash));
                self.choice = Choice::Switched { generation: from };
                return Ok(done + self.plane.universe().advance(n - done, &mut |d| keep_going(done + d))?);
            }
            if !keep_going(done) {
                // Stopped during the race (Ctrl-C): the tiles are still where they were.
                return Ok(done);
            }
            // Lost: race again once the tiles have spent twice as long as so far.
            self.race_after = self.tiles_time * 2;
        }
        Ok(done)
    }
}
