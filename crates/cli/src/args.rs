//! Argument types that several commands share.

use clap::ValueEnum;
use colony_life::Topology;

/// Topology as a command-line value (of commands that run dense boards only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TopologyArg {
    /// Edges wrap around (the tutorial's board).
    Torus,
    /// Cells past the edges are always dead.
    Bounded,
}

impl From<TopologyArg> for Topology {
    fn from(t: TopologyArg) -> Topology {
        match t {
            TopologyArg::Torus => Topology::Torus,
            TopologyArg::Bounded => Topology::Bounded,
        }
    }
}

/// `1.23e10`-style rates, readable at any magnitude.
pub fn format_rate(rate: f64) -> String {
    format!("{rate:.3e}")
}
