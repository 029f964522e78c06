//! The node arena: quadtree nodes in one `Vec`, addressed by [`NodeId`], deduplicated by an
//! open-addressing table of ids, each slot carrying 32 bits of its node's hash so that a probe
//! touches a node only when the hashes agree (the table is where HashLife spends its time), with
//! each node's memoised results beside it.
//! Nodes are never freed one by one: a collection marks from the roots and sweeps the rest.

use super::leaf;

/// The address of a quadtree node in its arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(super) u32);

/// No node: an empty memo slot, or a leaf's missing children.
pub(super) const NONE: NodeId = NodeId(u32::MAX);

/// Leaves are 8×8: level 3.
pub(super) const LEAF_LEVEL: u8 = 3;

/// One quadtree node: a leaf (level 3, cells in `bits`) or a branch of four children of the level
/// below, `[nw, ne, sw, se]`. A branch of level `k` is a 2^k square whose results are memoised:
/// `full` is its centre 2^(k-2) generations on, `part` its centre 2^`part_log` generations on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Node {
    pub(super) kids: [NodeId; 4],
    pub(super) bits: u64,
    pub(super) pop: u64,
    pub(super) hash: u64,
    pub(super) full: NodeId,
    pub(super) part: NodeId,
    pub(super) part_log: u8,
    /// 0 marks a free slot.
    pub(super) level: u8,
}

/// Why a computation gave up half-way (nothing it built is referenced from a root yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Abort {
    /// The node limit was reached.
    Memory,
    /// The keep-going hook said stop.
    Stopped,
}

/// Counters a benchmark can explain the time with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Nodes alive now.
    pub nodes: u64,
    /// The most nodes the memory budget allows.
    pub node_limit: u64,
    /// Lookups that found an existing node.
    pub hits: u64,
    /// Lookups that made a new node.
    pub misses: u64,
    /// Garbage collections run.
    pub collections: u64,
}

const EMPTY_SLOT: u64 = u64::MAX;

/// Bytes one node costs: the node, 2 to 4 table slots of 8 bytes, and a bit of mark space.
pub(super) const BYTES_PER_NODE: u64 = std::mem::size_of::<Node>() as u64 + 24;

pub(super) struct Arena {
    nodes: Vec<Node>,
    free: Vec<NodeId>,
    table: Vec<u64>,
    table_used: usize,
    empty: Vec<NodeId>,
    limit: usize,
    pub(super) stats: Stats,
}

#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[inline]
fn slot_of_kids(kids: [NodeId; 4]) -> u64 {
    let a = u64::from(kids[0].0) | u64::from(kids[1].0) << 32;
    let b = u64::from(kids[2].0) | u64::from(kids[3].0) << 32;
    mix(a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b)
}

#[inline]
fn slot_of_leaf(bits: u64) -> u64 {
    mix(bits ^ 0x5555_5555_5555_5555)
}

/// Starts loading `value`'s cache line without waiting for it.
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is a hint that never faults or reads into the program, and the
        // pointer comes from a live reference; SSE is part of every x86_64 target.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// A table slot: the upper half of the node's hash beside its id.
#[inline]
fn entry(hash: u64, id: NodeId) -> u64 {
    (hash & !0xffff_ffff) | u64::from(id.0)
}

impl Arena {
    /// An arena holding at most `limit` nodes.
    pub(super) fn new(limit: usize) -> Arena {
        Arena {
            nodes: Vec::new(),
            free: Vec::new(),
            table: vec![EMPTY_SLOT; 1 << 10],
            table_used: 0,
            empty: Vec::new(),
            limit: limit.max(1 << 10),
            stats: Stats::default(),
        }
    }

    #[inline]
    pub(super) fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    #[inline]
    pub(super) fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id.0 as usize]
    }

    pub(super) fn live(&self) -> usize {
        self.nodes.len() - self.free.len()
    }

    /// Changes the node limit; nodes beyond a lowered one go at the next collection.
    pub(super) fn set_limit(&mut self, limit: usize) {
        self.limit = limit.max(1 << 10);
    }

    pub(super) fn limit(&self) -> usize {
        self.limit
    }

    pub(super) fn stats(&self) -> Stats {
        Stats {
            nodes: self.live() as u64,
            node_limit: self.limit as u64,
            ..self.stats
        }
    }

    fn alloc(&mut self, node: Node) -> Result<NodeId, Abort> {
        if self.live() >= self.limit {
            return Err(Abort::Memory);
        }
        self.stats.misses += 1;
        if let Some(id) = self.free.pop() {
            self.nodes[id.0 as usize] = node;
            return Ok(id);
        }
        if self.nodes.len() >= u32::MAX as usize - 1 {
            return Err(Abort::Memory);
        }
        self.nodes.try_reserve(1).map_err(|_| Abort::Memory)?;
        self.nodes.push(node);
        Ok(NodeId(self.nodes.len() as u32 - 1))
    }

    /// Inserts a fresh node with this `hash` into table slot `slot`, growing the table when it
    /// gets half full.
    fn insert(&mut self, slot: usize, hash: u64, node: Node) -> Result<NodeId, Abort> {
        if (self.table_used + 1) * 2 > self.table.len() {
            self.rehash(self.table.len() * 2)?;
            let id = self.alloc(node)?;
            self.place(id);
            return Ok(id);
        }
        let id = self.alloc(node)?;
        self.table[slot] = entry(hash, id);
        self.table_used += 1;
        Ok(id)
    }

    fn probe_start(&self, hash: u64) -> usize {
        (hash as usize) & (self.table.len() - 1)
    }

    /// The table hash of a live node.
    #[inline]
    fn slot_hash(n: &Node) -> u64 {
        if n.level == LEAF_LEVEL {
            slot_of_leaf(n.bits)
        } else {
            slot_of_kids(n.kids)
        }
    }

    /// Puts an existing node into the table (which must have room).
    fn place(&mut self, id: NodeId) {
        let hash = Self::slot_hash(&self.nodes[id.0 as usize]);
        self.place_hashed(id, hash);
    }

    fn place_hashed(&mut self, id: NodeId, hash: u64) {
        let mask = self.table.len() - 1;
        let mut i = self.probe_start(hash);
        while self.table[i] != EMPTY_SLOT {
            i = (i + 1) & mask;
        }
        self.table[i] = entry(hash, id);
        self.table_used += 1;
    }

    /// Rebuilds the table in place from the live nodes.
    fn refill(&mut self) {
        self.table.fill(EMPTY_SLOT);
        self.table_used = 0;
        // The nodes are read in order but their slots are all over the table: prefetch the
        // slots a few nodes ahead so those misses overlap.
        const AHEAD: usize = 16;
        for i in 0..self.nodes.len() {
            if let Some(next) = self.nodes.get(i + AHEAD).filter(|n| n.level != 0) {
                prefetch(&self.table[self.probe_start(Self::slot_hash(next))]);
            }
            let n = &self.nodes[i];
            if n.level != 0 {
                let hash = Self::slot_hash(n);
                self.place_hashed(NodeId(i as u32), hash);
            }
        }
    }

    /// Rebuilds the table with `size` slots from the live nodes.
    fn rehash(&mut self, size: usize) -> Result<(), Abort> {
        let mut table = Vec::new();
        table.try_reserve_exact(size).map_err(|_| Abort::Memory)?;
        table.resize(size, EMPTY_SLOT);
        self.table = table;
        self.refill();
        Ok(())
    }

    /// The leaf with these cells.
    pub(super) fn leaf(&mut self, bits: u64) -> Result<NodeId, Abort> {
        let mask = self.table.len() - 1;
        let hash = slot_of_leaf(bits);
        let mut i = self.probe_start(hash);
        loop {
            let slot = self.table[i];
            if slot == EMPTY_SLOT {
                break;
            }
            if slot >> 32 == hash >> 32 {
                let id = slot as u32;
                let n = &self.nodes[id as usize];
                if n.level == LEAF_LEVEL && n.bits == bits {
                    self.stats.hits += 1;
                    return Ok(NodeId(id));
                }
            }
            i = (i + 1) & mask;
        }
        self.insert(
            i,
            hash,
            Node {
                kids: [NONE; 4],
                bits,
                pop: u64::from(bits.count_ones()),
                hash: mix(bits ^ 0x0123_4567_89AB_CDEF),
                full: NONE,
                part: NONE,
                part_log: 0,
                level: LEAF_LEVEL,
            },
        )
    }

    /// Asks the memory system for the table slots (and, where a slot is already cached, the
    /// candidate nodes) of branches about to be looked up: the lookups are cache misses on a
    /// table far larger than the caches, and issuing them together overlaps their latency
    /// instead of paying it once per lookup.
    #[inline]
    pub(super) fn prefetch_branches(&self, sets: &[[NodeId; 4]]) {
        for kids in sets {
            prefetch(&self.table[self.probe_start(slot_of_kids(*kids))]);
        }
    }

    /// As [`Arena::prefetch_branches`], for leaves.
    #[inline]
    pub(super) fn prefetch_leaves(&self, leaves: &[u64]) {
        for &bits in leaves {
            prefetch(&self.table[self.probe_start(slot_of_leaf(bits))]);
        }
    }

    /// The branch with these children `[nw, ne, sw, se]` (all of one level).
    pub(super) fn branch(&mut self, kids: [NodeId; 4]) -> Result<NodeId, Abort> {
        let mask = self.table.len() - 1;
        let slot_hash = slot_of_kids(kids);
        let mut i = self.probe_start(slot_hash);
        loop {
            let slot = self.table[i];
            if slot == EMPTY_SLOT {
                break;
            }
            if slot >> 32 == slot_hash >> 32 {
                let id = slot as u32;
                let n = &self.nodes[id as usize];
                if n.kids == kids && n.level > LEAF_LEVEL {
                    self.stats.hits += 1;
                    return Ok(NodeId(id));
                }
            }
            i = (i + 1) & mask;
        }
        let k = kids.map(|id| self.nodes[id.0 as usize]);
        let level = k[0].level + 1;
        let pop = k.iter().fold(0u64, |p, n| p.saturating_add(n.pop));
        let hash = mix(k[0].hash
            ^ k[1].hash.rotate_left(16)
            ^ k[2].hash.rotate_left(32)
            ^ k[3].hash.rotate_left(48)
            ^ u64::from(level));
        self.insert(
            i,
            slot_hash,
            Node {
                kids,
                bits: 0,
                pop,
                hash,
                full: NONE,
                part: NONE,
                part_log: 0,
                level,
            },
        )
    }

    /// The empty node of `level` (≥ 3).
    pub(super) fn empty(&mut self, level: u8) -> Result<NodeId, Abort> {
        while self.empty.len() <= level as usize {
            let next = match self.empty.len() as u8 {
                l if l < LEAF_LEVEL => NONE,
                LEAF_LEVEL => self.leaf(0)?,
                _ => {
                    let below = self.empty[self.empty.len() - 1];
                    self.branch([below; 4])?
                }
            };
            self.empty.push(next);
        }
        Ok(self.empty[level as usize])
    }

    /// The middle half of a branch (a node one level down), unstepped.
    pub(super) fn centre(&mut self, id: NodeId) -> Result<NodeId, Abort> {
        let n = *self.node(id);
        let [nw, ne, sw, se] = n.kids.map(|k| *self.node(k));
        if n.level == LEAF_LEVEL + 1 {
            return self.leaf(leaf::centre_leaves([nw.bits, ne.bits, sw.bits, se.bits]));
        }
        self.branch([nw.kids[3], ne.kids[2], sw.kids[1], se.kids[0]])
    }

    /// Forgets every memoised result (after the rule changed).
    pub(super) fn forget_results(&mut self) {
        for node in &mut self.nodes {
            node.full = NONE;
            node.part = NONE;
        }
    }

    /// Frees every node not reachable from `roots` (or from the empty nodes), forgetting memoised
    /// results that pointed at freed nodes. With `keep_results`, results of kept nodes are kept
    /// too (and what they reach): cheaper to resume, but frees less.
    pub(super) fn collect(&mut self, roots: &[NodeId], keep_results: bool) {
        self.stats.collections += 1;
        let mut marked = vec![false; self.nodes.len()];
        let mut stack: Vec<NodeId> = roots
            .iter()
            .chain(self.empty.iter())
            .copied()
            .filter(|&id| id != NONE)
            .collect();
        while let Some(id) = stack.pop() {
            let i = id.0 as usize;
            if marked[i] {
                continue;
            }
            marked[i] = true;
            let n = &self.nodes[i];
            if n.level > LEAF_LEVEL {
                stack.extend(n.kids.iter().filter(|k| !marked[k.0 as usize]));
            }
            if keep_results {
                stack.extend(
                    [n.full, n.part]
                        .into_iter()
                        .filter(|&r| r != NONE && !marked[r.0 as usize]),
                );
            }
        }
        self.free.clear();
        for (i, node) in self.nodes.iter_mut().enumerate() {
            if !marked[i] {
                node.level = 0;
                self.free.push(NodeId(i as u32));
                continue;
            }
            if node.full != NONE && !marked[node.full.0 as usize] {
                node.full = NONE;
            }
            if node.part != NONE && !marked[node.part.0 as usize] {
                node.part = NONE;
            }
        }
        // Reuse low slots first, so the arena's hot part stays compact.
        self.free.reverse();
        let size = (self.live() * 2 + 2).next_power_of_two().max(1 << 10);
        if size >= self.table.len() || self.rehash(size).is_err() {
            // The old table always has room for fewer nodes, and refilling it needs no memory.
            self.refill();
        }
    }
}
