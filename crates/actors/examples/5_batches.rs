//! cargo run --release -p colony-actors --example 5_batches
//!
//! The tutorial's batch-size experiment: one game, 50 steps, asked for in batches of 1, 10, 25
//! and 50 generations, twice each, sequentially and as an actor.

use colony_actors::trial::{run_actors, run_sequential, TrialSpec};
use colony_actors::{Colony, ColonyConfig};

#[tokio::main]
async fn main() -> Result<(), colony_actors::ColonyError> {
    let colony = Colony::init(ColonyConfig::default()).await?;
    for batch_size in [1, 10, 25, 50] {
        for _ in 0..2 {
            let spec = TrialSpec {
                batch_size,
                ..TrialSpec::default()
            };
            let sequential = tokio::task::block_in_place(|| run_sequential(&spec, colony.updates()))?;
            let actors = run_actors(&colony, &spec).await?;
            println!("{}   sequential", sequential.timing_line());
            println!("{}   actors", actors.timing_line());
        }
    }
    Ok(())
}
