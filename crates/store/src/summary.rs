//! Listings for `colony checkpoints`: trials and games without their boards.

use colony_life::Outcome;
use serde::{Deserialize, Serialize};

use crate::{serde_text, GameRecord, Timestamp, TrialId};

/// One line per trial: progress without loading any board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialSummary {
    /// The trial's id.
    pub id: TrialId,
    /// The generation every game is to reach.
    pub target_generation: u64,
    /// Number of games.
    pub games: u32,
    /// The lowest checkpointed generation among the games (0 without games).
    pub min_generation: u64,
    /// The highest checkpointed generation among the games (0 without games).
    pub max_generation: u64,
    /// Games whose outcome is settled (extinct, still or oscillating).
    pub settled: u32,
    /// When the trial was recorded.
    pub created_at: Timestamp,
    /// When a checkpoint was last saved (the creation time before any).
    pub updated_at: Timestamp,
    /// When the trial was marked finished, if it was.
    pub finished_at: Option<Timestamp>,
}

impl TrialSummary {
    /// Whether every game has reached the target generation or the trial was marked finished.
    pub fn is_complete(&self) -> bool {
        self.finished_at.is_some() || self.min_generation >= self.target_generation
    }
}

/// One line per game: its setup and its latest checkpoint, without the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GameSummary {
    /// How the game is set up.
    #[serde(flatten)]
    pub record: GameRecord,
    /// The checkpointed generation.
    pub generation: u64,
    /// Live cells at that generation.
    pub population: u64,
    /// What the game had settled into, as `{"kind": "oscillating", "period": 2}`.
    #[serde(with = "serde_text::outcome")]
    pub outcome: Outcome,
    /// When this checkpoint was saved.
    pub saved_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use colony_life::{Rule, Topology};

    #[test]
    fn game_summary_serializes_flat() {
        let summary = GameSummary {
            record: GameRecord {
                game: 1,
                seed: None,
                rule: Rule::CONWAY,
                topology: Topology::Torus,
                plane: false,
                width: 4,
                height: 4,
            },
            generation: 10,
            population: 3,
            outcome: Outcome::Oscillating { period: 2 },
            saved_at: Timestamp::from_unix_millis(5),
        };
        let json = serde_json::to_string(&summary).expect("json");
        assert!(
            json.contains(r#""game":1"#) && json.contains(r#""outcome":{"kind":"oscillating","period":2}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<GameSummary>(&json).expect("parse"), summary);
    }
}
