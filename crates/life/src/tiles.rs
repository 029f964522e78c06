//! Sparse active tiles on the unbounded plane: the pattern is cut into 64×64 tiles (64 `u64`
//! rows each), and a generation steps only the tiles that can change, bit-parallel.
//!
//! For chaotic growth (a large random soup's first thousands of generations) HashLife's memo
//! finds little to reuse and pays for hashing every square; here a generation costs about what
//! the dense kernel pays for the cells that are active, and nothing for the rest.
//!
//! - **Tiles appear and vanish**: a tile exists where cells live and next to a tile whose border
//!   row or column facing it holds live cells (the only way a cell can be born there). A tile that
//!   is empty and has seen no live cell on its neighbours' facing borders for two generations is
//!   deleted.
//! - **Activity**: a tile's next generation depends only on its cells and its one-cell halo, so a
//!   tile is stepped only when it changed in the last generation or one of its neighbours changed
//!   the part of its border this tile sees (row, column or corner). A still life costs nothing; a
//!   pattern with nothing active left jumps to the target at once.
//! - Each tile keeps two buffers: a generation reads the current ones and writes the others in
//!   place, then flips the stepped tiles, so no tile is copied. The buffer written over holds the
//!   generation before, so a step also tells whether the tile is as it was two generations ago;
//!   a tile whose whole neighbourhood is, is **flipped instead of stepped** (its next generation
//!   is the one before, already in its other buffer): blinkers and the rest of a soup's period-2
//!   ash cost a flip of a byte and their scheduling.
//! - Tiles live in a slab under a memory budget (as HashLife's nodes do); a generation that
//!   would need more tiles than the budget holds is refused with [`LifeError::MemoryBudget`]
//!   before anything changes, and the universe stays at the generation it reached.
//!
//! Rules with B0 are refused, as on HashLife.
//!
//! ```
//! use colony_life::{Cells, CellSink, Rule, Tiles, Universe};
//!
//! let mut plane = Tiles::new(Rule::CONWAY)?;
//! for (x, y) in [(1, 0), (2, 1), (0, 2), (1, 2), (2, 2)] {
//!     plane.set_cell(x, y, true)?; // a glider
//! }
//! plane.advance(400, &mut |_| true)?;
//! assert_eq!(plane.population(), 5);
//! assert_eq!(plane.bounding_box().map(|r| (r.x, r.y)), Some((100, 100)));
//! # Ok::<(), colony_life::LifeError>(())
//! ```

mod ahead;
mod kernel;
mod read;

use std::collections::HashMap;
use std::sync::Arc;

use kernel::{Halo, Masks, Rows, Summary, SIDE};

use crate::universe::{CellSink, Cells, Rect, Snapshot, Universe};
use crate::{LifeError, Result, Rule};

/// What one tile costs: its two buffers, its links and bookkeeping, and its entry in the map.
pub const BYTES_PER_TILE: u64 = 1280;

/// Default memory budget: 1 GiB of tiles, as HashLife's default.
pub const DEFAULT_TILE_MEMORY: u64 = 1 << 30;

/// Tile steps between polls of the keep-going hook: about 2^24 cell updates.
const POLL_TILES: u64 = 1 << 12;

/// Cells may be set within ±2^61, as on HashLife.
const CELL_LIMIT: i64 = 1 << 61;

/// Tiles are stepped within ±2^59 cells of the origin, as far as HashLife steps.
const TILE_LIMIT: i64 = (1 << 59) / SIDE as i64;

/// No tile (a missing neighbour).
const NONE: u32 = u32::MAX;

/// Neighbour directions, as (dx, dy): index `d` and `7 - d` are opposite.
const DIRECTIONS: [(i64, i64); 8] = [(-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)];
const NW: usize = 0;
const N: usize = 1;
const NE: usize = 2;
const W: usize = 3;
const E: usize = 4;
const SW: usize = 5;
const S: usize = 6;
const SE: usize = 7;

/// A tile's bookkeeping, kept apart from its cells: the passes over the active tiles that only
/// schedule and link touch these ~80 bytes, not the kilobyte of rows.
#[derive(Clone)]
#[repr(C, align(64))]
struct Meta {
    // What scheduling and halos read of a neighbour comes first, in one cache line (`repr(C)`
    // keeps this order; `align(64)` starts every tile's on a line).
    nbr: [u32; 8],
    /// The epochs this tile was last scheduled in, to be stepped or only flipped.
    stamp: u64,
    flip_stamp: u64,
    /// The current generation's rows are `cells[t][cur]`; a step writes the other buffer.
    cur: u8,
    free: bool,
    /// Cells set since the last step: the other buffer is no earlier generation of these cells.
    edited: bool,
    /// Empty and seeing no live cell at its last step (dropped if still so at the next).
    lonely: bool,
    key: (i64, i64),
    /// What the last step of this tile found (changes against the generation before).
    summary: Summary,
    /// Changes against the generation before that: what the last step wrote over.
    twice: Changes,
}

/// Which parts of a tile differ between two of its generations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Changes {
    /// OR of every row's difference.
    any: u64,
    top: u64,
    bottom: u64,
}

impl Summary {
    /// The changes against the generation before.
    fn changes(&self) -> Changes {
        Changes {
            any: self.changed,
            top: self.changed_top,
            bottom: self.changed_bottom,
        }
    }
}

impl Changes {
    const ALL: Changes = Changes {
        any: !0,
        top: !0,
        bottom: !0,
    };

    /// The changes each neighbour (by direction) sees.
    fn seen(&self) -> [u64; 8] {
        [
            self.top & 1,
            self.top,
            self.top >> 63,
            self.any & 1,
            self.any >> 63,
            self.bottom & 1,
            self.bottom,
            self.bottom >> 63,
        ]
    }
}

/// The cells of a tile a neighbour in direction `d` (from this tile) sees: zero when none is
/// alive.
fn facing(r: &Rows, d: usize) -> u64 {
    match d {
        NW => r[0] & 1,
        N => r[0],
        NE => r[0] >> 63,
        W => r.iter().fold(0, |a, row| a | row) & 1,
        E => r.iter().fold(0, |a, row| a | row) >> 63,
        SW => r[SIDE - 1] & 1,
        S => r[SIDE - 1],
        _ => r[SIDE - 1] >> 63,
    }
}

/// Counts of the work done so far, for reports and for `--algo auto`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TileStats {
    /// Tiles that exist now.
    pub tiles: u64,
    /// Tiles the next generation will step.
    pub active: u64,
    /// Tile steps done so far (each 4,096 cell updates).
    pub steps: u64,
    /// Tiles flipped instead of stepped so far (period 2: their next generation was the one
    /// before, kept in their other buffer).
    pub flips: u64,
    /// Generations stepped so far (a jump over an inactive pattern counts none).
    pub generations: u64,
    /// The most tiles held at once.
    pub peak_tiles: u64,
}

/// A Life-like universe on the unbounded plane, computed on sparse active tiles.
#[derive(Clone)]
pub struct Tiles {
    meta: Vec<Meta>,
    /// Both buffers of each tile's rows.
    cells: Vec<[Rows; 2]>,
    map: HashMap<(i64, i64), u32>,
    free: Vec<u32>,
    /// The tiles the next generation steps (each stamped with `epoch`).
    active: Vec<u32>,
    /// The tiles the next generation only flips (stamped with `epoch` as `flip_stamp`): those
    /// whose whole neighbourhood is as it was two generations ago, so that their next generation
    /// is the one before, still in their other buffer (period 2, most of a soup's ash).
    flips: Vec<u32>,
    epoch: u64,
    rule: Rule,
    masks: Masks,
    generation: u64,
    memory: u64,
    limit: usize,
    stats: TileStats,
}

fn refuse_b0(rule: Rule) -> Result<()> {
    if rule.birth_mask() & 1 == 1 {
        return Err(LifeError::PlaneRule {
            rule: rule.to_string(),
            reason: "a rule with B0 fills the unbounded plane in one generation".to_string(),
        });
    }
    Ok(())
}

impl Tiles {
    /// An empty plane under `rule`, with the default memory budget. Rules with B0 are refused.
    pub fn new(rule: Rule) -> Result<Tiles> {
        Tiles::with_memory(rule, DEFAULT_TILE_MEMORY)
    }

    /// An empty plane under `rule` whose tiles may use about `bytes` of memory.
    pub fn with_memory(rule: Rule, bytes: u64) -> Result<Tiles> {
        refuse_b0(rule)?;
        Ok(Tiles {
            meta: Vec::new(),
            cells: Vec::new(),
            map: HashMap::new(),
            free: Vec::new(),
            active: Vec::new(),
            flips: Vec::new(),
            epoch: 1,
            rule,
            masks: Masks::new(rule),
            generation: 0,
            memory: bytes,
            limit: usize::try_from(bytes / BYTES_PER_TILE).unwrap_or(usize::MAX),
            stats: TileStats::default(),
        })
    }

    /// A plane under `rule` holding `cells` alive.
    pub fn from_cells(rule: Rule, cells: impl IntoIterator<Item = (i64, i64)>) -> Result<Tiles> {
        let mut plane = Tiles::new(rule)?;
        plane.add_cells(cells)?;
        Ok(plane)
    }

    /// Makes every cell of `cells` alive.
    pub fn add_cells(&mut self, cells: impl IntoIterator<Item = (i64, i64)>) -> Result<()> {
        for (x, y) in cells {
            self.set_cell(x, y, true)?;
        }
        Ok(())
    }

    /// Changes the rule (every tile is stepped again). Rules with B0 are refused.
    pub fn set_rule(&mut self, rule: Rule) -> Result<()> {
        refuse_b0(rule)?;
        if rule != self.rule {
            self.rule = rule;
            self.masks = Masks::new(rule);
            for t in 0..self.meta.len() as u32 {
                if !self.meta[t as usize].free {
                    // The other buffers are no longer what this rule makes of the cells.
                    self.meta[t as usize].edited = true;
                    self.schedule(t);
                }
            }
        }
        Ok(())
    }

    /// Lets the tiles use about `bytes` of memory from now on.
    pub fn set_memory_budget(&mut self, bytes: u64) {
        self.memory = bytes;
        self.limit = usize::try_from(bytes / BYTES_PER_TILE).unwrap_or(usize::MAX);
    }

    /// The memory budget in bytes.
    pub fn memory_budget(&self) -> u64 {
        self.memory
    }

    /// Tiles held, tiles active, work done.
    pub fn stats(&self) -> TileStats {
        TileStats {
            tiles: self.map.len() as u64,
            active: self.active.len() as u64,
            ..self.stats
        }
    }

    fn iter(&self) -> impl Iterator<Item = ((i64, i64), &Rows)> {
        self.meta
            .iter()
            .zip(&self.cells)
            .filter(|(m, _)| !m.free)
            .map(|(m, c)| (m.key, &c[usize::from(m.cur)]))
    }

    /// The current rows of tile `t`.
    fn rows(&self, t: u32) -> &Rows {
        &self.cells[t as usize][usize::from(self.meta[t as usize].cur)]
    }

    fn memory_error(&self) -> LifeError {
        LifeError::MemoryBudget { bytes: self.memory }
    }

    /// Adds `t` to the tiles the next generation steps, once.
    fn schedule(&mut self, t: u32) {
        let meta = &mut self.meta[t as usize];
        if meta.stamp != self.epoch {
            meta.stamp = self.epoch;
            self.active.push(t);
        }
    }

    /// Adds `t` to the tiles the next generation flips, once (a tile also stepped is stepped).
    fn schedule_flip(&mut self, t: u32) {
        let meta = &mut self.meta[t as usize];
        if meta.flip_stamp != self.epoch {
            meta.flip_stamp = self.epoch;
            self.flips.push(t);
        }
    }

    /// Schedules what tile `t`'s last generation makes necessary: a tile that sees a change
    /// against two generations ago is stepped, one that sees only a change against the last
    /// generation is flipped; a missing neighbour facing live cells is created.
    fn propagate(&mut self, t: u32) -> Result<()> {
        let meta = &self.meta[t as usize];
        let (once, twice) = (meta.summary.changes(), meta.twice);
        if twice.any != 0 {
            self.schedule(t);
        } else if once.any != 0 {
            self.schedule_flip(t);
        } else {
            return Ok(());
        }
        let (once, twice) = (once.seen(), twice.seen());
        for d in 0..8 {
            if once[d] | twice[d] == 0 {
                continue;
            }
            match self.meta[t as usize].nbr[d] {
                NONE => self.ensure_neighbour(t, d)?,
                n if twice[d] != 0 => self.schedule(n),
                n => self.schedule_flip(n),
            }
        }
        Ok(())
    }

    /// Creates the empty tile `key` (which must not exist), linked to its neighbours.
    fn create(&mut self, key: (i64, i64)) -> Result<u32> {
        if key.0.abs() > TILE_LIMIT || key.1.abs() > TILE_LIMIT {
            return Err(LifeError::PlaneOverflow {
                level: crate::MAX_LEVEL,
            });
        }
        if self.map.len() >= self.limit {
            return Err(self.memory_error());
        }
        self.map.try_reserve(1).map_err(|_| self.memory_error())?;
        let mut nbr = [NONE; 8];
        for (d, (dx, dy)) in DIRECTIONS.iter().enumerate() {
            if let Some(&n) = self.map.get(&(key.0 + dx, key.1 + dy)) {
                nbr[d] = n;
            }
        }
        let meta = Meta {
            key,
            cur: 0,
            free: false,
            nbr,
            summary: Summary::default(),
            twice: Changes::default(),
            // Both buffers hold what the tile truly was (dead: an absent tile sees no live cell,
            // so it stays dead), so its first step's comparison holds; creating it forces no
            // steps around it (a blinker on a tile's border would otherwise delete and recreate
            // its neighbour every other generation, and keep everything around it stepping).
            edited: false,
            lonely: false,
            stamp: 0,
            flip_stamp: 0,
        };
        let t = match self.free.pop() {
            Some(t) => {
                self.meta[t as usize] = meta;
                self.cells[t as usize] = [[0; SIDE]; 2];
                t
            }
            None => {
                self.meta.try_reserve(1).map_err(|_| self.memory_error())?;
                self.cells.try_reserve(1).map_err(|_| self.memory_error())?;
                self.meta.push(meta);
                self.cells.push([[0; SIDE]; 2]);
                (self.meta.len() - 1) as u32
            }
        };
        for (d, &n) in nbr.iter().enumerate() {
            if n != NONE {
                self.meta[n as usize].nbr[7 - d] = t;
            }
        }
        self.map.insert(key, t);
        self.stats.peak_tiles = self.stats.peak_tiles.max(self.map.len() as u64);
        Ok(t)
    }

    fn delete(&mut self, t: u32) {
        let meta = &mut self.meta[t as usize];
        meta.free = true;
        let (key, nbr) = (meta.key, meta.nbr);
        for (d, &n) in nbr.iter().enumerate() {
            if n != NONE {
                self.meta[n as usize].nbr[7 - d] = NONE;
            }
        }
        self.map.remove(&key);
        self.free.push(t);
    }

    /// Creates the neighbour of `t` in direction `d` if it is missing and `t`'s border facing it
    /// holds live cells (where cells can be born), and schedules it.
    fn ensure_neighbour(&mut self, t: u32, d: usize) -> Result<()> {
        let meta = &self.meta[t as usize];
        if meta.nbr[d] != NONE || facing(self.rows(t), d) == 0 {
            return Ok(());
        }
        let (dx, dy) = DIRECTIONS[d];
        let n = self.create((meta.key.0 + dx, meta.key.1 + dy))?;
        self.schedule(n);
        Ok(())
    }

    /// Tiles that `t`'s step (its next rows `next`, found `s`) would create at most: its missing
    /// neighbours facing a live border. Fails if one would lie beyond the plane's reach.
    fn creations(&self, t: u32, next: &Rows, live: u64) -> Result<usize> {
        let meta = &self.meta[t as usize];
        if live == 0 || !meta.nbr.contains(&NONE) {
            return Ok(0);
        }
        let facing = [
            next[0] & 1,
            next[0],
            next[0] >> 63,
            live & 1,
            live >> 63,
            next[SIDE - 1] & 1,
            next[SIDE - 1],
            next[SIDE - 1] >> 63,
        ];
        let mut count = 0;
        for d in (0..8).filter(|&d| meta.nbr[d] == NONE && facing[d] != 0) {
            let (dx, dy) = DIRECTIONS[d];
            if (meta.key.0 + dx).abs() > TILE_LIMIT || (meta.key.1 + dy).abs() > TILE_LIMIT {
                return Err(LifeError::PlaneOverflow {
                    level: crate::MAX_LEVEL,
                });
            }
            count += 1;
        }
        Ok(count)
    }

    /// One generation of the active tiles.
    fn step_once(&mut self) -> Result<()> {
        let mut stepped = std::mem::take(&mut self.active);
        // In slab order, which follows the order tiles were made in (a pattern's rows, then its
        // growth), so a tile's neighbours were often just stepped and are still in cache.
        stepped.sort_unstable();
        let mut flipped = std::mem::take(&mut self.flips);
        let epoch = self.epoch;
        flipped.retain(|&t| self.meta[t as usize].stamp != epoch);
        // Compute every stepped tile's next rows from the current ones, and count the tiles
        // the step could create.
        let mut creations = Ok(0usize);
        let cells = self.cells.as_mut_ptr();
        for &t in &stepped {
            let (meta, masks) = (&self.meta, &self.masks);
            let rows = |n: u32| -> &Rows {
                // SAFETY: `n` indexes `self.cells` (tiles and their links are kept in step), and
                // the only `&mut` made below is to the other buffer of tile `t`, which is no
                // neighbour's current buffer (a tile is not its own neighbour) nor `t`'s own.
                unsafe { &(*cells.add(n as usize))[usize::from(meta[n as usize].cur)] }
            };
            let nbr = &meta[t as usize].nbr;
            let side = |d: usize| if nbr[d] == NONE { &kernel::EMPTY } else { rows(nbr[d]) };
            let corner = |d: usize, bit: u8| u8::from(facing(side(d), 7 - d) != 0) << bit;
            let halo = Halo {
                north: side(N)[SIDE - 1],
                south: side(S)[0],
                west: side(W),
                east: side(E),
                corners: corner(NW, 0) | corner(NE, 1) | corner(SW, 2) | corner(SE, 3),
            };
            // The step writes the tile's other buffer in place (it held the generation before
            // the current one, compared on the way), so nothing is copied.
            // SAFETY: as above: this buffer is borrowed by nothing else during the step.
            let next = unsafe { &mut (*cells.add(t as usize))[usize::from(1 - meta[t as usize].cur)] };
            let summary = kernel::step(rows(t), &halo, next, masks);
            if let Ok(count) = creations {
                creations = self.creations(t, next, summary.live).map(|c| count + c);
            }
            let meta = &mut self.meta[t as usize];
            meta.twice = if meta.edited {
                Changes::ALL
            } else {
                Changes {
                    any: summary.twice,
                    top: summary.twice_top,
                    bottom: summary.twice_bottom,
                }
            };
            meta.edited = false;
            meta.summary = summary;
        }
        for &t in &flipped {
            if let Ok(count) = creations {
                let next = &self.cells[t as usize][usize::from(1 - self.meta[t as usize].cur)];
                let live = next.iter().fold(0, |a, r| a | r);
                creations = self.creations(t, next, live).map(|c| count + c);
            }
        }
        // Refuse now, before anything is committed, if new tiles could exceed the budget (or
        // the plane), so that the universe stays whole at this generation. (The stepped tiles'
        // other buffers now hold the next generation, which a retry computes again.)
        let room = creations.and_then(|creations| {
            if self.map.len() + creations > self.limit {
                return Err(self.memory_error());
            }
            let fresh = creations.saturating_sub(self.free.len());
            self.meta.try_reserve(fresh).map_err(|_| self.memory_error())?;
            self.cells.try_reserve(fresh).map_err(|_| self.memory_error())?;
            self.map.try_reserve(creations).map_err(|_| self.memory_error())?;
            self.active
                .try_reserve(stepped.len() + flipped.len() + creations)
                .map_err(|_| self.memory_error())?;
            self.flips
                .try_reserve(stepped.len() + flipped.len())
                .map_err(|_| self.memory_error())
        });
        if let Err(e) = room {
            // Undo: the stepped tiles' other buffer must hold the generation before again for
            // the flips to stay right; stepping them again after a retry marks them edited.
            for &t in &stepped {
                self.meta[t as usize].edited = true;
            }
            self.active = stepped;
            self.flips = flipped;
            return Err(e);
        }
        self.stats.steps += stepped.len() as u64;
        self.stats.flips += flipped.len() as u64;
        self.stats.generations += 1;
        for &t in stepped.iter().chain(&flipped) {
            self.meta[t as usize].cur ^= 1;
        }
        for &t in &flipped {
            // Its change against the last generation is the same one, reversed; against the
            // generation before, none.
            self.meta[t as usize].twice = Changes::default();
        }
        // Schedule the next generation: what changed, and the neighbours that see the change.
        self.epoch += 1;
        for &t in stepped.iter().chain(&flipped) {
            self.propagate(t)?;
        }
        // Empty tiles whose neighbours show them no live cell can never see a birth: drop them
        // once that has held for two generations running (a tile beside a blinker on its
        // border would otherwise be dropped and made again every other generation); a tile
        // lonely for the first time is stepped once more to look again. (Only a stepped tile's
        // summary tells it is empty now; a flipped tile is kept, which is always safe.)
        let mut deleted = false;
        for &t in &stepped {
            let meta = &self.meta[t as usize];
            if meta.summary.live != 0 || meta.free {
                self.meta[t as usize].lonely = false;
                continue;
            }
            let nbr = meta.nbr;
            let lonely = (0..8).all(|d| nbr[d] == NONE || facing(self.rows(nbr[d]), 7 - d) == 0);
            match (lonely, meta.lonely) {
                (true, true) => {
                    self.delete(t);
                    deleted = true;
                }
                (true, false) => {
                    self.meta[t as usize].lonely = true;
                    self.schedule(t);
                }
                (false, _) => self.meta[t as usize].lonely = false,
            }
        }
        if deleted {
            let meta = &self.meta;
            self.active.retain(|&t| !meta[t as usize].free);
            self.flips.retain(|&t| !meta[t as usize].free);
        }
        Ok(())
    }
}

impl Cells for Tiles {
    fn generation(&self) -> u64 {
        self.generation
    }
    fn get_cell(&self, x: i64, y: i64) -> bool {
        let (key, cx, cy) = read::locate(x, y);
        self.map.get(&key).is_some_and(|&t| self.rows(t)[cy] >> cx & 1 == 1)
    }
    fn population(&self) -> u64 {
        read::population(self.iter())
    }
    fn bounding_box(&self) -> Option<Rect> {
        read::bounding_box(self.iter())
    }
    fn for_each_live_cell(&self, area: Rect, visit: &mut dyn FnMut(i64, i64)) {
        match read::tiles_in(&area, self.map.len()) {
            Some(keys) => {
                for key in keys {
                    if let Some(&t) = self.map.get(&key) {
                        read::visit_tile(key.0, key.1, self.rows(t), &area, visit);
                    }
                }
            }
            None => {
                for (key, rows) in self.iter() {
                    read::visit_tile(key.0, key.1, rows, &area, visit);
                }
            }
        }
    }
    fn fingerprint(&self) -> u64 {
        read::fingerprint(self.iter())
    }
}

impl CellSink for Tiles {
    /// Fails only for cells beyond `±2^61` or when the memory budget is exhausted.
    fn set_cell(&mut self, x: i64, y: i64, alive: bool) -> Result<()> {
        if !(-CELL_LIMIT..CELL_LIMIT).contains(&x) || !(-CELL_LIMIT..CELL_LIMIT).contains(&y) {
            return Err(LifeError::OutOfPlane { x, y });
        }
        let (key, cx, cy) = read::locate(x, y);
        let t = match self.map.get(&key) {
            Some(&t) => t,
            None if !alive => return Ok(()),
            None => self.create(key)?,
        };
        let cur = usize::from(self.meta[t as usize].cur);
        let row = &mut self.cells[t as usize][cur][cy];
        let bit = 1u64 << cx;
        if (*row & bit != 0) == alive {
            return Ok(());
        }
        *row ^= bit;
        self.meta[t as usize].edited = true;
        // The tile and every neighbour that sees the cell must be stepped; a neighbour that
        // could now see a birth must exist.
        self.schedule(t);
        let nbr = self.meta[t as usize].nbr;
        for (d, &n) in nbr.iter().enumerate() {
            if n != NONE {
                self.schedule(n);
            } else if alive {
                self.ensure_neighbour(t, d)?;
            }
        }
        Ok(())
    }
}

impl Universe for Tiles {
    fn algorithm(&self) -> &'static str {
        "tiles"
    }
    fn rule(&self) -> Rule {
        self.rule
    }
    fn set_generation(&mut self, generation: u64) {
        self.generation = generation;
    }
    fn snapshot(&self) -> Snapshot {
        let tiles = self
            .iter()
            .filter(|(_, rows)| rows.iter().any(|&r| r != 0))
            .map(|(k, rows)| (k, *rows))
            .collect();
        Arc::new(read::Frozen {
            tiles,
            generation: self.generation,
            fingerprint: self.fingerprint(),
        })
    }
    fn advance(&mut self, n: u64, keep_going: &mut dyn FnMut(u64) -> bool) -> Result<u64> {
        if n > u64::MAX - self.generation {
            return Err(LifeError::GenerationOverflow {
                generation: self.generation,
                steps: n,
            });
        }
        let mut done = 0;
        let mut work = 0u64;
        while done < n {
            if self.active.is_empty() && self.flips.is_empty() {
                // Nothing can change any more (an empty or still pattern): jump to the end.
                self.generation += n - done;
                return Ok(n);
            }
            if work >= POLL_TILES {
                work = 0;
                if !keep_going(done) {
                    break;
                }
            }
            work += self.active.len() as u64 + self.flips.len() as u64 / 16;
            self.step_once()?;
            self.generation += 1;
            done += 1;
        }
        Ok(done)
    }
}

impl std::fmt::Debug for Tiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tiles")
            .field("rule", &self.rule)
            .field("generation", &self.generation)
            .field("stats", &self.stats())
            .finish()
    }
}
