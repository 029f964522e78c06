//! cargo run -p colony-actors --example 3_wait_for_any
//!
//! Many game actors at once, results handled as they complete (Ray's `ray.wait`): games of
//! different sizes finish in a different order than they were asked.

use std::time::Duration;

use colony_actors::{wait, Colony, ColonyConfig, Detail, GameId, GameSpec};

#[tokio::main]
async fn main() -> Result<(), colony_actors::ColonyError> {
    let colony = Colony::init(ColonyConfig::default()).await?;
    let sizes = [1024, 64, 512, 16, 256];
    let mut games = Vec::new();
    for (i, &size) in sizes.iter().enumerate() {
        games.push(colony.spawn(GameId(i as u32), GameSpec::soup(size, i as u64)).await?);
    }
    let mut pending: Vec<_> = games.iter().map(|g| g.step(200, Detail::Summaries)).collect();
    while !pending.is_empty() {
        let waited = wait(pending, 1, Some(Duration::from_secs(1))).await;
        for (game, reply) in waited.ready {
            let last = reply?.summaries.last().copied();
            let size = sizes[game.0 as usize];
            if let Some(s) = last {
                println!(
                    "{game} ({size}x{size}) done: generation {}, population {}, {}",
                    s.generation, s.population, s.outcome
                );
            }
        }
        pending = waited.pending;
    }
    colony.kill(&games[0]);
    drop(games);
    tokio::time::sleep(Duration::from_millis(50)).await;
    println!("after kill and drop: {:?}", colony.resources());
    Ok(())
}
