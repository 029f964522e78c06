//! cargo run -p colony-actors --example 2_one_actor
//!
//! The tutorial's `try_ray_game_actor`: one game as an actor, stepped twice, its states fetched
//! with a call (Ray's `ray.get(actor.step.remote())`).

use colony_actors::{Colony, ColonyConfig, Detail, GameId, GameSpec};
use colony_life::State;

#[tokio::main]
async fn main() -> Result<(), colony_actors::ColonyError> {
    let colony = Colony::init(ColonyConfig::default()).await?;
    let game = colony.spawn(GameId(0), GameSpec::soup(12, 7)).await?;
    println!("Actor for game: {} (actor {})", game.id(), game.actor().get_id());
    let initial = game.state().await?;
    println!(
        "Initial state:\n{}",
        State::from_shared(initial.board, initial.summary.generation)
    );
    for _ in 0..2 {
        let reply = game.step(1, Detail::States).await?;
        let summary = reply.summaries[0];
        let board = reply.boards[0].clone();
        println!(
            "State after step #{}:\n{}",
            summary.generation,
            State::from_shared(board, summary.generation)
        );
    }
    println!("resources: {:?}", colony.resources());
    Ok(())
}
