//! cargo run --release -p colony-actors --example 4_trials
//!
//! The tutorial's `do_trial` and `do_ray_trial`: the same games run one after another, then one
//! actor per game on every core, with the tutorial's timing line.

use colony_actors::trial::{run_actors, run_sequential, TrialSpec};
use colony_actors::{Colony, ColonyConfig};

#[tokio::main]
async fn main() -> Result<(), colony_actors::ColonyError> {
    let colony = Colony::init(ColonyConfig::default()).await?;
    let spec = TrialSpec {
        games: colony.workers() * 4,
        width: 256,
        height: 256,
        steps: 100,
        batch_size: 10,
        ..TrialSpec::default()
    };
    let sequential = tokio::task::block_in_place(|| run_sequential(&spec, colony.updates()))?;
    println!("{}   (sequential)", sequential.timing_line());
    let actors = run_actors(&colony, &spec).await?;
    println!("{}   (actors, {} workers)", actors.timing_line(), colony.workers());
    println!(
        "speed-up: {:.2}x; identical results: {}",
        sequential.seconds / actors.seconds,
        sequential.results == actors.results
    );
    Ok(())
}
