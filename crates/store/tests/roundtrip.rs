//! Saving, overwriting, loading and listing checkpoints; batches are all-or-nothing.

mod common;

use colony_life::{Board, Outcome, Rule, Topology};
use colony_store::{GameRecord, Snapshot, Store, StoreError, TrialId};
use common::{board_for, game, snapshot, trial};
use proptest::prelude::*;

#[test]
fn odd_sizes_round_trip_through_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("odd.db");
    let mut store = Store::create(&path).expect("create");
    let sizes = [(1, 1), (65, 3), (200, 130), (64, 64), (3, 65)];
    let (id, games) = trial(&mut store, &sizes);
    let saved: Vec<Snapshot> = games.iter().map(|g| snapshot(g, 7)).collect();
    store.save(id, &saved).expect("save");
    store.close().expect("close");
    let loaded = Store::open(&path).expect("open").load_trial(id).expect("load");
    assert_eq!(loaded.snapshots, saved);
    assert_eq!(loaded.trial.games, games);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn any_board_round_trips_through_the_file(
        width in 1usize..=200,
        height in 1usize..=130,
        generation in 0u64..=i64::MAX as u64,
        seed: u64,
        period in 2u64..1000,
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::create(dir.path().join("p.db")).expect("create");
        let record = GameRecord { seed: Some(seed), ..game(0, width, height) };
        let start = Snapshot::new(0, 0, Board::new(width, height).expect("board"), Outcome::Running);
        let id = store.create_trial("{}", u64::MAX >> 1, &[record], &[start]).expect("trial");
        let board = colony_life::soup(width, height, seed, 0.5).expect("soup");
        let saved = Snapshot::new(0, generation, board, Outcome::Oscillating { period });
        store.save(id, std::slice::from_ref(&saved)).expect("save");
        let loaded = store.load_trial(id).expect("load");
        prop_assert_eq!(&loaded.snapshots[0], &saved);
        prop_assert_eq!(loaded.trial.games[0].seed, Some(seed));
        prop_assert_eq!(store.load_game(id, 0).expect("load game"), saved);
    }
}

#[test]
fn save_overwrites_only_the_given_games() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("overwrite.db");
    let mut store = Store::create(&path).expect("create");
    let (id, games) = trial(&mut store, &[(8, 8), (9, 9), (10, 10)]);
    store
        .save(id, &games.iter().map(|g| snapshot(g, 10)).collect::<Vec<_>>())
        .expect("save");
    store.save(id, &[snapshot(&games[1], 20)]).expect("save one");
    let loaded = store.load_trial(id).expect("load");
    let generations: Vec<u64> = loaded.snapshots.iter().map(|s| s.generation).collect();
    assert_eq!(generations, [10, 20, 10]);
    assert_eq!(loaded.snapshots[1].board, board_for(9, 9, 1, 20).into());
    store.close().expect("close");
    let raw = rusqlite::Connection::open(&path).expect("raw");
    let rows: i64 = raw
        .query_row("SELECT count(*) FROM checkpoint", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows, 3, "only the latest snapshot of each game is kept");
}

#[test]
fn a_failing_batch_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::create(dir.path().join("atomic.db")).expect("create");
    let (id, games) = trial(&mut store, &[(8, 8), (9, 9), (10, 10)]);
    // The third snapshot fails inside the transaction, after the first two rows were written.
    let mut batch: Vec<Snapshot> = games.iter().map(|g| snapshot(g, 5)).collect();
    batch[2] = Snapshot::new(2, 5, Board::new(11, 10).expect("board"), Outcome::Running);
    let err = store.save(id, &batch).expect_err("size mismatch");
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    batch[2] = Snapshot::new(99, 5, Board::new(10, 10).expect("board"), Outcome::Running);
    let err = store.save(id, &batch).expect_err("unknown game");
    assert!(matches!(err, StoreError::UnknownGame { game: 99, .. }), "{err}");
    assert!(err.to_string().contains("has no game 99"), "{err}");
    let err = store.save(TrialId::new(42), &batch[..1]).expect_err("unknown trial");
    assert!(matches!(err, StoreError::UnknownTrial { .. }), "{err}");
    let generations: Vec<u64> = store
        .load_trial(id)
        .expect("load")
        .snapshots
        .iter()
        .map(|s| s.generation)
        .collect();
    assert_eq!(generations, [0, 0, 0], "no snapshot of a failed batch is kept");
    store.save(id, &batch[..2]).expect("the connection is still usable");
}

#[test]
fn create_trial_checks_its_games() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::create(dir.path().join("check.db")).expect("create");
    let (a, b) = (game(0, 4, 4), game(1, 5, 5));
    let (sa, sb) = (snapshot(&a, 0), snapshot(&b, 0));
    let mut invalid = |games: &[GameRecord], initial: &[Snapshot], target: u64| {
        let result = store.create_trial("{}", target, games, initial);
        matches!(result, Err(StoreError::Invalid(_)))
    };
    let (two_a, a_and_b) = ([sa.clone(), sa.clone()], [sa.clone(), sb.clone()]);
    let wrong_size = [Snapshot { game: 0, ..sb.clone() }];
    assert!(invalid(&[a, a], &two_a, 1), "duplicate game");
    assert!(invalid(&[a, b], std::slice::from_ref(&sa), 1), "missing snapshot");
    assert!(invalid(&[a], &a_and_b, 1), "stray snapshot");
    assert!(invalid(&[a, b], &two_a, 1), "two snapshots of one game");
    assert!(invalid(&[a], &wrong_size, 1), "wrong size");
    assert!(invalid(&[a], std::slice::from_ref(&sa), u64::MAX), "target too large");
    assert_eq!(store.latest_trial().expect("latest"), None, "nothing was recorded");
    assert!(
        store.create_trial("{}", 1, &[], &[]).is_ok(),
        "a trial without games is allowed"
    );
}

#[test]
fn records_listings_and_finishing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("list.db");
    let mut store = Store::create(&path).expect("create");
    let spec = r#"{"games": 2, "rule": "B36/S23", "nested": {"x": [1, 2.5, null]}}"#;
    let games = [
        GameRecord {
            game: 0,
            seed: Some(u64::MAX),
            rule: "B36/S23".parse().expect("rule"),
            topology: Topology::Bounded,
            plane: false,
            width: 6,
            height: 5,
        },
        GameRecord {
            game: 7,
            seed: None,
            rule: Rule::CONWAY,
            topology: Topology::Torus,
            plane: false,
            width: 70,
            height: 2,
        },
    ];
    let initial: Vec<Snapshot> = games.iter().map(|g| snapshot(g, 0)).collect();
    let first = store.create_trial(spec, 500, &games, &initial).expect("trial");
    let still = Snapshot::new(7, 300, board_for(70, 2, 7, 300), Outcome::StillLife);
    store
        .save(first, &[snapshot(&games[0], 120), still.clone()])
        .expect("save");
    store.close().expect("close");

    let mut store = Store::create(&path).expect("create adds to an existing database");
    let (second, _) = trial(&mut store, &[(3, 3)]);
    assert!(second > first);
    assert_eq!(store.latest_trial().expect("latest"), Some(second));

    let record = store.load_trial(first).expect("load").trial;
    assert_eq!((record.spec_json.as_str(), record.target_generation), (spec, 500));
    assert_eq!(record.games, games);
    assert_eq!(record.finished_at, None);

    let trials = store.list_trials().expect("list");
    assert_eq!(trials.len(), 2);
    let t = &trials[0];
    assert_eq!(
        (t.id, t.games, t.min_generation, t.max_generation, t.settled),
        (first, 2, 120, 300, 1)
    );
    assert!(t.updated_at >= t.created_at && !t.is_complete());
    assert!(serde_json::to_string(&trials)
        .expect("json")
        .contains(r#""target_generation":500"#));

    let listed = store.list_games(first).expect("games");
    assert_eq!(listed.iter().map(|g| g.record.game).collect::<Vec<_>>(), [0, 7]);
    assert_eq!(
        (listed[1].generation, listed[1].outcome, listed[1].population),
        (300, Outcome::StillLife, still.population())
    );
    assert_eq!(listed[0].record.seed, Some(u64::MAX));

    store.mark_finished(first).expect("finish");
    let trials = store.list_trials().expect("list");
    assert!(trials[0].is_complete() && trials[0].finished_at.is_some());
    assert!(store.list_games(second).expect("games")[0].generation == 0);
}

#[test]
fn unknown_trials_and_games_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::create(dir.path().join("unknown.db")).expect("create");
    let (id, _) = trial(&mut store, &[(4, 4)]);
    let missing = TrialId::new(id.get() + 1);
    assert!(matches!(
        store.load_trial(missing),
        Err(StoreError::UnknownTrial { .. })
    ));
    assert!(matches!(
        store.list_games(missing),
        Err(StoreError::UnknownTrial { .. })
    ));
    assert!(matches!(
        store.mark_finished(missing),
        Err(StoreError::UnknownTrial { .. })
    ));
    assert!(matches!(
        store.load_game(missing, 0),
        Err(StoreError::UnknownTrial { .. })
    ));
    assert!(matches!(
        store.load_game(id, 1),
        Err(StoreError::UnknownGame { game: 1, .. })
    ));
}

#[test]
fn new_files_are_marked_as_colony_and_use_wal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("marked.db");
    let options = colony_store::StoreOptions {
        synchronous: colony_store::Synchronous::Full,
        ..colony_store::StoreOptions::default()
    };
    let mut store = Store::create_with(&path, options).expect("create");
    let (id, games) = trial(&mut store, &[(5, 5)]);
    store.save(id, &[snapshot(&games[0], 3)]).expect("save with FULL");
    store.close().expect("close");
    let raw = rusqlite::Connection::open(&path).expect("raw");
    let pragma = |name: &str| -> String {
        raw.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, rusqlite::types::Value>(0))
            .map(|v| format!("{v:?}"))
            .expect(name)
    };
    assert_eq!(pragma("journal_mode"), r#"Text("wal")"#);
    assert_eq!(
        pragma("application_id"),
        format!("Integer({})", colony_store::APPLICATION_ID)
    );
    assert_eq!(
        pragma("user_version"),
        format!("Integer({})", colony_store::SCHEMA_VERSION)
    );
    assert_eq!(pragma("page_size"), "Integer(65536)");
    let format: String = raw
        .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| r.get(0))
        .expect("meta");
    assert_eq!(format, "colony-checkpoints");
}
