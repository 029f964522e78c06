//! Checkpoints and supervision: a failing game restarts from its checkpoint and ends identical.

use std::time::Duration;

use colony_actors::trial::{
    record_trial, run_actors_with, run_sequential, Checkpointing, RunOptions, TrialControl, TrialSpec,
};
use colony_actors::{Colony, ColonyConfig, GameId, GameUpdate, Start, Updates};
use colony_store::{CheckpointWriter, Store};

fn spec() -> TrialSpec {
    TrialSpec {
        games: 4,
        width: 96,
        height: 64,
        steps: 120,
        batch_size: 5,
        seed: 77,
        // 24 batches x 10 ms: the run lasts 240 ms or more, so a fault injected at 80 ms lands mid-run.
        pause: Duration::from_millis(10),
        ..TrialSpec::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_game_restarts_from_its_checkpoint_and_ends_identical() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = spec();
    let reference = tokio::task::block_in_place(|| run_sequential(&spec, &Updates::default())).expect("reference");

    let mut store = Store::create(dir.path().join("trial.db")).expect("store");
    let trial = record_trial(&mut store, &spec).expect("record");
    let writer = CheckpointWriter::spawn(store, trial).expect("writer");
    let colony = Colony::init(ColonyConfig::default()).await.expect("colony");
    let mut updates = colony.updates().subscribe();
    let control = TrialControl::new();
    let options = RunOptions {
        control: control.clone(),
        checkpoints: Some(Checkpointing {
            sender: writer.sender(),
            every: Some(10),
            interval: None,
        }),
        ..RunOptions::default()
    };
    let run = {
        let (colony, spec, options) = (colony.clone(), spec.clone(), options.clone());
        tokio::spawn(async move { run_actors_with(&colony, &spec, &options).await })
    };
    // Let the games pass a few checkpoints, then make game 2 panic.
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert!(control.inject_fault(GameId(2), true), "game 2 is running");
    let report = run.await.expect("join").expect("trial");

    let mut restarted = None;
    while let Ok(update) = updates.try_recv() {
        if let GameUpdate::Restarted { game, generation } = update {
            restarted = Some((game, generation));
        }
    }
    let (game, generation) = restarted.expect("a Restarted update");
    assert_eq!(game, GameId(2));
    assert!(
        generation > 0 && generation % 10 == 0,
        "resumed from a checkpoint, got {generation}"
    );
    assert_eq!(report.results[2].restarts, 1);
    for i in 0..spec.games {
        assert_eq!(report.boards[i], reference.boards[i], "game {i} ends identical");
        assert_eq!(report.results[i].generation, 120);
        assert_eq!(report.results[i].fingerprint, reference.results[i].fingerprint);
        if i != 2 {
            assert_eq!(report.results[i].restarts, 0, "game {i} never noticed");
        }
    }
    let store = writer.finish().expect("writer");
    let saved = store.load_trial(trial).expect("load");
    for (i, snapshot) in saved.snapshots.iter().enumerate() {
        assert_eq!(snapshot.generation, 120);
        assert_eq!(
            Some(&snapshot.board),
            reference.boards[i].as_ref(),
            "checkpoint of game {i} is the final board"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trial_resumed_from_mid_run_checkpoints_ends_identical() {
    let spec = spec();
    let reference = tokio::task::block_in_place(|| run_sequential(&spec, &Updates::default())).expect("reference");
    // Games stopped at different generations, as a crash leaves them.
    let partial = TrialSpec {
        steps: 0,
        ..spec.clone()
    };
    let mut starts = Vec::new();
    for (i, stop) in [17u64, 60, 0, 119].into_iter().enumerate() {
        let part = TrialSpec {
            steps: stop,
            ..partial.clone()
        };
        let r = tokio::task::block_in_place(|| run_sequential(&part, &Updates::default())).expect("partial");
        let board = match r.boards[i].clone() {
            Some(b) => b,
            None => std::sync::Arc::new(spec.game(i).build().expect("game").current().board().clone()),
        };
        starts.push(Start::Board {
            board,
            generation: stop,
            outcome: colony_life::Outcome::Running,
        });
    }
    let colony = Colony::init(ColonyConfig::default()).await.expect("colony");
    let options = RunOptions {
        starts: Some(starts),
        ..RunOptions::default()
    };
    let report = run_actors_with(&colony, &spec, &options).await.expect("resume");
    for i in 0..spec.games {
        assert_eq!(report.boards[i], reference.boards[i], "game {i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarts_are_bounded() {
    let colony = Colony::init(ColonyConfig::default()).await.expect("colony");
    let control = TrialControl::new();
    let spec = TrialSpec {
        games: 2,
        steps: 400,
        pause: Duration::from_millis(2),
        ..spec()
    };
    let options = RunOptions {
        control: control.clone(),
        supervision: colony_actors::trial::Supervision {
            max_restarts: 2,
            backoff: Duration::from_millis(1),
        },
        ..RunOptions::default()
    };
    let run = {
        let (colony, spec, options) = (colony.clone(), spec.clone(), options.clone());
        tokio::spawn(async move { run_actors_with(&colony, &spec, &options).await })
    };
    // Fail game 0 again and again: after two restarts it is given up; game 1 finishes.
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        control.inject_fault(GameId(0), false);
    }
    let report = run.await.expect("join").expect("trial");
    assert_eq!(report.results[0].outcome, "failed");
    assert_eq!(report.results[0].restarts, 2);
    assert_eq!(report.results[1].generation, 400);
}
