//! The trial supervisor, with no web server and no database: start, pause, cancel, kill, several
//! trials at once, restarts from checkpoints (kept in memory here), and no actor left behind.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use colony_actors::trial::{run_sequential, GameEnd, Supervision, TrialReport, TrialSpec};
use colony_actors::{
    CheckpointSink, Checkpointing, Colony, ColonyConfig, ColonyError, GameId, GameUpdate, Snapshot, Start, TrialId,
    TrialOptions, TrialStatus, TrialSupervisor, Updates,
};
use colony_life::Outcome;

async fn colony() -> Colony {
    Colony::init(ColonyConfig {
        workers: Some(2),
        ..ColonyConfig::default()
    })
    .await
    .expect("colony")
}

fn supervisor(colony: &Colony) -> TrialSupervisor {
    TrialSupervisor::new(Arc::new(colony.clone()), Default::default())
}

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

fn reference(spec: &TrialSpec) -> TrialReport {
    tokio::task::block_in_place(|| run_sequential(spec, &Updates::default())).expect("reference")
}

/// Checkpoints in memory: the newest snapshot per game, and whether the trial was finished.
#[derive(Default)]
struct Memory {
    games: Mutex<HashMap<GameId, Snapshot>>,
    finished: Mutex<Option<bool>>,
}

impl CheckpointSink for Memory {
    fn save(&self, snapshots: Vec<(GameId, Snapshot)>) -> Result<(), String> {
        let mut games = self.games.lock().map_err(|e| e.to_string())?;
        for (game, snapshot) in snapshots {
            let older = games
                .get(&game)
                .is_none_or(|s| s.summary.generation <= snapshot.summary.generation);
            assert!(older, "{game}: a checkpoint never moves backwards");
            games.insert(game, snapshot);
        }
        Ok(())
    }
    fn flush(&self) -> Result<(), String> {
        Ok(())
    }
    fn load(&self, game: GameId) -> Result<Option<Snapshot>, String> {
        Ok(self.games.lock().map_err(|e| e.to_string())?.get(&game).cloned())
    }
    fn finish(&self, report: &TrialReport) -> Result<(), String> {
        *self.finished.lock().map_err(|e| e.to_string())? = Some(report.reached_target());
        Ok(())
    }
}

async fn no_actor_left(colony: &Colony) {
    for _ in 0..200 {
        if colony.actors().is_empty() && colony.resources().live_actors == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("actors left behind: {:?}", colony.actors());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_game_restarts_from_its_checkpoint_and_ends_identical() {
    let spec = spec();
    let reference = reference(&spec);
    let colony = colony().await;
    let mut updates = colony.updates().subscribe_events();
    let memory = Arc::new(Memory::default());
    let options = TrialOptions {
        checkpoints: Some(Checkpointing {
            sink: memory.clone(),
            every: Some(10),
            interval: None,
        }),
        ..TrialOptions::default()
    };
    let trial = supervisor(&colony).start(spec.clone(), options).await.expect("start");
    // Let the games pass a few checkpoints, then make game 2 panic.
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert!(trial.control().inject_fault(GameId(2), true), "game 2 is running");
    let report = trial.ended().await.expect("trial");

    let mut restarted = None;
    while let Ok(update) = updates.try_recv() {
        if let GameUpdate::Restarted {
            trial: t,
            game,
            generation,
        } = update
        {
            assert_eq!(t, trial.id());
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
        let saved = memory.load(GameId(i as u32)).expect("load").expect("saved");
        assert_eq!(saved.summary.generation, 120);
        assert_eq!(
            Some(&saved.board),
            reference.boards[i].as_ref(),
            "the last checkpoint is the final board"
        );
    }
    assert_eq!(*memory.finished.lock().expect("lock"), Some(true));
    no_actor_left(&colony).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trial_resumed_from_mid_run_checkpoints_ends_identical() {
    let spec = spec();
    let reference = reference(&spec);
    // Games stopped at different generations, as a crash leaves them.
    let mut starts = Vec::new();
    for (i, stop) in [17u64, 60, 0, 119].into_iter().enumerate() {
        let part = TrialSpec {
            steps: stop,
            ..spec.clone()
        };
        let r = reference_at(&part);
        let board = r.boards[i].clone().expect("board");
        starts.push(Start::Board {
            board,
            generation: stop,
            outcome: Outcome::Running,
        });
    }
    let colony = colony().await;
    let options = TrialOptions {
        starts: Some(starts),
        ..TrialOptions::default()
    };
    let report = supervisor(&colony).run(spec.clone(), options).await.expect("resume");
    for i in 0..spec.games {
        assert_eq!(report.boards[i], reference.boards[i], "game {i}");
    }
}

fn reference_at(spec: &TrialSpec) -> TrialReport {
    if spec.steps > 0 {
        return reference(spec);
    }
    // No step at all: the games' first boards.
    let mut report = reference(&TrialSpec {
        steps: 1,
        ..spec.clone()
    });
    for (i, b) in report.boards.iter_mut().enumerate() {
        *b = Some(spec.game(i).build().expect("game").world());
    }
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarts_are_bounded() {
    let colony = colony().await;
    let spec = TrialSpec {
        games: 2,
        steps: 400,
        pause: Duration::from_millis(2),
        ..spec()
    };
    let options = TrialOptions {
        supervision: Supervision {
            max_restarts: 2,
            backoff: Duration::from_millis(1),
        },
        ..TrialOptions::default()
    };
    let trial = supervisor(&colony).start(spec, options).await.expect("start");
    // Fail game 0 again and again: after two restarts it is given up; game 1 finishes.
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        trial.control().inject_fault(GameId(0), false);
    }
    let report = trial.ended().await.expect("trial");
    assert!(
        matches!(report.results[0].end, GameEnd::Failed { .. }),
        "{:?}",
        report.results[0]
    );
    assert_eq!(report.results[0].restarts, 2);
    assert_eq!(report.results[1].generation, 400);
    no_actor_left(&colony).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_pause_kill_resume_and_finish() {
    let colony = colony().await;
    let supervisor = supervisor(&colony);
    let spec = TrialSpec {
        games: 3,
        width: 32,
        height: 32,
        steps: 40,
        pause: Duration::from_millis(2),
        ..TrialSpec::default()
    };
    let options = TrialOptions {
        paused: true,
        source: "test",
        ..TrialOptions::default()
    };
    let trial = supervisor.start(spec, options).await.expect("start");
    assert_eq!(trial.first_states().len(), 3);
    assert!(trial.first_states().iter().all(|s| s.summary.generation == 0));
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(supervisor.info(trial.id()).map(|i| i.status), Some(TrialStatus::Paused));
    assert!(
        colony
            .actors()
            .iter()
            .all(|a| a.generation == 0 && a.trial == trial.id()),
        "none advanced while paused"
    );
    supervisor.kill(trial.id(), GameId(1)).expect("kill game 1");
    assert!(matches!(
        supervisor.kill(trial.id(), GameId(9)),
        Err(ColonyError::NoSuchGame { games: 3, .. })
    ));
    assert!(matches!(
        supervisor.kill(TrialId(99), GameId(0)),
        Err(ColonyError::NoSuchTrial(_))
    ));
    supervisor.pause(trial.id(), false).expect("resume");
    let report = supervisor.wait(trial.id()).await.expect("trial");
    assert!(matches!(report.results[1].end, GameEnd::Killed { .. }));
    assert_eq!((report.results[0].generation, report.results[2].generation), (40, 40));
    assert_eq!(
        supervisor.info(trial.id()).map(|i| i.status),
        Some(TrialStatus::Finished)
    );
    assert!(
        supervisor.pause(trial.id(), true).is_err(),
        "a finished trial cannot be paused"
    );
    no_actor_left(&colony).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_trials_at_once_and_a_cancel_leaves_no_actor() {
    let colony = colony().await;
    let supervisor = supervisor(&colony);
    let long = TrialSpec {
        games: 2,
        width: 40,
        height: 40,
        steps: 1_000_000,
        pause: Duration::from_millis(1),
        ..TrialSpec::default()
    };
    let short = TrialSpec {
        games: 3,
        steps: 30,
        seed: 5,
        ..TrialSpec::default()
    };
    let a = supervisor.start(long, TrialOptions::default()).await.expect("a");
    let b = supervisor
        .start(short.clone(), TrialOptions::default())
        .await
        .expect("b");
    assert_ne!(a.id(), b.id());
    let listed: Vec<TrialId> = supervisor.list().iter().map(|i| i.id).collect();
    assert_eq!(listed, vec![a.id(), b.id()]);
    let report = b.ended().await.expect("b ends while a runs");
    assert_eq!(
        report.results,
        reference(&short).results,
        "the other trial does not disturb it"
    );
    assert_eq!(supervisor.info(a.id()).map(|i| i.status), Some(TrialStatus::Running));
    supervisor.cancel(a.id(), true).expect("cancel");
    let cancelled = a.ended().await.expect("a's report");
    assert!(cancelled.cancelled);
    assert_eq!(supervisor.info(a.id()).map(|i| i.status), Some(TrialStatus::Cancelled));
    no_actor_left(&colony).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_trial_leaves_no_actor_and_the_limit_holds() {
    let colony = colony().await;
    let supervisor = TrialSupervisor::new(
        Arc::new(colony.clone()),
        colony_actors::supervisor::SupervisorConfig {
            max_running: 1,
            ..Default::default()
        },
    );
    let bad = TrialOptions {
        starts: Some(vec![]),
        ..TrialOptions::default()
    };
    assert!(
        supervisor.start(spec(), bad).await.is_err(),
        "starts must match the games"
    );
    let running = supervisor
        .start(
            TrialSpec {
                steps: 1_000_000,
                pause: Duration::from_millis(1),
                ..spec()
            },
            TrialOptions::default(),
        )
        .await
        .expect("first");
    let busy = supervisor.start(spec(), TrialOptions::default()).await;
    assert!(matches!(busy, Err(ColonyError::Busy(_))), "one at a time here");
    supervisor.cancel(running.id(), true).expect("cancel");
    running.ended().await.expect("ended");
    no_actor_left(&colony).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_game_that_does_not_reply_in_time_is_stopped_and_restarted() {
    let colony = Colony::init(ColonyConfig {
        workers: Some(2),
        call_timeout: Some(Duration::from_millis(60)),
        ..ColonyConfig::default()
    })
    .await
    .expect("colony");
    // Game 1's boards are big enough that its batch outlasts the timeout every time.
    let spec = TrialSpec {
        games: 1,
        width: 2048,
        height: 2048,
        steps: 4000,
        batch_size: 2000,
        ..TrialSpec::default()
    };
    let options = TrialOptions {
        supervision: Supervision {
            max_restarts: 1,
            backoff: Duration::from_millis(1),
        },
        ..TrialOptions::default()
    };
    let report = supervisor(&colony).run(spec, options).await.expect("the trial ends");
    let result = &report.results[0];
    assert_eq!(result.restarts, 1);
    assert!(
        matches!(&result.end, GameEnd::Failed { error } if error.contains("did not reply within")),
        "{result:?}"
    );
    no_actor_left(&colony).await;
}
