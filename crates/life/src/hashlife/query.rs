//! Reading cells out of a quadtree, live or frozen: single cells, cells in a rectangle, the
//! bounding box, and freezing a tree into an immutable snapshot. Every walk skips empty nodes,
//! and the bounding box is found per distinct node, so a pattern spread over 2^40 cells with a
//! handful of live ones costs a handful of nodes.

use std::collections::HashMap;

use super::arena::{Arena, NodeId, LEAF_LEVEL};
use crate::universe::{Cells, Rect};

/// What a walk needs of a node store.
pub(super) trait Tree {
    fn level(&self, id: NodeId) -> u8;
    fn kids(&self, id: NodeId) -> [NodeId; 4];
    fn bits(&self, id: NodeId) -> u64;
    fn pop(&self, id: NodeId) -> u64;
}

impl Tree for Arena {
    fn level(&self, id: NodeId) -> u8 {
        self.node(id).level
    }
    fn kids(&self, id: NodeId) -> [NodeId; 4] {
        self.node(id).kids
    }
    fn bits(&self, id: NodeId) -> u64 {
        self.node(id).bits
    }
    fn pop(&self, id: NodeId) -> u64 {
        self.node(id).pop
    }
}

/// The left edge (and top edge) of a root of `level`: roots are centred on the origin.
pub(super) fn origin(level: u8) -> i64 {
    -(1i64 << (level - 1))
}

/// Whether cell `(x, y)` (relative to the node's top-left corner) is alive.
pub(super) fn get(tree: &impl Tree, mut id: NodeId, mut x: u64, mut y: u64) -> bool {
    loop {
        let level = tree.level(id);
        if level == LEAF_LEVEL {
            return tree.bits(id) >> (8 * y + x) & 1 == 1;
        }
        let half = 1u64 << (level - 1);
        let q = usize::from(y >= half) * 2 + usize::from(x >= half);
        x %= half;
        y %= half;
        id = tree.kids(id)[q];
    }
}

/// Calls `visit` for every live cell of node `id`, whose top-left cell is `(x0, y0)`, in `area`.
pub(super) fn for_each(tree: &impl Tree, id: NodeId, x0: i64, y0: i64, area: &Rect, visit: &mut dyn FnMut(i64, i64)) {
    if tree.pop(id) == 0 {
        return;
    }
    let level = tree.level(id);
    let size = 1i64 << level;
    // i128: a root's far edge may lie past i64::MAX.
    let (x1, y1) = (
        i128::from(x0) + i128::from(size) - 1,
        i128::from(y0) + i128::from(size) - 1,
    );
    if x1 < i128::from(area.x)
        || y1 < i128::from(area.y)
        || i128::from(x0) > i128::from(area.right())
        || i128::from(y0) > i128::from(area.bottom())
        || area.width == 0
        || area.height == 0
    {
        return;
    }
    if level == LEAF_LEVEL {
        let mut bits = tree.bits(id);
        while bits != 0 {
            let k = i64::from(bits.trailing_zeros());
            bits &= bits - 1;
            let (x, y) = (x0 + k % 8, y0 + k / 8);
            if area.contains(x, y) {
                visit(x, y);
            }
        }
        return;
    }
    let half = size / 2;
    let kids = tree.kids(id);
    for (q, kid) in kids.into_iter().enumerate() {
        let (dx, dy) = ((q as i64 % 2) * half, (q as i64 / 2) * half);
        for_each(tree, kid, x0 + dx, y0 + dy, area, visit);
    }
}

/// One side of a bounding box.
#[derive(Clone, Copy)]
enum Edge {
    Left,
    Right,
    Top,
    Bottom,
}

/// The extreme live column or row of node `id` on `edge`, relative to its top-left corner.
fn edge(tree: &impl Tree, id: NodeId, side: Edge, memo: &mut HashMap<NodeId, Option<u64>>) -> Option<u64> {
    if tree.pop(id) == 0 {
        return None;
    }
    let level = tree.level(id);
    if level == LEAF_LEVEL {
        let bits = tree.bits(id);
        let columns = (0..8).fold(0u64, |acc, r| acc | (bits >> (8 * r)) & 0xff);
        let rows = (0..8).fold(0u64, |acc, r| acc | u64::from((bits >> (8 * r)) & 0xff != 0) << r);
        return Some(u64::from(match side {
            Edge::Left => columns.trailing_zeros(),
            Edge::Right => 63 - columns.leading_zeros(),
            Edge::Top => rows.trailing_zeros(),
            Edge::Bottom => 63 - rows.leading_zeros(),
        }));
    }
    if let Some(&known) = memo.get(&id) {
        return known;
    }
    let half = 1u64 << (level - 1);
    let [nw, ne, sw, se] = tree.kids(id);
    // The near pair of children first; the far pair only when the near one is empty.
    let (near, far) = match side {
        Edge::Left => ([nw, sw], [ne, se]),
        Edge::Right => ([ne, se], [nw, sw]),
        Edge::Top => ([nw, ne], [sw, se]),
        Edge::Bottom => ([sw, se], [nw, ne]),
    };
    let best = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (Some(a), Some(b)) => Some(if matches!(side, Edge::Left | Edge::Top) {
            a.min(b)
        } else {
            a.max(b)
        }),
        (a, b) => a.or(b),
    };
    let pick = |pair: [NodeId; 2], offset: u64, memo: &mut HashMap<NodeId, Option<u64>>| {
        let a = edge(tree, pair[0], side, memo).map(|v| v + offset);
        let b = edge(tree, pair[1], side, memo).map(|v| v + offset);
        best(a, b)
    };
    let (near_offset, far_offset) = if matches!(side, Edge::Left | Edge::Top) {
        (0, half)
    } else {
        (half, 0)
    };
    let result = pick(near, near_offset, memo).or_else(|| pick(far, far_offset, memo));
    memo.insert(id, result);
    result
}

/// The bounding box of a root of `level` centred on the origin.
pub(super) fn bounding_box(tree: &impl Tree, root: NodeId) -> Option<Rect> {
    let mut memo = HashMap::new();
    let left = edge(tree, root, Edge::Left, &mut memo)?;
    memo.clear();
    let right = edge(tree, root, Edge::Right, &mut memo)?;
    memo.clear();
    let top = edge(tree, root, Edge::Top, &mut memo)?;
    memo.clear();
    let bottom = edge(tree, root, Edge::Bottom, &mut memo)?;
    let o = origin(tree.level(root));
    Some(Rect {
        x: o + left as i64,
        y: o + top as i64,
        width: right - left + 1,
        height: bottom - top + 1,
    })
}

/// A tree frozen at one generation: its reachable nodes copied out of the arena.
pub(super) struct Frozen {
    pub(super) nodes: Vec<FrozenNode>,
    pub(super) root: NodeId,
    pub(super) generation: u64,
    pub(super) fingerprint: u64,
}

impl Tree for Frozen {
    fn level(&self, id: NodeId) -> u8 {
        self.nodes[id.0 as usize].3
    }
    fn kids(&self, id: NodeId) -> [NodeId; 4] {
        self.nodes[id.0 as usize].0
    }
    fn bits(&self, id: NodeId) -> u64 {
        self.nodes[id.0 as usize].1
    }
    fn pop(&self, id: NodeId) -> u64 {
        self.nodes[id.0 as usize].2
    }
}

impl Frozen {
    /// Copies the nodes reachable from `root`.
    pub(super) fn new(arena: &Arena, root: NodeId, generation: u64, fingerprint: u64) -> Frozen {
        let mut index: HashMap<NodeId, NodeId> = HashMap::new();
        let mut nodes = Vec::new();
        let root = copy(arena, root, &mut index, &mut nodes);
        Frozen {
            nodes,
            root,
            generation,
            fingerprint,
        }
    }
}

/// Kids, leaf bits, population, level; kids always come before their parent.
pub(super) type FrozenNode = ([NodeId; 4], u64, u64, u8);

fn copy(arena: &Arena, id: NodeId, index: &mut HashMap<NodeId, NodeId>, nodes: &mut Vec<FrozenNode>) -> NodeId {
    if let Some(&done) = index.get(&id) {
        return done;
    }
    let n = arena.node(id);
    let kids = if n.level > LEAF_LEVEL {
        n.kids.map(|k| copy(arena, k, index, nodes))
    } else {
        n.kids
    };
    nodes.push((kids, n.bits, n.pop, n.level));
    let new = NodeId(nodes.len() as u32 - 1);
    index.insert(id, new);
    new
}

/// Whether `(x, y)` lies on a root of `level` centred on the origin, and where relative to it.
pub(super) fn relative(level: u8, x: i64, y: i64) -> Option<(u64, u64)> {
    let o = origin(level);
    let size = 1u64 << level;
    let (rx, ry) = (x.wrapping_sub(o) as u64, y.wrapping_sub(o) as u64);
    (x >= o && y >= o && rx < size && ry < size).then_some((rx, ry))
}

impl Cells for Frozen {
    fn generation(&self) -> u64 {
        self.generation
    }
    fn get_cell(&self, x: i64, y: i64) -> bool {
        relative(self.level(self.root), x, y).is_some_and(|(rx, ry)| get(self, self.root, rx, ry))
    }
    fn population(&self) -> u64 {
        self.pop(self.root)
    }
    fn bounding_box(&self) -> Option<Rect> {
        bounding_box(self, self.root)
    }
    fn for_each_live_cell(&self, area: Rect, visit: &mut dyn FnMut(i64, i64)) {
        let o = origin(self.level(self.root));
        for_each(self, self.root, o, o, &area, visit);
    }
    fn raster(&self, view: Rect, scale: u8) -> crate::Result<crate::Raster> {
        super::raster::raster(self, self.root, view, scale)
    }
    fn fingerprint(&self) -> u64 {
        self.fingerprint
    }
}
