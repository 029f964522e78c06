//! cargo run -p colony-actors --example 1_model
//!
//! The tutorial's first cells: a `State` on a 10×10 torus, printed in its text format, and a
//! `Game` stepped a few generations (each step is a new generation, not a copy of one).

use colony_life::{soup, Game, Rule, Topology};

fn main() -> Result<(), colony_life::LifeError> {
    let board = soup(10, 10, 42, 0.5)?;
    let mut game = Game::new(board, Rule::CONWAY, Topology::Torus).with_history(10)?;
    println!("Initial state:\n{}", game.current());
    for state in game.step(3) {
        println!(
            "\nstate #{}: (population {})\n{state}",
            state.generation(),
            state.population()
        );
    }
    println!(
        "\nliving cells of the last state (row, column): {:?}",
        game.current().living_cells()
    );
    println!("outcome so far: {}", game.outcome());
    Ok(())
}
