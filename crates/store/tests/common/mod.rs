//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use colony_life::{soup, Board, Outcome, Rule, Topology};
use colony_store::{GameRecord, Snapshot, Store, StoreOptions, TrialId};

/// Options with a short busy timeout, so lock tests finish quickly.
pub fn quick_options() -> StoreOptions {
    StoreOptions {
        busy_timeout: Duration::from_millis(200),
        ..StoreOptions::default()
    }
}

/// A deterministic board for `(game, generation)`: the kill test recomputes it to check a
/// checkpoint's board belongs to its generation.
pub fn board_for(width: usize, height: usize, game: u32, generation: u64) -> Board {
    soup(width, height, (u64::from(game) << 40) ^ generation, 0.5).expect("soup")
}

/// A soup game of the given size.
pub fn game(game: u32, width: usize, height: usize) -> GameRecord {
    GameRecord {
        game,
        seed: Some(u64::from(game)),
        rule: Rule::CONWAY,
        topology: Topology::Torus,
        plane: false,
        width,
        height,
    }
}

/// The snapshot of `record` at `generation`, with the board from [`board_for`].
pub fn snapshot(record: &GameRecord, generation: u64) -> Snapshot {
    let board = board_for(record.width, record.height, record.game, generation);
    Snapshot::new(record.game, generation, board, Outcome::Running)
}

/// A trial of the given game sizes at generation 0.
pub fn trial(store: &mut Store, sizes: &[(usize, usize)]) -> (TrialId, Vec<GameRecord>) {
    let games: Vec<GameRecord> = sizes
        .iter()
        .enumerate()
        .map(|(i, &(w, h))| game(i as u32, w, h))
        .collect();
    let initial: Vec<Snapshot> = games.iter().map(|g| snapshot(g, 0)).collect();
    let id = store
        .create_trial(r#"{"spec":"test"}"#, 1_000, &games, &initial)
        .expect("create trial");
    (id, games)
}

/// Every game's generation as loaded (each board verified by its checksum on load).
pub fn generations(path: &Path, trial: TrialId) -> Vec<u64> {
    let store = Store::open(path).expect("open");
    let checkpoint = store.load_trial(trial).expect("load");
    checkpoint.snapshots.iter().map(|s| s.generation).collect()
}
