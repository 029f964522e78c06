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
        report.results.iter().any(|r| r.end.label() == "extinct"),
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
async fn a_huge_batch_is_bounded_in_memory_in_both_modes() {
    // One 1x1 game asked for a billion generations in one batch used to reply a summary per
    // generation (24 GB). The reply holds one summary now, and the game, settled at once, jumps
    // to the end.
    let colony = Colony::init(ColonyConfig::default()).await.expect("colony");
    let spec = TrialSpec {
        games: 1,
        width: 1,
        height: 1,
        steps: 1_000_000_000,
        batch_size: 1_000_000_000,
        ..TrialSpec::default()
    };
    let seq = tokio::task::block_in_place(|| run_sequential(&spec, &Updates::default())).expect("sequential");
    let act = run_actors(&colony, &spec).await.expect("actors");
    assert_eq!(seq.results, act.results);
    assert_eq!(act.results[0].generation, 1_000_000_000);
    assert_eq!(
        act.cell_updates, 1e9,
        "generations counted from the reply, not its summaries"
    );
}

/// Games on the plane run as actors as they do one after another, and say what they became: a
/// glider flies (period 4, one cell down and right), an acorn reaches its known population.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plane_games_run_as_actors() {
    use colony_actors::trial::{Limits, TrialRequest};
    use colony_life::{Outcome, World};

    let colony = Colony::init(ColonyConfig::default()).await.expect("colony");
    for (pattern, steps, population, outcome) in [
        (
            "glider",
            1000,
            5,
            Outcome::Spaceship {
                period: 4,
                dx: 1,
                dy: 1,
            },
        ),
        ("acorn", 5206, 633, Outcome::Running),
    ] {
        let request: TrialRequest = serde_json::from_str(&format!(
            r#"{{"games": 2, "steps": {steps}, "batch_size": 1000, "topology": "plane", "pattern": "{pattern}"}}"#
        ))
        .expect("request");
        let spec = request.plan(&Limits::default()).expect("plan").spec;
        let seq = tokio::task::block_in_place(|| run_sequential(&spec, &Updates::default())).expect("sequential");
        let act = run_actors(&colony, &spec).await.expect("actors");
        assert_eq!(seq.results, act.results, "{pattern}");
        for r in &act.results {
            assert_eq!((r.generation, r.population), (steps, population), "{pattern}");
            assert_eq!(r.end.outcome(), Some(outcome), "{pattern}");
            assert_eq!(r.seed, None, "a pattern game has no soup seed");
        }
        assert!(act.boards.iter().all(|b| matches!(b, Some(World::Plane(_)))));
    }
    // A soup's extent on the plane: its cells start inside it, then spread past it.
    let request: TrialRequest =
        serde_json::from_str(r#"{"games": 1, "size": 32, "steps": 200, "topology": "plane", "seed": 5}"#)
            .expect("soup");
    let report = run_actors(&colony, &request.plan(&Limits::default()).expect("plan").spec)
        .await
        .expect("soup trial");
    assert_eq!(report.results[0].generation, 200);
}
