//! What is recorded about a trial and its games, and a trial's whole checkpoint.

use std::fmt;
use std::str::FromStr;

use colony_life::{Rule, Topology};
use serde::{Deserialize, Serialize};

use crate::{serde_text, Snapshot, Timestamp};

/// A trial's id within one database (1, 2, 3, … in creation order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TrialId(i64);

impl TrialId {
    /// The id with this number (as printed by `colony checkpoints`).
    pub fn new(id: i64) -> TrialId {
        TrialId(id)
    }

    /// The number.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for TrialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for TrialId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse().map(TrialId)
    }
}

/// How one game of a trial is set up; fixed for the trial's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GameRecord {
    /// The game's number within its trial (unique per trial).
    pub game: u32,
    /// The soup seed, if the board was a soup.
    pub seed: Option<u64>,
    /// The rule, serialized as `B3/S23`.
    #[serde(with = "serde_text::display")]
    pub rule: Rule,
    /// The topology, serialized as `torus` or `bounded` (not used on the plane).
    #[serde(with = "serde_text::display")]
    pub topology: Topology,
    /// On the unbounded plane (stored as topology `plane`); `width`×`height` is then a soup's
    /// extent. Left out of JSON when false, as before games could be.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub plane: bool,
    /// Board width in cells.
    pub width: usize,
    /// Board height in cells.
    pub height: usize,
}

impl GameRecord {
    /// The topology column's value for games on the plane.
    pub const PLANE: &'static str = "plane";

    /// What the topology column holds: the topology, or [`GameRecord::PLANE`].
    pub fn topology_text(&self) -> String {
        if self.plane {
            GameRecord::PLANE.to_string()
        } else {
            self.topology.to_string()
        }
    }
}

/// A trial as recorded: its spec and its games.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// The trial's id.
    pub id: TrialId,
    /// The trial's spec as JSON, stored and returned verbatim (owned by the caller).
    pub spec_json: String,
    /// The generation every game is to reach.
    pub target_generation: u64,
    /// When the trial was recorded.
    pub created_at: Timestamp,
    /// When [`Store::mark_finished`](crate::Store::mark_finished) was called, if it was.
    pub finished_at: Option<Timestamp>,
    /// The games, by game number.
    pub games: Vec<GameRecord>,
}

/// A trial's latest checkpoint: the record and each game's latest snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The trial.
    pub trial: TrialRecord,
    /// One snapshot per game, in the order of `trial.games`
    /// (`snapshots[i].game == trial.games[i].game`).
    pub snapshots: Vec<Snapshot>,
}

impl Checkpoint {
    /// The snapshot of game `game`, if the trial has it.
    pub fn snapshot(&self, game: u32) -> Option<&Snapshot> {
        self.snapshots.iter().find(|s| s.game == game)
    }

    /// The games (with their snapshots) that have not yet reached the target generation.
    pub fn unfinished(&self) -> impl Iterator<Item = (&GameRecord, &Snapshot)> {
        let target = self.trial.target_generation;
        self.trial
            .games
            .iter()
            .zip(&self.snapshots)
            .filter(move |(_, s)| s.generation < target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn game_record_serializes_rules_as_text() {
        let record = GameRecord {
            game: 3,
            seed: Some(u64::MAX),
            rule: "B36/S23".parse().expect("rule"),
            topology: Topology::Bounded,
            plane: false,
            width: 65,
            height: 3,
        };
        let json = serde_json::to_string(&record).expect("json");
        assert!(
            json.contains(r#""rule":"B36/S23""#) && json.contains(r#""topology":"bounded""#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<GameRecord>(&json).expect("parse"), record);
        assert!(serde_json::from_str::<GameRecord>(&json.replace("B36", "B9")).is_err());
    }

    #[test]
    fn trial_id_parses_and_displays() {
        let id: TrialId = " 12 ".parse().expect("id");
        assert_eq!((id.get(), id.to_string()), (12, "12".to_string()));
        assert_eq!(serde_json::to_string(&id).expect("json"), "12");
    }
}
