//! HashLife on the unbounded plane: a hash-consed quadtree whose nodes memoise their future.
//!
//! A node of level `k` is a 2^k square; equal squares are one node ([`NodeId`]), so a pattern of
//! repeated parts costs little space, and the centre of a node `2^j` generations on is computed
//! once and remembered in the node, so repeated history costs little time. Leaves are 8×8 squares
//! in a `u64`, stepped with bit-sliced adders. Any step count works: `n` is taken one binary
//! digit at a time, each a single jump of `2^j` generations. Nodes live in an arena under a memory
//! budget; when it fills up, unreachable nodes are collected, and a jump that cannot fit is split
//! into halves before it is refused.
//!
//! Rules with B0 (a dead cell with no live neighbours is born) would fill the infinite plane in
//! one generation; they are refused.
//!
//! ```
//! use colony_life::{pattern, CellSink, Cells, HashLife, Rule, Universe};
//!
//! let gun = pattern::named("gosper-glider-gun")?;
//! let mut plane = HashLife::new(Rule::CONWAY)?;
//! for (x, y) in gun.board.live_cells() {
//!     plane.set_cell(x as i64, y as i64, true)?;
//! }
//! plane.advance(1_000_000, &mut |_| true)?;
//! // 36 cells of gun and 5 cells for each of the 33,333 gliders made in 10^6 generations (the
//! // gun's period is 30); the count is checked against Golly's in the tests.
//! assert_eq!(plane.generation(), 1_000_000);
//! assert!(plane.population() > 166_000);
//! # Ok::<(), colony_life::LifeError>(())
//! ```

mod ahead;
mod arena;
mod leaf;
mod macrocell;
mod query;
mod raster;
mod state;
mod step;

use std::collections::HashMap;
use std::sync::Arc;

pub use arena::{NodeId, Stats};
pub use state::PlaneState;

use arena::{Abort, Arena, BYTES_PER_NODE, LEAF_LEVEL};
use leaf::RuleMasks;
use query::Frozen;
use step::Stepper;

use crate::universe::{CellSink, Cells, Rect, Snapshot, Universe};
use crate::{LifeError, Raster, Result, Rule};

/// The largest root: a 2^62 square, so every cell has an `i64` coordinate in `-2^61 .. 2^61`.
pub const MAX_LEVEL: u8 = 62;

/// The smallest root kept: 16×16.
const MIN_LEVEL: u8 = LEAF_LEVEL + 1;

/// The longest single jump, 2^59 generations: a jump of 2^j needs a root of level j + 3.
const MAX_LOG: u8 = MAX_LEVEL - 3;

/// Default memory budget: 1 GiB of nodes.
pub const DEFAULT_MEMORY: u64 = 1 << 30;

/// Why a top-level step stopped.
enum Halt {
    Stopped,
    Error(LifeError),
}

impl From<LifeError> for Halt {
    fn from(e: LifeError) -> Halt {
        Halt::Error(e)
    }
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

/// An arena failure as a step's halt, naming the budget `memory`.
fn halt(memory: u64, abort: Abort) -> Halt {
    match abort {
        Abort::Memory => Halt::Error(LifeError::MemoryBudget { bytes: memory }),
        Abort::Stopped => Halt::Stopped,
    }
}

/// A Life-like universe on the unbounded plane, computed with HashLife.
pub struct HashLife {
    arena: Arena,
    root: NodeId,
    rule: Rule,
    masks: RuleMasks,
    generation: u64,
    memory: u64,
    /// Roots kept alive besides the current one (a generation to come back to).
    pinned: Vec<NodeId>,
}

impl HashLife {
    /// An empty plane under `rule`, with the default memory budget. Rules with B0 are refused.
    pub fn new(rule: Rule) -> Result<HashLife> {
        HashLife::with_memory(rule, DEFAULT_MEMORY)
    }

    /// An empty plane under `rule` whose nodes may use about `bytes` of memory.
    pub fn with_memory(rule: Rule, bytes: u64) -> Result<HashLife> {
        refuse_b0(rule)?;
        let limit = usize::try_from(bytes / BYTES_PER_NODE).unwrap_or(usize::MAX);
        let mut arena = Arena::new(limit);
        let root = arena.empty(MIN_LEVEL).map_err(|_| LifeError::MemoryBudget { bytes })?;
        Ok(HashLife {
            arena,
            root,
            rule,
            masks: RuleMasks::new(rule),
            generation: 0,
            memory: bytes,
            pinned: Vec::new(),
        })
    }

    /// A plane under `rule` holding `cells` alive, built in one pass (much faster than setting
    /// cells one by one).
    pub fn from_cells(rule: Rule, cells: impl IntoIterator<Item = (i64, i64)>) -> Result<HashLife> {
        let mut plane = HashLife::new(rule)?;
        plane.add_cells(cells)?;
        Ok(plane)
    }

    /// Makes every cell of `cells` alive, built into a tree in one pass and merged in.
    pub fn add_cells(&mut self, cells: impl IntoIterator<Item = (i64, i64)>) -> Result<()> {
        let mut leaves: HashMap<(i64, i64), u64> = HashMap::new();
        let (mut lo, mut hi) = (0i64, 0i64);
        for (x, y) in cells {
            if query::relative(MAX_LEVEL, x, y).is_none() {
                return Err(LifeError::OutOfPlane { x, y });
            }
            let key = (x.div_euclid(8) * 8, y.div_euclid(8) * 8);
            *leaves.entry(key).or_insert(0) |= leaf::bit(x.rem_euclid(8) as u64, y.rem_euclid(8) as u64);
            lo = lo.min(x.min(y));
            hi = hi.max(x.max(y));
        }
        if leaves.is_empty() {
            return Ok(());
        }
        let mut leaves: Vec<(i64, i64, u64)> = leaves.into_iter().map(|((x, y), b)| (x, y, b)).collect();
        self.with_memory_retry(|u| {
            while query::relative(u.level(), lo, lo).is_none() || query::relative(u.level(), hi, hi).is_none() {
                u.expand()?;
            }
            let level = u.level();
            let o = query::origin(level);
            let memory = u.memory;
            let built = build(&mut u.arena, level, o, o, &mut leaves).map_err(|a| halt(memory, a))?;
            let mut memo = HashMap::new();
            u.root = union(&mut u.arena, u.root, built, &mut memo).map_err(|a| halt(memory, a))?;
            Ok(())
        })?;
        self.shrink()
    }

    /// Changes the rule (memoised results are forgotten). Rules with B0 are refused.
    pub fn set_rule(&mut self, rule: Rule) -> Result<()> {
        refuse_b0(rule)?;
        if rule != self.rule {
            self.rule = rule;
            self.masks = RuleMasks::new(rule);
            self.arena.forget_results();
        }
        Ok(())
    }

    /// Node counts, cache hits and collections so far.
    pub fn stats(&self) -> Stats {
        self.arena.stats()
    }

    /// Lets the nodes use about `bytes` of memory from now on (a plane read from a file starts
    /// with the default budget).
    pub fn set_memory_budget(&mut self, bytes: u64) {
        self.memory = bytes;
        self.arena
            .set_limit(usize::try_from(bytes / BYTES_PER_NODE).unwrap_or(usize::MAX));
    }

    /// The memory budget in bytes.
    pub fn memory_budget(&self) -> u64 {
        self.memory
    }

    /// Frees every node the current pattern does not need (memoised results included).
    pub fn collect_garbage(&mut self) {
        self.collect(false);
    }

    fn collect(&mut self, keep_results: bool) {
        let mut roots = self.pinned.clone();
        roots.push(self.root);
        self.arena.collect(&roots, keep_results);
    }

    fn level(&self) -> u8 {
        self.arena.node(self.root).level
    }

    /// Runs `f`, and once more after a garbage collection if it ran out of node space.
    fn with_memory_retry<T>(&mut self, mut f: impl FnMut(&mut HashLife) -> Result<T, Halt>) -> Result<T> {
        for attempt in 0..2 {
            match f(self) {
                Ok(v) => return Ok(v),
                Err(Halt::Error(LifeError::MemoryBudget { .. })) if attempt == 0 => self.collect_garbage(),
                Err(Halt::Error(e)) => return Err(e),
                Err(Halt::Stopped) => break,
            }
        }
        Err(LifeError::MemoryBudget { bytes: self.memory })
    }

    /// Doubles the root around the origin.
    fn expand(&mut self) -> Result<(), Halt> {
        let level = self.level();
        if level >= MAX_LEVEL {
            return Err(Halt::Error(LifeError::PlaneOverflow { level: MAX_LEVEL }));
        }
        let memory = self.memory;
        let a = &mut self.arena;
        let e = a.empty(level - 1).map_err(|x| halt(memory, x))?;
        let [nw, ne, sw, se] = a.node(self.root).kids;
        let kids = [[e, e, e, nw], [e, e, ne, e], [e, sw, e, e], [se, e, e, e]];
        let mut new = [e; 4];
        for (slot, k) in new.iter_mut().zip(kids) {
            *slot = a.branch(k).map_err(|x| halt(memory, x))?;
        }
        self.root = self.arena.branch(new).map_err(|x| halt(self.memory, x))?;
        Ok(())
    }

    /// Whether `inner`, the root's centre `depth` levels down, holds every live cell. Populations
    /// are exact below 2^64, and then equal counts say so; a saturated count (a hash-consed plane
    /// can hold 2^124 cells in a few nodes) says nothing, and the bounding box decides.
    fn holds_all(&self, inner: NodeId, depth: u8) -> bool {
        let root = self.arena.node(self.root).pop;
        if root < u64::MAX {
            return self.arena.node(inner).pop == root;
        }
        let Some(b) = self.bounding_box() else { return true };
        let half = 1i128 << (self.level() - 1 - depth);
        let (x0, y0) = (i128::from(b.x), i128::from(b.y));
        let (x1, y1) = (x0 + i128::from(b.width), y0 + i128::from(b.height));
        x0 >= -half && y0 >= -half && x1 <= half && y1 <= half
    }

    /// Drops empty borders, so that equal patterns have the same root (and fingerprint).
    fn shrink(&mut self) -> Result<()> {
        self.with_memory_retry(|u| {
            while u.level() > MIN_LEVEL {
                let c = u.arena.centre(u.root).map_err(|x| halt(u.memory, x))?;
                if !u.holds_all(c, 1) {
                    break;
                }
                u.root = c;
            }
            Ok(())
        })
    }

    /// Grows the root until a jump of `2^log` fits: level `log + 3` at least, and every live
    /// cell within its middle quarter (so the result, the middle half, holds all it can reach).
    fn fit(&mut self, log: u8) -> Result<(), Halt> {
        loop {
            let level = self.level();
            if level >= (log + 3).max(MIN_LEVEL + 1) {
                let c = self.arena.centre(self.root).map_err(|x| halt(self.memory, x))?;
                let cc = self.arena.centre(c).map_err(|x| halt(self.memory, x))?;
                if self.holds_all(cc, 2) {
                    return Ok(());
                }
            }
            self.expand()?;
        }
    }

    /// One jump of `2^log` generations, split into halves if it cannot fit in memory.
    fn jump(&mut self, log: u8, start: u64, keep_going: &mut dyn FnMut(u64) -> bool) -> Result<(), Halt> {
        for attempt in 0..2 {
            self.fit(log)?;
            let next_poll = self.arena.stats.misses + 1;
            let mut stepper = Stepper {
                arena: &mut self.arena,
                masks: self.masks,
                keep_going: &mut *keep_going,
                done: self.generation - start,
                next_poll,
            };
            match stepper.step(self.root, log) {
                Ok(result) => {
                    self.root = result;
                    self.generation += 1 << log;
                    self.shrink()?;
                    self.tidy();
                    return Ok(());
                }
                Err(Abort::Stopped) => return Err(Halt::Stopped),
                Err(Abort::Memory) => {
                    self.collect(attempt == 0);
                }
            }
        }
        if log == 0 {
            return Err(Halt::Error(LifeError::MemoryBudget { bytes: self.memory }));
        }
        self.jump(log - 1, start, keep_going)?;
        self.jump(log - 1, start, keep_going)
    }

    /// Collects garbage once the arena is three quarters full.
    fn tidy(&mut self) {
        let limit = self.arena.limit();
        if self.arena.live() > limit / 4 * 3 {
            self.collect(true);
            if self.arena.live() > limit / 2 {
                self.collect(false);
            }
        }
    }

    fn set(&mut self, id: NodeId, x: u64, y: u64, alive: bool) -> Result<NodeId, Abort> {
        let n = *self.arena.node(id);
        if n.level == LEAF_LEVEL {
            let b = leaf::bit(x, y);
            return self.arena.leaf(if alive { n.bits | b } else { n.bits & !b });
        }
        let half = 1u64 << (n.level - 1);
        let q = usize::from(y >= half) * 2 + usize::from(x >= half);
        let mut kids = n.kids;
        kids[q] = self.set(kids[q], x % half, y % half, alive)?;
        self.arena.branch(kids)
    }
}

/// The tree of `level` whose top-left cell is `(x0, y0)` holding `leaves` (each an 8×8 block's
/// top-left cell and bits).
fn build(arena: &mut Arena, level: u8, x0: i64, y0: i64, leaves: &mut [(i64, i64, u64)]) -> Result<NodeId, Abort> {
    if leaves.is_empty() {
        return arena.empty(level);
    }
    if level == LEAF_LEVEL {
        return arena.leaf(leaves.iter().fold(0, |acc, l| acc | l.2));
    }
    let half = 1i64 << (level - 1);
    let quadrant = |l: &(i64, i64, u64)| usize::from(l.1 >= y0 + half) * 2 + usize::from(l.0 >= x0 + half);
    leaves.sort_unstable_by_key(quadrant);
    let mut kids = [arena::NONE; 4];
    let mut rest = leaves;
    for (q, kid) in kids.iter_mut().enumerate() {
        let count = rest.iter().take_while(|l| quadrant(l) == q).count();
        let (mine, others) = rest.split_at_mut(count);
        let (dx, dy) = ((q as i64 % 2) * half, (q as i64 / 2) * half);
        *kid = build(arena, level - 1, x0 + dx, y0 + dy, mine)?;
        rest = others;
    }
    arena.branch(kids)
}

/// The cells alive in `a` or `b` (two nodes of one level).
fn union(
    arena: &mut Arena,
    a: NodeId,
    b: NodeId,
    memo: &mut HashMap<(NodeId, NodeId), NodeId>,
) -> Result<NodeId, Abort> {
    let (na, nb) = (*arena.node(a), *arena.node(b));
    if nb.pop == 0 || a == b {
        return Ok(a);
    }
    if na.pop == 0 {
        return Ok(b);
    }
    if na.level == LEAF_LEVEL {
        return arena.leaf(na.bits | nb.bits);
    }
    if let Some(&done) = memo.get(&(a, b)) {
        return Ok(done);
    }
    let mut kids = na.kids;
    for (k, other) in kids.iter_mut().zip(nb.kids) {
        *k = union(arena, *k, other, memo)?;
    }
    let result = arena.branch(kids)?;
    memo.insert((a, b), result);
    Ok(result)
}

impl Cells for HashLife {
    fn generation(&self) -> u64 {
        self.generation
    }
    fn get_cell(&self, x: i64, y: i64) -> bool {
        query::relative(self.level(), x, y).is_some_and(|(rx, ry)| query::get(&self.arena, self.root, rx, ry))
    }
    fn population(&self) -> u64 {
        self.arena.node(self.root).pop
    }
    fn bounding_box(&self) -> Option<Rect> {
        query::bounding_box(&self.arena, self.root)
    }
    fn for_each_live_cell(&self, area: Rect, visit: &mut dyn FnMut(i64, i64)) {
        let o = query::origin(self.level());
        query::for_each(&self.arena, self.root, o, o, &area, visit);
    }
    fn raster(&self, view: Rect, scale: u8) -> Result<Raster> {
        raster::raster(&self.arena, self.root, view, scale)
    }
    fn fingerprint(&self) -> u64 {
        // The root is kept minimal, so equal patterns have equal roots.
        let n = self.arena.node(self.root);
        n.hash ^ u64::from(n.level).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

impl CellSink for HashLife {
    /// Fails only for cells beyond `±2^61` or when the memory budget is exhausted.
    fn set_cell(&mut self, x: i64, y: i64, alive: bool) -> Result<()> {
        if query::relative(MAX_LEVEL, x, y).is_none() {
            return Err(LifeError::OutOfPlane { x, y });
        }
        if self.get_cell(x, y) == alive {
            return Ok(());
        }
        self.with_memory_retry(|u| {
            while query::relative(u.level(), x, y).is_none() {
                u.expand()?;
            }
            let (rx, ry) = query::relative(u.level(), x, y).unwrap_or_default();
            u.root = u.set(u.root, rx, ry, alive).map_err(|a| halt(u.memory, a))?;
            Ok(())
        })?;
        self.shrink()
    }
}

impl Universe for HashLife {
    fn algorithm(&self) -> &'static str {
        "hashlife"
    }
    fn rule(&self) -> Rule {
        self.rule
    }
    fn set_generation(&mut self, generation: u64) {
        self.generation = generation;
    }
    fn snapshot(&self) -> Snapshot {
        Arc::new(Frozen::new(&self.arena, self.root, self.generation, self.fingerprint()))
    }
    fn advance(&mut self, n: u64, keep_going: &mut dyn FnMut(u64) -> bool) -> Result<u64> {
        if n > u64::MAX - self.generation {
            return Err(LifeError::GenerationOverflow {
                generation: self.generation,
                steps: n,
            });
        }
        let start = self.generation;
        if self.population() == 0 {
            // Nothing is born from nothing (B0 is refused).
            self.generation += n;
            return Ok(n);
        }
        for j in 0..64u8 {
            if n >> j & 1 == 0 {
                continue;
            }
            let log = j.min(MAX_LOG);
            for _ in 0..1u64 << (j - log) {
                if !keep_going(self.generation - start) {
                    return Ok(self.generation - start);
                }
                match self.jump(log, start, keep_going) {
                    Ok(()) => {}
                    Err(Halt::Stopped) => return Ok(self.generation - start),
                    Err(Halt::Error(e)) => return Err(e),
                }
            }
        }
        Ok(self.generation - start)
    }
}

impl std::fmt::Debug for HashLife {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashLife")
            .field("rule", &self.rule)
            .field("generation", &self.generation)
            .field("population", &self.population())
            .field("level", &self.level())
            .field("stats", &self.stats())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A macrocell plane: a full square of 2^40 × 2^40 cells (2^80 of them, past what a u64
    /// counts) whose bottom-right corner touches the origin, and one live cell 2^41 - 1 cells
    /// right of the origin's row, at the far edge of a level-43 root.
    fn saturated() -> HashLife {
        let mut lines = vec!["[M2] (test)".to_string(), "********$".repeat(8)];
        // Node 2.. : full squares of levels 4..=40 (node n has level n + 2).
        for level in 4..=40u32 {
            let k = level - 3;
            lines.push(format!("{level} {k} {k} {k} {k}"));
        }
        let full = 38; // level 40
                       // A leaf with one cell at its top-right, then nested as the north-east corner's
                       // north-east quadrant, level by level, up to level 41.
        lines.push(".......*$".to_string());
        let mut corner = lines.len() - 1;
        for level in 4..=41u32 {
            lines.push(format!("{level} 0 {corner} 0 0"));
            corner = lines.len() - 1;
        }
        lines.push(format!("41 0 0 0 {full}"));
        let nw = lines.len() - 1;
        lines.push(format!("42 0 0 0 {nw}"));
        let quad_nw = lines.len() - 1;
        lines.push(format!("42 0 {corner} 0 0"));
        let quad_ne = lines.len() - 1;
        lines.push(format!("43 {quad_nw} {quad_ne} 0 0"));
        HashLife::from_macrocell(&(lines.join("\n") + "\n")).expect("the macrocell reads")
    }

    #[test]
    fn saturated_populations_do_not_hide_cells_from_shrink() {
        let p = saturated();
        assert_eq!(p.population(), u64::MAX, "2^80 + 1 cells saturate the count");
        let b = p.bounding_box().expect("cells");
        // The full square starts at -2^40; the lone cell sits at the right edge of the root.
        assert_eq!(b.x, -(1i64 << 40));
        assert!(
            p.get_cell((1i64 << 42) - 1, -(1i64 << 42)),
            "the lone cell was dropped: {b:?}"
        );
        assert_eq!(b.width, (1u64 << 40) + (1u64 << 42));
    }

    fn glider() -> HashLife {
        HashLife::from_cells(Rule::CONWAY, [(1, 0), (2, 1), (0, 2), (1, 2), (2, 2)]).expect("glider")
    }

    #[test]
    fn glider_moves_one_cell_diagonally_every_four_generations() {
        let mut g = glider();
        let start = g.live_cells_in(Rect::spanning(-10, -10, 10, 10));
        for n in [4u64, 4, 8, 1000, 4 * 12345] {
            let before = g.generation();
            g.advance(n, &mut |_| true).expect("advance");
            let d = (g.generation() / 4) as i64;
            assert_eq!(g.generation(), before + n);
            let shifted: Vec<_> = start.iter().map(|&(x, y)| (x + d, y + d)).collect();
            let area = Rect::spanning(d - 10, d - 10, d + 10, d + 10);
            assert_eq!(g.live_cells_in(area), shifted, "generation {}", g.generation());
            assert_eq!(g.population(), 5);
        }
    }

    #[test]
    fn b0_is_refused_and_far_cells_are_errors() {
        let b0: Rule = "B0/S8".parse().expect("rule");
        assert!(matches!(HashLife::new(b0), Err(LifeError::PlaneRule { .. })));
        let mut p = HashLife::new(Rule::CONWAY).expect("plane");
        assert!(matches!(
            p.set_cell(i64::MAX, 0, true),
            Err(LifeError::OutOfPlane { .. })
        ));
        p.set_cell(1 << 40, -(1 << 40), true).expect("far but fine");
        assert!(p.get_cell(1 << 40, -(1 << 40)));
        assert_eq!(p.population(), 1);
        assert_eq!(
            p.bounding_box(),
            Some(Rect::spanning(1 << 40, -(1 << 40), 1 << 40, -(1 << 40)))
        );
        p.advance(1, &mut |_| true).expect("step");
        assert_eq!(p.population(), 0);
    }

    #[test]
    fn equal_patterns_have_equal_fingerprints() {
        let mut a = HashLife::new(Rule::CONWAY).expect("plane");
        for x in 0..3 {
            a.set_cell(x, 0, true).expect("set");
        }
        let f0 = a.fingerprint();
        a.advance(1, &mut |_| true).expect("step");
        assert_ne!(a.fingerprint(), f0);
        a.advance(1, &mut |_| true).expect("step");
        assert_eq!(a.fingerprint(), f0);
        let snap = a.snapshot();
        a.advance(1, &mut |_| true).expect("step");
        assert_eq!(snap.fingerprint(), f0);
        assert_eq!(
            snap.live_cells_in(Rect::spanning(-5, -5, 5, 5)),
            vec![(0, 0), (1, 0), (2, 0)]
        );
    }
}
