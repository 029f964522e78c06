//! The HashLife recursion: a node of level `k` yields its centre (level `k - 1`) `2^log`
//! generations later, for any `log ≤ k - 2`, memoised in the node.
//!
//! Number the node's 4×4 grandchildren; the nine overlapping level-`k-1` squares `m[i][j]` of
//! 2×2 grandchildren cover it. For the full step (`log = k - 2`) each `m[i][j]` is stepped half
//! way, giving nine level-`k-2` squares at time 2^(k-3), and the four level-`k-1` squares made of
//! 2×2 of those are stepped the other half. For a shorter step the nine squares are just the
//! centres of `m[i][j]` (time 0), and the four squares made of them are stepped by `2^log`
//! directly. The light cone never leaves the squares: each is stepped at most a quarter of its
//! width.

use super::arena::{Abort, Arena, NodeId, LEAF_LEVEL, NONE};
use super::leaf::{self, RuleMasks};

/// New nodes between polls of the keep-going hook.
const POLL_NODES: u64 = 1 << 16;

/// One top-level step in progress.
pub(super) struct Stepper<'a> {
    pub(super) arena: &'a mut Arena,
    pub(super) masks: RuleMasks,
    pub(super) keep_going: &'a mut dyn FnMut(u64) -> bool,
    /// Generations done before this step, for the hook.
    pub(super) done: u64,
    pub(super) next_poll: u64,
}

impl Stepper<'_> {
    /// The centre of `id` (level `k ≥ 4`) `2^log` generations on, `log ≤ k - 2`.
    pub(super) fn step(&mut self, id: NodeId, log: u8) -> Result<NodeId, Abort> {
        let n = *self.arena.node(id);
        if n.pop == 0 {
            return self.arena.empty(n.level - 1);
        }
        let full = log + 2 == n.level;
        if full && n.full != NONE {
            return Ok(n.full);
        }
        if !full && n.part != NONE && n.part_log == log {
            return Ok(n.part);
        }
        if self.arena.stats.misses >= self.next_poll {
            self.next_poll = self.arena.stats.misses + POLL_NODES;
            if !(self.keep_going)(self.done) {
                return Err(Abort::Stopped);
            }
        }
        let result = if n.level == LEAF_LEVEL + 1 {
            let q = n.kids.map(|k| self.arena.node(k).bits);
            self.arena.leaf(leaf::step_leaves(q, 1 << log, &self.masks))?
        } else if n.level == LEAF_LEVEL + 2 && full {
            let k = n
                .kids
                .map(|id| self.arena.node(id).kids.map(|l| self.arena.node(l).bits));
            let grid = [
                [k[0][0], k[0][1], k[1][0], k[1][1]],
                [k[0][2], k[0][3], k[1][2], k[1][3]],
                [k[2][0], k[2][1], k[3][0], k[3][1]],
                [k[2][2], k[2][3], k[3][2], k[3][3]],
            ];
            let out = leaf::step_level5(&grid, &self.masks);
            self.arena.prefetch_leaves(&out);
            let mut kids = [NONE; 4];
            for (kid, bits) in kids.iter_mut().zip(out) {
                *kid = self.arena.leaf(bits)?;
            }
            self.arena.branch(kids)?
        } else {
            self.step_branch(&n.kids, log, full)?
        };
        let node = self.arena.node_mut(id);
        if full {
            node.full = result;
        } else {
            node.part = result;
            node.part_log = log;
        }
        Ok(result)
    }

    fn step_branch(&mut self, kids: &[NodeId; 4], log: u8, full: bool) -> Result<NodeId, Abort> {
        let k = kids.map(|id| self.arena.node(id).kids);
        // Grandchildren, row by row.
        let g = [
            [k[0][0], k[0][1], k[1][0], k[1][1]],
            [k[0][2], k[0][3], k[1][2], k[1][3]],
            [k[2][0], k[2][1], k[3][0], k[3][1]],
            [k[2][2], k[2][3], k[3][2], k[3][3]],
        ];
        self.arena.prefetch_branches(&[
            [g[0][1], g[0][2], g[1][1], g[1][2]],
            [g[1][0], g[1][1], g[2][0], g[2][1]],
            [g[1][1], g[1][2], g[2][1], g[2][2]],
            [g[1][2], g[1][3], g[2][2], g[2][3]],
            [g[2][1], g[2][2], g[3][1], g[3][2]],
        ]);
        let mut s = [[NONE; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                // The four corner squares are the node's own children.
                let m = match (i, j) {
                    (0, 0) => kids[0],
                    (0, 2) => kids[1],
                    (2, 0) => kids[2],
                    (2, 2) => kids[3],
                    _ => self
                        .arena
                        .branch([g[i][j], g[i][j + 1], g[i + 1][j], g[i + 1][j + 1]])?,
                };
                s[i][j] = if full {
                    self.step(m, log - 1)?
                } else {
                    self.arena.centre(m)?
                };
            }
        }
        let sub = if full { log - 1 } else { log };
        self.arena.prefetch_branches(&[
            [s[0][0], s[0][1], s[1][0], s[1][1]],
            [s[0][1], s[0][2], s[1][1], s[1][2]],
            [s[1][0], s[1][1], s[2][0], s[2][1]],
            [s[1][1], s[1][2], s[2][1], s[2][2]],
        ]);
        let mut r = [NONE; 4];
        for a in 0..2 {
            for b in 0..2 {
                let m = self
                    .arena
                    .branch([s[a][b], s[a][b + 1], s[a + 1][b], s[a + 1][b + 1]])?;
                r[2 * a + b] = self.step(m, sub)?;
            }
        }
        self.arena.branch(r)
    }
}
