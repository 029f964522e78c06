//! Where a pattern runs, decided as Golly decides (the unbounded plane unless the pattern brings
//! a bounded grid or the command asks for a board), and the plane built from a pattern: shared
//! by `colony play` and `colony render` so both put a pattern in the same place.

use std::path::Path;

use anyhow::Result;
use clap::ValueEnum;
use colony_life::pattern::{Grid, PatternInfo};
use colony_life::{Board, HashLife, Rule, Topology, Universe};

use crate::budget::Budget;
use crate::input;

/// A topology as a command-line value: a dense board's, or the unbounded plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpaceArg {
    /// Edges wrap around (the tutorial's board).
    Torus,
    /// Cells past the edges are always dead.
    Bounded,
    /// The unbounded plane (HashLife).
    Plane,
}

impl SpaceArg {
    /// The dense board's topology; `None` for the plane.
    pub fn board(self) -> Option<Topology> {
        match self {
            SpaceArg::Torus => Some(Topology::Torus),
            SpaceArg::Bounded => Some(Topology::Bounded),
            SpaceArg::Plane => None,
        }
    }
}

/// Whether `spec` names a macrocell file, which only the plane can hold.
pub fn is_macrocell(spec: &str) -> bool {
    spec.to_ascii_lowercase().ends_with(".mc")
}

/// Whether a pattern with `grid` (Golly's `:T`/`:P` suffix) runs on the plane: when `--topology`
/// says so, or when it says nothing, the pattern has no grid and no size flag was given.
pub fn on_plane(topology: Option<SpaceArg>, grid: Option<&Grid>, explicit_size: bool) -> bool {
    match topology {
        Some(t) => t == SpaceArg::Plane,
        None => grid.is_none() && !explicit_size,
    }
}

/// The most live cells collected from a pattern for the plane: a list of cells costs 16 bytes
/// each, and the plane built from them about as much again.
pub fn max_cells(budget: &Budget) -> u64 {
    budget.bytes() / 64
}

/// The plane holding a pattern's `cells` (relative to its top-left cell) placed as Golly places
/// it: at `at`, else at its file's `#CXRLE Pos`, else with its top-left cell at
/// `(-width/2, -height/2)`; at its file's generation.
pub fn pattern_plane(
    rule: Rule,
    pattern: &PatternInfo,
    cells: Vec<(i64, i64)>,
    at: Option<(i64, i64)>,
    budget: &Budget,
) -> Result<HashLife> {
    let half = |v: u64| -i64::try_from(v / 2).unwrap_or(i64::MAX);
    let (x, y) = at
        .or(pattern.position)
        .unwrap_or((half(pattern.width), half(pattern.height)));
    let cells = cells
        .into_iter()
        .map(|(cx, cy)| (x.saturating_add(cx), y.saturating_add(cy)));
    let mut plane = HashLife::with_memory(rule, budget.bytes())?;
    plane.add_cells(cells)?;
    plane.set_generation(pattern.generation.unwrap_or(0));
    Ok(plane)
}

/// The plane holding a soup's `board`, its top-left cell at `(0, 0)`.
pub fn soup_plane(board: &Board, rule: Rule, budget: &Budget) -> Result<HashLife> {
    let cells = board.live_cells().map(|(x, y)| (x as i64, y as i64));
    let mut plane = HashLife::with_memory(rule, budget.bytes())?;
    plane.add_cells(cells)?;
    Ok(plane)
}

/// The plane a macrocell file `spec` holds, under `rule` when given (else the file's).
pub fn macrocell_plane(spec: &str, rule: Option<Rule>, budget: &Budget) -> Result<HashLife> {
    let text = input::read_pattern_file(Path::new(spec))?;
    let mut plane = HashLife::from_macrocell(&text).map_err(|e| anyhow::anyhow!("{spec}:{e}"))?;
    plane.set_memory_budget(budget.bytes());
    if let Some(rule) = rule {
        plane.set_rule(rule)?;
    }
    Ok(plane)
}
