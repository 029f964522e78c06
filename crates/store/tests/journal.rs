//! A trial checkpointed into SQLite through the runtime's sink: a failing game restarts from its
//! last checkpoint in the file and ends identical; the file says the trial finished; a resume of
//! the file reads it back.

use std::sync::Arc;
use std::time::Duration;

use colony_actors::trial::{run_sequential, TrialSpec};
use colony_actors::{Colony, ColonyConfig, GameId, TrialOptions, TrialSupervisor, Updates};
use colony_store::{Journal, Store};

fn spec() -> TrialSpec {
    TrialSpec {
        games: 3,
        width: 80,
        height: 48,
        steps: 100,
        batch_size: 5,
        seed: 41,
        // 20 batches x 10 ms: a fault injected at 60 ms lands mid-run.
        pause: Duration::from_millis(10),
        ..TrialSpec::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_game_restarts_from_the_file_and_the_trial_is_marked_finished() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("trial.db");
    let spec = spec();
    let reference = tokio::task::block_in_place(|| run_sequential(&spec, &Updates::default())).expect("reference");
    let journal = Journal::create(&db, &spec).expect("journal");
    let trial = journal.trial();
    let colony = Colony::init(ColonyConfig::default()).await.expect("colony");
    let supervisor = TrialSupervisor::new(Arc::new(colony.clone()), Default::default());
    let options = TrialOptions {
        checkpoints: Some(journal.checkpointing(Some(10), None)),
        ..TrialOptions::default()
    };
    let running = supervisor.start(spec.clone(), options).await.expect("start");
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert!(running.control().inject_fault(GameId(1), false), "game 1 is running");
    let report = running.ended().await.expect("trial");
    assert_eq!(report.results[1].restarts, 1);
    for i in 0..spec.games {
        assert_eq!(report.boards[i], reference.boards[i], "game {i} ends identical");
    }
    let store = Store::open(&db).expect("open");
    let listed = store.list_trials().expect("list");
    assert!(listed.iter().any(|t| t.id == trial && t.is_complete()), "{listed:?}");
    let saved = store.load_trial(trial).expect("load");
    for (i, s) in saved.snapshots.iter().enumerate() {
        assert_eq!((s.generation, Some(&s.board)), (100, reference.boards[i].as_ref()));
    }
    drop(store);
    let resumed = Journal::resume(&db, None).expect("resume");
    assert_eq!((resumed.spec, resumed.behind, resumed.lowest), (spec, 0, 100));
}

#[test]
fn a_bad_spec_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("never.db");
    let bad = TrialSpec {
        games: 0,
        ..TrialSpec::default()
    };
    assert!(Journal::create(&db, &bad).is_err());
    assert!(!db.exists(), "refused before the file is created");
}

/// Plane games checkpoint as macrocell, restart from the file after a fault and end as an
/// uninterrupted run does, and as a dense board large enough that the pattern never meets its
/// edge does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plane_games_checkpoint_restart_and_resume_exactly() {
    use colony_actors::trial::{Limits, TrialRequest};
    use colony_actors::Space;
    use colony_life::{pattern, CellSink, Cells, Dense, Rule, Topology, Universe, World};

    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("plane.db");
    let request: TrialRequest = serde_json::from_str(
        r#"{"games": 3, "steps": 300, "batch_size": 5, "pause": 0.01, "topology": "plane", "pattern": "r-pentomino"}"#,
    )
    .expect("request");
    let spec = request.plan(&Limits::default()).expect("plan").spec;
    assert_eq!(spec.space, Space::Plane);
    let reference = tokio::task::block_in_place(|| run_sequential(&spec, &Updates::default())).expect("reference");
    // The reference kernel on a 600x600 bounded board, the pentomino in the middle.
    let r = pattern::named("r-pentomino").expect("library");
    let mut dense = Dense::new(600, 600, Rule::CONWAY, Topology::Bounded).expect("board");
    for (x, y) in r.board.live_cells() {
        dense.set_cell(300 + x as i64, 300 + y as i64, true).expect("cell");
    }
    dense.advance(300, &mut |_| true).expect("advance");

    let journal = Journal::create(&db, &spec).expect("journal");
    let trial = journal.trial();
    let colony = Colony::init(ColonyConfig::default()).await.expect("colony");
    let supervisor = TrialSupervisor::new(Arc::new(colony.clone()), Default::default());
    let options = TrialOptions {
        checkpoints: Some(journal.checkpointing(Some(25), None)),
        ..TrialOptions::default()
    };
    let running = supervisor.start(spec.clone(), options).await.expect("start");
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(running.control().inject_fault(GameId(1), false), "game 1 is running");
    let report = running.ended().await.expect("trial");
    assert_eq!(report.results[1].restarts, 1);
    for i in 0..spec.games {
        assert_eq!(report.boards[i], reference.boards[i], "game {i} ends identical");
        let Some(World::Plane(plane)) = &report.boards[i] else {
            panic!("game {i} is not on the plane: {:?}", report.boards[i]);
        };
        assert_eq!((plane.generation(), plane.population()), (300, dense.population()));
    }
    let store = Store::open(&db).expect("open");
    let saved = store.load_trial(trial).expect("load");
    for (i, s) in saved.snapshots.iter().enumerate() {
        assert_eq!((s.generation, Some(&s.board)), (300, reference.boards[i].as_ref()));
    }
    assert!(saved.trial.games.iter().all(|g| g.plane));
    drop(store);
    let resumed = Journal::resume(&db, None).expect("resume");
    assert_eq!((resumed.spec, resumed.behind, resumed.lowest), (spec, 0, 300));
}
