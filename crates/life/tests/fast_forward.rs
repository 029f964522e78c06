//! Settled games jump ahead in `Game::advance`, and land exactly where stepping lands: the same
//! board, generation, outcome and history.

use std::time::Instant;

use colony_life::{Board, Game, Rule, Topology};
use proptest::prelude::*;

fn states(game: &Game) -> Vec<(u64, Board)> {
    game.history().map(|s| (s.generation(), s.board().clone())).collect()
}

#[test]
fn a_one_by_one_game_takes_a_billion_generations_in_no_time() {
    let mut board = Board::new(1, 1).expect("board");
    board.set(0, 0, true);
    let mut game = Game::new(board, Rule::CONWAY, Topology::Torus);
    let started = Instant::now();
    game.advance(1_000_000_000);
    // Stepping would take about a minute; a loaded machine still jumps in far less than this.
    assert!(started.elapsed().as_secs() < 5, "took {:?}", started.elapsed());
    assert_eq!(game.generation(), 1_000_000_000);
    assert_eq!(game.outcome().to_string(), "extinct");
    assert_eq!(game.history().len(), colony_life::DEFAULT_HISTORY);
    // And to the very last generation number, without overflowing.
    game.advance(u64::MAX);
    assert_eq!(game.generation(), u64::MAX);
}

#[test]
fn a_blinker_jumps_by_whole_periods() {
    let mut board = Board::new(5, 5).expect("board");
    for x in 1..4 {
        board.set(x, 2, true);
    }
    let mut jumped = Game::new(board.clone(), Rule::CONWAY, Topology::Torus);
    let mut stepped = Game::new(board, Rule::CONWAY, Topology::Torus);
    jumped.advance(1_000_001);
    for _ in 0..1_000_001 {
        stepped.step(1);
    }
    assert_eq!(states(&jumped), states(&stepped));
    assert_eq!(jumped.outcome(), stepped.outcome());
}

fn board() -> impl Strategy<Value = Board> {
    (1usize..9, 1usize..9).prop_flat_map(|(w, h)| {
        prop::collection::vec(any::<bool>(), w * h).prop_map(move |cells| {
            let rows: Vec<Vec<bool>> = cells.chunks(w).map(<[bool]>::to_vec).collect();
            Board::from_rows(&rows).expect("board")
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn fast_forwarded_games_equal_stepped_games(
        board in board(),
        birth in 0u16..512,
        survival in 0u16..512,
        torus in any::<bool>(),
        history in 1usize..20,
        first in 0u64..300,
        second in 0u64..3000,
    ) {
        let rule = Rule::from_masks(birth, survival);
        let topology = if torus { Topology::Torus } else { Topology::Bounded };
        let mut jumped = Game::new(board.clone(), rule, topology).with_history(history).expect("history");
        let mut stepped = Game::new(board, rule, topology).with_history(history).expect("history");
        for n in [first, second] {
            jumped.advance(n);
            for _ in 0..n {
                stepped.step(1);
            }
            prop_assert_eq!(states(&jumped), states(&stepped));
            prop_assert_eq!(jumped.outcome(), stepped.outcome());
        }
    }
}

#[test]
fn outcomes_claimed_from_outside_are_checked_before_anyone_jumps() {
    use colony_life::Outcome;
    // A glider on a torus is no oscillator of period 2 (nor 0, nor u64::MAX), whatever a tampered
    // checkpoint says: the claim is ignored and the game steps like any other.
    let mut board = Board::new(8, 8).expect("board");
    for (x, y) in [(1, 0), (2, 1), (0, 2), (1, 2), (2, 2)] {
        board.set(x, y, true);
    }
    let mut stepped = Game::new(board.clone(), Rule::CONWAY, Topology::Torus);
    stepped.advance(1001);
    for claim in [
        Outcome::Oscillating { period: 2 },
        Outcome::Oscillating { period: 0 },
        Outcome::Oscillating { period: u64::MAX },
        Outcome::StillLife,
        Outcome::Extinct,
    ] {
        let mut game = Game::new(board.clone(), Rule::CONWAY, Topology::Torus).with_known_outcome(claim);
        assert_eq!(game.outcome(), Outcome::Running, "{claim:?} refused");
        game.advance(1001);
        assert_eq!(game.current().board(), stepped.current().board(), "{claim:?}");
    }
    // A true claim is kept: a blinker is an oscillator of period 2.
    let mut blinker = Board::new(5, 5).expect("board");
    for x in 1..4 {
        blinker.set(x, 2, true);
    }
    let game = Game::new(blinker, Rule::CONWAY, Topology::Torus).with_known_outcome(Outcome::Oscillating { period: 2 });
    assert_eq!(game.outcome(), Outcome::Oscillating { period: 2 });
}
