//! [`PlaneState`]: one generation of the plane as a value, to keep in a history, hand to another
//! thread, send to a peer or store in a checkpoint, and to thaw back into a [`HashLife`].

use std::fmt;
use std::sync::Arc;

use super::arena::{Arena, NodeId, BYTES_PER_NODE, LEAF_LEVEL};
use super::leaf::RuleMasks;
use super::query::Frozen;
use super::{macrocell, HashLife};
use crate::universe::{Cells, Rect};
use crate::{LifeError, Result, Rule};

/// A generation of the unbounded plane, frozen: the distinct nodes of its quadtree, shared (a
/// clone costs nothing). Its stored and sent form is Golly's macrocell text, so it is as small as
/// the pattern's structure, not its extent.
#[derive(Clone)]
pub struct PlaneState {
    tree: Arc<Frozen>,
    rule: Rule,
}

impl HashLife {
    /// The current generation as a value (its nodes copied out of the arena).
    pub fn state(&self) -> PlaneState {
        PlaneState {
            tree: Arc::new(Frozen::new(&self.arena, self.root, self.generation, self.fingerprint())),
            rule: self.rule,
        }
    }

    /// A plane continuing from `state`, its nodes under a budget of `memory` bytes.
    pub fn from_state(state: &PlaneState, memory: u64) -> Result<HashLife> {
        let limit = usize::try_from(memory / BYTES_PER_NODE).unwrap_or(usize::MAX);
        let mut arena = Arena::new(limit);
        let oom = |_| LifeError::MemoryBudget { bytes: memory };
        let tree = &state.tree;
        let mut ids: Vec<NodeId> = Vec::with_capacity(tree.nodes.len());
        for &(kids, bits, _, level) in &tree.nodes {
            let id = if level == LEAF_LEVEL {
                arena.leaf(bits).map_err(oom)?
            } else {
                // A frozen tree lists kids before parents, so every kid is mapped already.
                arena.branch(kids.map(|k| ids[k.0 as usize])).map_err(oom)?
            };
            ids.push(id);
        }
        let root = ids[tree.root.0 as usize];
        super::refuse_b0(state.rule)?;
        Ok(HashLife {
            arena,
            root,
            rule: state.rule,
            masks: RuleMasks::new(state.rule),
            generation: tree.generation,
            memory,
            pinned: Vec::new(),
        })
    }
}

impl PlaneState {
    /// The rule the pattern evolves under.
    pub fn rule(&self) -> Rule {
        self.rule
    }

    /// Distinct nodes in the tree (what it costs, about [`PlaneState::bytes`]).
    pub fn nodes(&self) -> usize {
        self.tree.nodes.len()
    }

    /// Bytes the frozen tree holds.
    pub fn bytes(&self) -> u64 {
        (self.tree.nodes.len() * std::mem::size_of::<super::query::FrozenNode>()) as u64
    }

    /// The pattern as macrocell text, with its rule and generation (Golly reads it).
    pub fn write_macrocell(&self) -> String {
        macrocell::write(self.tree.as_ref(), self.tree.root, self.rule, self.tree.generation)
    }

    /// Reads macrocell text (as [`HashLife::from_macrocell`]; errors name the line and column).
    pub fn from_macrocell(text: &str) -> Result<PlaneState> {
        Ok(HashLife::from_macrocell(text)?.state())
    }
}

impl Cells for PlaneState {
    fn generation(&self) -> u64 {
        self.tree.generation()
    }
    fn get_cell(&self, x: i64, y: i64) -> bool {
        self.tree.get_cell(x, y)
    }
    fn population(&self) -> u64 {
        self.tree.population()
    }
    fn bounding_box(&self) -> Option<Rect> {
        self.tree.bounding_box()
    }
    fn for_each_live_cell(&self, area: Rect, visit: &mut dyn FnMut(i64, i64)) {
        self.tree.for_each_live_cell(area, visit);
    }
    fn fingerprint(&self) -> u64 {
        self.tree.fingerprint()
    }
}

impl PartialEq for PlaneState {
    /// The same rule, generation and cells (compared through their canonical macrocell text).
    fn eq(&self, other: &PlaneState) -> bool {
        Arc::ptr_eq(&self.tree, &other.tree)
            || (self.rule == other.rule
                && self.generation() == other.generation()
                && self.fingerprint() == other.fingerprint()
                && self.write_macrocell() == other.write_macrocell())
    }
}

impl fmt::Debug for PlaneState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlaneState")
            .field("rule", &self.rule.to_string())
            .field("generation", &self.generation())
            .field("population", &self.population())
            .field("nodes", &self.nodes())
            .finish()
    }
}

impl serde::Serialize for PlaneState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.write_macrocell())
    }
}

impl<'de> serde::Deserialize<'de> for PlaneState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        PlaneState::from_macrocell(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{pattern, Universe};

    fn gun() -> HashLife {
        let p = pattern::named("gosper-glider-gun").expect("library");
        HashLife::from_cells(
            Rule::CONWAY,
            p.board.live_cells().map(|(x, y)| (x as i64 - 20, y as i64 - 5)),
        )
        .expect("plane")
    }

    #[test]
    fn a_thawed_state_goes_on_as_the_plane_would() {
        let mut plane = gun();
        plane.advance(1000, &mut |_| true).expect("advance");
        let state = plane.state();
        let mut thawed = HashLife::from_state(&state, 64 << 20).expect("thaw");
        assert_eq!(thawed.fingerprint(), plane.fingerprint());
        assert_eq!(thawed.generation(), 1000);
        plane.advance(777, &mut |_| true).expect("advance");
        thawed.advance(777, &mut |_| true).expect("advance");
        assert_eq!(thawed.state(), plane.state());
        assert_eq!(thawed.population(), plane.population());
    }

    #[test]
    fn macrocell_and_serde_round_trip() {
        let mut plane = gun();
        plane.advance(300, &mut |_| true).expect("advance");
        let state = plane.state();
        assert_eq!(state.write_macrocell(), plane.write_macrocell());
        let back = PlaneState::from_macrocell(&state.write_macrocell()).expect("read");
        assert_eq!(back, state);
        let bytes = postcard::to_allocvec(&state).expect("encode");
        let back: PlaneState = postcard::from_bytes(&bytes).expect("decode");
        assert_eq!(
            back.live_cells_in(Rect::spanning(-100, -100, 200, 200)),
            state.live_cells_in(Rect::spanning(-100, -100, 200, 200))
        );
        let empty = HashLife::new(Rule::CONWAY).expect("plane").state();
        assert_eq!(
            PlaneState::from_macrocell(&empty.write_macrocell()).expect("empty"),
            empty
        );
        let junk = postcard::to_allocvec("not macrocell").expect("encode");
        assert!(postcard::from_bytes::<PlaneState>(&junk).is_err());
    }
}
