//! The trial runners: both modes give bit-identical games.

use std::time::Duration;

use colony_actors::trial::{run_actors, run_sequential, Mode, TrialSpec};
use colony_actors::{Colony, ColonyConfig, Updates};
use colony_life::Rule;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequential_and_actor_modes_end_bit_identical() {
    let colony = Colony::init(ColonyConfig {
        workers: Some(2),
        ..ColonyConfig::default()
    })
    .await
    .expect("colony");
    for (batch_size, rule) in [(1, Rule::CONWAY), (7, "B36/S23".parse().expect("rule"))] {
        let spec = TrialSpec {
            games: 5,
            width: 70,
            height: 40,
            steps: 23,
            batch_size,
            seed: 10,
            rule,
            ..TrialSpec::default()
        };
        let seq = tokio::task::block_in_place(|| run_sequential(&spec, &Updates::default())).expect("sequential");
        let act = run_actors(&colony, &spec).await.expect("actors");
        assert_eq!(seq.mode, Mode::Sequential);
        assert_eq!(act.mode, Mode::Actors);
        assert_eq!(seq.results, act.results);
        for i in 0..spec.games {
            let (a, b) = (
                seq.boards[i].as_ref().expect("board"),
                act.boards[i].as_ref().expect("board"),
            );
            assert_eq!(a, b, "game {i} differs between modes");
            assert_eq!(seq.results[i].generation, 23, "a last partial batch runs");
            assert_eq!(seq.results[i].seed, Some(10 + i as u64));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extinct_games_do_not_stop_the_trial() {
    let colony = Colony::init(ColonyConfig::default()).await.expect("colony");
    // Density 0.02 on 8x8: soups die out within a few generations.
    let spec = TrialSpec {
        games: 4,
        width: 8,
        height: 8,
        steps: 30,
        batch_size: 4,
        density: 0.02,
        pause: Duration::from_millis(1),
        ..TrialSpec::default()
    };
    let report = run_actors(&colony, &spec).await.expect("trial");
    assert!(report.results.iter().all(|r| r.generation == 30));
    assert!(
        report.results.iter().any(|r| r.outcome == "extinct"),
        "{:?}",
        report.results
    );
    let json = serde_json::to_value(&report).expect("json");
    for key in ["mode", "games", "steps", "batch_size", "seconds", "results"] {
        assert!(json.get(key).is_some(), "report has {key}");
    }
    assert_eq!(json["results"][0]["game"], 0);
}

#[test]
fn bad_trials_are_refused() {
    let updates = Updates::default();
    for spec in [
        TrialSpec {
            games: 0,
            ..TrialSpec::default()
        },
        TrialSpec {
            batch_size: 0,
            ..TrialSpec::default()
        },
        TrialSpec {
            width: 0,
            ..TrialSpec::default()
        },
        TrialSpec {
            density: -0.5,
            ..TrialSpec::default()
        },
    ] {
        assert!(run_sequential(&spec, &updates).is_err(), "{spec:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trial_can_be_paused_resumed_and_lose_a_killed_game() {
    use colony_actors::trial::{run_actors_controlled, TrialControl};
    use colony_actors::GameId;
    let colony = Colony::init(ColonyConfig::default()).await.expect("colony");
    let spec = TrialSpec {
        games: 3,
        width: 32,
        height: 32,
        steps: 40,
        batch_size: 1,
        pause: Duration::from_millis(2),
        ..TrialSpec::default()
    };
    let control = TrialControl::new();
    control.pause();
    let run = {
        let (colony, spec, control) = (colony.clone(), spec.clone(), control.clone());
        tokio::spawn(async move { run_actors_controlled(&colony, &spec, &control).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!run.is_finished(), "paused before the first batch");
    assert!(
        colony.actors().iter().all(|a| a.generation == 0),
        "no game advanced while paused"
    );
    assert!(control.kill(GameId(1)));
    assert!(!control.kill(GameId(9)), "no such game");
    control.resume();
    let report = run.await.expect("join").expect("trial");
    assert_eq!(report.results[1].outcome, "killed");
    assert_eq!(report.results[0].generation, 40);
    assert_eq!(report.results[2].generation, 40);
}
