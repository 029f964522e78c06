//! Golly's macrocell format (`.mc`, `[M2]`): the quadtree itself, one distinct node a line, so a
//! pattern of 10^8 cells in a few hundred nodes is a few hundred lines.
//!
//! After the `[M2]` line come `#` lines (`#R rule`, `#G generation`, others are comments), then
//! nodes, numbered from 1 in the order given. An 8×8 leaf is a line of `.` (dead), `*` (alive) and
//! `$` (end of row), trailing dead cells and rows left out; a larger node is `k nw ne sw se`, its
//! level and its children's numbers, 0 being the empty node. The last node is the root, a 2^k
//! square centred on the origin, as in Golly.

use std::collections::HashMap;
use std::fmt::Write;

use super::arena::{NodeId, LEAF_LEVEL};
use super::query::Tree;
use super::{HashLife, MAX_LEVEL};
use crate::pattern::parse_rule_with_grid;
use crate::universe::{Cells, Universe};
use crate::{LifeError, Result, Rule};

fn parse_error(line: usize, column: usize, message: impl Into<String>) -> LifeError {
    LifeError::Parse {
        line,
        column,
        message: message.into(),
    }
}

impl HashLife {
    /// Writes the pattern as macrocell, with its rule and generation.
    pub fn write_macrocell(&self) -> String {
        write(&self.arena, self.root, self.rule, self.generation)
    }

    /// Reads a macrocell pattern (Golly's two-state `[M2]` files) onto a fresh plane. Errors
    /// name the line and column.
    pub fn from_macrocell(text: &str) -> Result<HashLife> {
        let mut lines = crate::pattern::lines(text).enumerate().map(|(i, l)| (i + 1, l));
        match lines.next() {
            Some((_, first)) if first.trim_start().starts_with("[M2]") => {}
            _ => return Err(parse_error(1, 1, "a macrocell file starts with [M2]")),
        }
        let mut rule = Rule::CONWAY;
        let mut generation = 0;
        // Node numbers and levels, read before the plane exists: the rule comes first.
        let mut body = Vec::new();
        for (number, line) in lines {
            let trimmed = line.trim();
            if let Some(rest) = trimmed.strip_prefix("#R") {
                let (parsed, grid) =
                    parse_rule_with_grid(rest.trim()).map_err(|e| parse_error(number, 4, e.to_string()))?;
                if grid.is_some() {
                    return Err(parse_error(
                        number,
                        4,
                        "a bounded grid suffix cannot be read onto the plane",
                    ));
                }
                rule = parsed;
            } else if let Some(rest) = trimmed.strip_prefix("#G") {
                generation = rest
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| parse_error(number, 4, format!("bad generation {:?}", rest.trim())))?;
            } else if !trimmed.is_empty() && !trimmed.starts_with('#') {
                body.push((number, trimmed));
            }
        }
        let mut plane = HashLife::new(rule)?;
        let memory = plane.memory;
        let oom = |_| LifeError::MemoryBudget { bytes: memory };
        let mut nodes: Vec<(NodeId, u8)> = Vec::with_capacity(body.len().min(1 << 20));
        for (number, line) in body {
            let node = if line.starts_with(['.', '*', '$']) {
                (plane.arena.leaf(leaf_bits(line, number)?).map_err(oom)?, LEAF_LEVEL)
            } else {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let value = |i: usize| -> Result<u64> {
                    fields
                        .get(i)
                        .and_then(|f| f.parse::<u64>().ok())
                        .ok_or_else(|| parse_error(number, 1, format!("expected `level nw ne sw se`, got {line:?}")))
                };
                if fields.len() != 5 {
                    return Err(parse_error(
                        number,
                        1,
                        format!("expected `level nw ne sw se`, got {line:?}"),
                    ));
                }
                let level = value(0)?;
                if !(u64::from(LEAF_LEVEL) + 1..=u64::from(MAX_LEVEL)).contains(&level) {
                    return Err(parse_error(
                        number,
                        1,
                        format!(
                            "node level {level} is not between 4 and {MAX_LEVEL} (only two-state 8x8 leaves are read)"
                        ),
                    ));
                }
                let level = level as u8;
                let mut kids = [NodeId(0); 4];
                for (i, kid) in kids.iter_mut().enumerate() {
                    let k = value(i + 1)?;
                    *kid = match k {
                        0 => plane.arena.empty(level - 1).map_err(oom)?,
                        k => match nodes.get(k as usize - 1) {
                            Some(&(id, l)) if l == level - 1 => id,
                            Some(&(_, l)) => {
                                return Err(parse_error(
                                    number,
                                    1,
                                    format!(
                                        "node {k} has level {l}, a child of a level {level} node needs {}",
                                        level - 1
                                    ),
                                ))
                            }
                            None => {
                                return Err(parse_error(
                                    number,
                                    1,
                                    format!("node {k} is not defined before line {number}"),
                                ))
                            }
                        },
                    };
                }
                (plane.arena.branch(kids).map_err(oom)?, level)
            };
            nodes.push(node);
        }
        let Some(&(root, level)) = nodes.last() else {
            plane.generation = generation;
            return Ok(plane);
        };
        if level == LEAF_LEVEL {
            // A lone leaf covers -4..4; place its cells one by one.
            let bits = plane.arena.node(root).bits;
            for k in 0..64 {
                if bits >> k & 1 == 1 {
                    crate::CellSink::set_cell(&mut plane, k % 8 - 4, k / 8 - 4, true)?;
                }
            }
        } else {
            plane.root = root;
            plane.shrink()?;
        }
        plane.set_generation(generation);
        debug_assert!(plane.population() == plane.arena.node(plane.root).pop);
        Ok(plane)
    }
}

/// Writes the tree under `root` as macrocell, with `rule` and `generation`.
pub(super) fn write(tree: &impl Tree, root: NodeId, rule: Rule, generation: u64) -> String {
    let mut out = String::from("[M2] (colony)\n");
    let _ = writeln!(out, "#R {rule}");
    let _ = writeln!(out, "#G {generation}");
    let mut numbers: HashMap<NodeId, usize> = HashMap::new();
    let mut count = 0;
    if number(tree, root, &mut numbers, &mut count, &mut out) == 0 {
        // An empty pattern still needs a root.
        out.push_str("4 0 0 0 0\n");
    }
    out
}

/// The line number of `id` (0 when empty), writing its line (and its children's) if new.
fn number(
    tree: &impl Tree,
    id: NodeId,
    numbers: &mut HashMap<NodeId, usize>,
    count: &mut usize,
    out: &mut String,
) -> usize {
    if tree.pop(id) == 0 {
        return 0;
    }
    if let Some(&known) = numbers.get(&id) {
        return known;
    }
    let level = tree.level(id);
    if level == LEAF_LEVEL {
        let bits = tree.bits(id);
        let last_row = (0..8).rev().find(|r| (bits >> (8 * r)) & 0xff != 0).unwrap_or(0);
        for r in 0..=last_row {
            let row = (bits >> (8 * r)) & 0xff;
            for x in 0..(64 - row.leading_zeros()) {
                out.push(if row >> x & 1 == 1 { '*' } else { '.' });
            }
            out.push('$');
        }
        out.push('\n');
    } else {
        let kids = tree.kids(id).map(|k| number(tree, k, numbers, count, out));
        let _ = writeln!(out, "{level} {} {} {} {}", kids[0], kids[1], kids[2], kids[3]);
    }
    *count += 1;
    numbers.insert(id, *count);
    *count
}

/// The cells of a leaf line.
fn leaf_bits(line: &str, number: usize) -> Result<u64> {
    let (mut x, mut y, mut bits) = (0u64, 0u64, 0u64);
    for (i, c) in line.chars().enumerate() {
        match c {
            '.' => x += 1,
            '*' => {
                if x >= 8 || y >= 8 {
                    return Err(parse_error(number, i + 1, "a leaf is 8x8 cells"));
                }
                bits |= super::leaf::bit(x, y);
                x += 1;
            }
            '$' => {
                x = 0;
                y += 1;
            }
            c if c.is_whitespace() => {}
            c => {
                return Err(parse_error(
                    number,
                    i + 1,
                    format!("unexpected character {c:?} in a leaf"),
                ))
            }
        }
    }
    Ok(bits)
}
