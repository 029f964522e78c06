//! The fast kernel must equal the reference kernel, which must match hand-checked boards.

use colony_life::kernel::{Bitwise, Kernel, Reference, Simd};
use colony_life::{soup, Board, Rule, Topology};
use proptest::prelude::*;

fn board_from(text: &[&str]) -> Board {
    let rows: Vec<Vec<bool>> = text.iter().map(|r| r.chars().map(|c| c == 'O').collect()).collect();
    Board::from_rows(&rows).expect("valid board")
}

fn reference_step(board: &Board, rule: Rule, topology: Topology) -> Board {
    let mut out = board.clone();
    Reference.step(board, &mut out, rule, topology);
    out
}

#[test]
fn single_cell_on_a_1x1_torus_counts_itself_eight_times() {
    // The tutorial's live_neighbors wraps every offset: the only cell is its own 8 neighbours.
    let alive = board_from(&["O"]);
    assert_eq!(Reference::neighbours(&alive, 0, 0, Topology::Torus), 8);
    assert_eq!(Reference::neighbours(&alive, 0, 0, Topology::Bounded), 0);
    // 8 neighbours: dies under B3/S23, survives under a rule with S8.
    assert_eq!(reference_step(&alive, Rule::CONWAY, Topology::Torus).population(), 0);
    let s8: Rule = "B3/S8".parse().expect("rule");
    assert_eq!(reference_step(&alive, s8, Topology::Torus).population(), 1);
    let dead = board_from(&["."]);
    let b0: Rule = "B0/S".parse().expect("rule");
    assert_eq!(reference_step(&dead, b0, Topology::Torus).population(), 1);
}

#[test]
fn two_by_two_torus_counts_each_neighbour_twice_or_more() {
    // On 2x2, offsets -1 and +1 land on the same cell: each other cell is counted 2 or 4 times.
    let b = board_from(&["O.", ".."]);
    assert_eq!(Reference::neighbours(&b, 1, 0, Topology::Torus), 2);
    assert_eq!(Reference::neighbours(&b, 0, 1, Topology::Torus), 2);
    assert_eq!(Reference::neighbours(&b, 1, 1, Topology::Torus), 4);
    assert_eq!(Reference::neighbours(&b, 0, 0, Topology::Torus), 0);
    // A full 2x2 torus: every cell sees 8 live neighbours and dies.
    let full = board_from(&["OO", "OO"]);
    assert_eq!(Reference::neighbours(&full, 0, 0, Topology::Torus), 8);
    assert_eq!(reference_step(&full, Rule::CONWAY, Topology::Torus).population(), 0);
    // Bounded, the same block is a still life.
    assert_eq!(reference_step(&full, Rule::CONWAY, Topology::Bounded), full);
}

#[test]
fn hand_checked_blinker_and_edges() {
    let horizontal = board_from(&[".....", ".....", ".OOO.", ".....", "....."]);
    let vertical = board_from(&[".....", "..O..", "..O..", "..O..", "....."]);
    assert_eq!(reference_step(&horizontal, Rule::CONWAY, Topology::Torus), vertical);
    assert_eq!(reference_step(&vertical, Rule::CONWAY, Topology::Torus), horizontal);
    // A blinker across the left/right seam of a torus still blinks.
    let seam = board_from(&[".....", ".....", "OO..O", ".....", "....."]);
    let seam_v = board_from(&[".....", "O....", "O....", "O....", "....."]);
    assert_eq!(reference_step(&seam, Rule::CONWAY, Topology::Torus), seam_v);
    // Bounded, the part off the edge is lost: two cells die.
    let edge = board_from(&[".....", ".....", "OO...", ".....", "....."]);
    assert_eq!(reference_step(&edge, Rule::CONWAY, Topology::Bounded).population(), 0);
    // A glider, stepped by hand one generation.
    let g0 = board_from(&[".O...", "..O..", "OOO..", ".....", "....."]);
    let g1 = board_from(&[".....", "O.O..", ".OO..", ".O...", "....."]);
    assert_eq!(reference_step(&g0, Rule::CONWAY, Topology::Torus), g1);
}

#[test]
fn highlife_replicator_differs_from_life() {
    // B36/S23 births on 6 neighbours; Life does not.
    let b = board_from(&["OOO", "O.O", "OOO"]);
    let center_life = reference_step(&b, Rule::CONWAY, Topology::Bounded).get(1, 1);
    let highlife: Rule = "B36/S23".parse().expect("rule");
    let center_high = reference_step(&b, highlife, Topology::Bounded).get(1, 1);
    assert!(!center_life, "8 neighbours: no birth in Life");
    assert!(!center_high, "8 neighbours: no birth in HighLife either");
    let six = board_from(&["OOO", "...", "OOO"]);
    assert!(reference_step(&six, highlife, Topology::Bounded).get(1, 1));
    assert!(!reference_step(&six, Rule::CONWAY, Topology::Bounded).get(1, 1));
}

fn topology() -> impl Strategy<Value = Topology> {
    prop_oneof![Just(Topology::Torus), Just(Topology::Bounded)]
}

fn rule() -> impl Strategy<Value = Rule> {
    prop_oneof![
        3 => Just(Rule::CONWAY),
        7 => (0u16..512, 0u16..512).prop_map(|(b, s)| Rule::from_masks(b, s)),
    ]
}

fn check_equal(width: usize, height: usize, seed: u64, density: f64, rule: Rule, topology: Topology) {
    let board = soup(width, height, seed, density).expect("soup");
    // One board on several threads: stripes of one row up to the whole board, boundaries
    // anywhere, the torus's wrap crossing stripes.
    let kernels = [Simd::Auto, Simd::Portable].into_iter().flat_map(|simd| {
        [1, 2, 3, 7].map(move |threads| {
            Bitwise::new(simd)
                .with_threads(threads)
                .expect("threads")
                .with_split_threshold(0)
        })
    });
    for mut fast in kernels {
        let simd = format!("{fast:?}");
        let mut current = board.clone();
        let mut out = Board::new(1, 1).expect("board");
        // Several generations, so that scratch reuse between steps is exercised too.
        for generation in 0..3 {
            let expected = reference_step(&current, rule, topology);
            if generation == 1 {
                let key = fast.step_keyed(&current, &mut out, rule, topology);
                assert_eq!(key, out.cycle_key(), "{width}x{height} {simd:?}: the keyed step's key");
            } else {
                fast.step(&current, &mut out, rule, topology);
            }
            assert_eq!(
                out, expected,
                "{width}x{height} {topology} {rule} seed {seed} density {density} {simd:?} generation {generation}"
            );
            current = expected;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn bitwise_equals_reference(
        width in 1usize..=140,
        height in 1usize..=140,
        seed in any::<u64>(),
        density in prop_oneof![Just(0.5), 0.05f64..0.95],
        rule in rule(),
        topology in topology(),
    ) {
        check_equal(width, height, seed, density, rule, topology);
    }
}

#[test]
fn a_keyed_step_hashes_every_chunk_as_the_whole_board_does() {
    // Boards of many key chunks (8 KiB each), with and without padding, split between threads at
    // chunk boundaries: the key the threads assemble is the whole board's.
    for (width, height) in [(4096, 100), (2000, 150), (4160, 33), (64, 3000), (100, 4000)] {
        let board = soup(width, height, width as u64 ^ height as u64, 0.4).expect("soup");
        for threads in [1, 2, 3, 7] {
            for topology in [Topology::Torus, Topology::Bounded] {
                let mut kernel = Bitwise::new(Simd::Auto)
                    .with_threads(threads)
                    .expect("threads")
                    .with_split_threshold(0);
                let mut out = Board::new(1, 1).expect("board");
                let key = kernel.step_keyed(&board, &mut out, Rule::CONWAY, topology);
                assert_eq!(out, reference_step(&board, Rule::CONWAY, topology), "{width}x{height}");
                assert_eq!(
                    key,
                    out.cycle_key(),
                    "{width}x{height} on {threads} threads, {topology}"
                );
                assert_ne!(key, board.cycle_key(), "a soup changes");
            }
        }
    }
}

#[test]
fn bitwise_equals_reference_on_every_small_size() {
    // Every size up to 1..=70 square-ish and the word boundaries, both topologies, Life and a random rule.
    let highlife: Rule = "B36/S23".parse().expect("rule");
    let odd = Rule::from_masks(0b1_0100_1011, 0b0_1101_0010);
    for width in (1..=70).chain([127, 128, 129, 130]) {
        for height in [1, 2, 3, 5, 64, 65] {
            for topology in [Topology::Torus, Topology::Bounded] {
                for rule in [Rule::CONWAY, highlife, odd] {
                    check_equal(width, height, (width * 1000 + height) as u64, 0.5, rule, topology);
                }
            }
        }
    }
}
