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
    // A soup on a board: its cells are a board's (a game on the plane would carry a quadtree).
    let show = |world: &colony_life::World, generation| match world.board() {
        Some(board) => State::from_shared(board.clone(), generation).to_string(),
        None => format!("{world:?}"),
    };
    println!("Initial state:\n{}", show(&initial.board, initial.summary.generation));
    for _ in 0..2 {
        let reply = game.step(1, Detail::States).await?;
        let summary = reply.summaries[0];
        println!(
            "State after step #{}:\n{}",
            summary.generation,
            show(&reply.boards[0], summary.generation)
        );
    }
    println!("resources: {:?}", colony.resources());
    Ok(())
}
