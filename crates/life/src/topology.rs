//! What lies beyond a board's edges.

use std::fmt;
use std::str::FromStr;

use crate::LifeError;

/// How the neighbourhood of an edge cell is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Topology {
    /// Edges wrap around (the tutorial's board): every neighbour offset is taken modulo the size.
    #[default]
    Torus,
    /// Cells outside the board are dead forever.
    Bounded,
}

impl fmt::Display for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Topology::Torus => "torus",
            Topology::Bounded => "bounded",
        })
    }
}

impl FromStr for Topology {
    type Err = LifeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "torus" | "t" => Ok(Topology::Torus),
            "bounded" | "plane" | "p" => Ok(Topology::Bounded),
            _ => Err(LifeError::Topology(s.to_string())),
        }
    }
}
