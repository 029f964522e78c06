//! HashLife against independent expectations: a dense bounded board large enough that the
//! pattern never reaches its edge (random patterns, rules and step counts, before and after
//! garbage collection), oscillators, spaceships, and the Gosper gun's populations as Golly 3.3
//! computes them (`bgolly -a HashLife -m G gun.rle`, the last line of its output).

use colony_life::{pattern, CellSink, Cells, Dense, HashLife, Rect, Rule, Topology, Universe};
use proptest::prelude::*;

fn gun() -> HashLife {
    let gun = pattern::named("gosper-glider-gun").expect("library");
    HashLife::from_cells(Rule::CONWAY, gun.board.live_cells().map(|(x, y)| (x as i64, y as i64))).expect("gun")
}

fn go(u: &mut dyn Universe, n: u64) {
    assert_eq!(u.advance(n, &mut |_| true).expect("advance"), n);
}

#[test]
fn gosper_gun_populations_match_golly() {
    // (generation, population) from bgolly 3.3's HashLife.
    let golly = [
        (100u64, 63u64),
        (1000, 213),
        (12_345, 2_097),
        (1_000_000, 166_713),
        (10_000_000, 1_666_713),
        (1_000_000_000, 166_666_713),
    ];
    let mut g = gun();
    for (generation, population) in golly {
        let n = generation - g.generation();
        go(&mut g, n);
        assert_eq!((g.generation(), g.population()), (generation, population));
    }
    // In one jump too, from scratch.
    let mut g = gun();
    go(&mut g, 1_000_000_000);
    assert_eq!(g.population(), 166_666_713);
}

#[test]
fn oscillators_return_and_spaceships_return_shifted() {
    for (name, period, dx, dy) in [
        ("blinker", 2u64, 0i64, 0i64),
        ("pulsar", 3, 0, 0),
        ("glider", 4, 1, 1),
        ("lwss", 4, -2, 0),
    ] {
        let p = pattern::named(name).expect("library");
        let cells: Vec<(i64, i64)> = p
            .board
            .live_cells()
            .map(|(x, y)| (x as i64 - 7, y as i64 + 3))
            .collect();
        for cycles in [1u64, 3, 1000] {
            let mut v = HashLife::from_cells(Rule::CONWAY, cells.clone()).expect("plane");
            go(&mut v, period * cycles);
            let k = cycles as i64;
            let mut expected: Vec<_> = cells.iter().map(|&(x, y)| (x + dx * k, y + dy * k)).collect();
            expected.sort_by_key(|&(x, y)| (y, x));
            let area = v.bounding_box().expect("alive");
            assert_eq!(v.live_cells_in(area), expected, "{name} after {cycles} periods");
        }
    }
}

#[test]
fn a_small_budget_collects_mid_step_and_changes_nothing() {
    let soup = colony_life::soup(64, 64, 1, 0.5).expect("soup");
    let cells: Vec<(i64, i64)> = soup.live_cells().map(|(x, y)| (x as i64, y as i64)).collect();
    let mut roomy = HashLife::from_cells(Rule::CONWAY, cells.iter().copied()).expect("plane");
    let mut tight = HashLife::with_memory(Rule::CONWAY, 1_000_000).expect("plane");
    tight.add_cells(cells.iter().copied()).expect("cells");
    for n in [1000u64, 999, 4096] {
        go(&mut roomy, n);
        go(&mut tight, n);
        assert_eq!(tight.fingerprint(), roomy.fingerprint());
        assert_eq!(plane_cells(&tight), plane_cells(&roomy));
    }
    assert!(tight.stats().collections > 0, "{:?}", tight.stats());
    assert!(tight.stats().nodes <= tight.stats().node_limit);
}

/// A random Life-like rule without B0.
fn rule() -> impl Strategy<Value = Rule> {
    (0u16..256, 0u16..512).prop_map(|(b, s)| Rule::from_masks(b << 1, s))
}

/// Random cells in a `size`×`size` box.
fn cells() -> impl Strategy<Value = Vec<(i64, i64)>> {
    (1i64..14).prop_flat_map(|size| prop::collection::vec((0..size, 0..size), 0..(size * size) as usize))
}

/// Steps: powers of two and not.
fn steps() -> impl Strategy<Value = u64> {
    prop_oneof![(0u32..6).prop_map(|k| 1u64 << k), 0u64..48]
}

/// The cells of `u` after `n` generations on a dense bounded board wide enough that nothing
/// reaches its edge, as plane coordinates.
fn dense_after(rule: Rule, cells: &[(i64, i64)], x0: i64, y0: i64, n: u64) -> Vec<(i64, i64)> {
    let margin = n as i64 + 2;
    let size = 14 + 2 * margin;
    let mut d = Dense::new(size as usize, size as usize, rule, Topology::Bounded).expect("board");
    for &(x, y) in cells {
        d.set_cell(x + margin, y + margin, true).expect("on board");
    }
    go(&mut d, n);
    let all = Rect::spanning(0, 0, size - 1, size - 1);
    let mut out: Vec<_> = d
        .live_cells_in(all)
        .into_iter()
        .map(|(x, y)| (x - margin + x0, y - margin + y0))
        .collect();
    out.sort_by_key(|&(x, y)| (y, x));
    out
}

fn plane_cells(u: &HashLife) -> Vec<(i64, i64)> {
    match u.bounding_box() {
        Some(area) => u.live_cells_in(area),
        None => Vec::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn hashlife_equals_a_large_bounded_board(
        rule in rule(),
        cells in cells(),
        x0 in -40i64..40,
        y0 in -40i64..40,
        first in steps(),
        second in steps(),
        collect in any::<bool>(),
        tiny in any::<bool>(),
    ) {
        let placed: Vec<_> = cells.iter().map(|&(x, y)| (x + x0, y + y0)).collect();
        // A tiny budget forces collections (and split jumps) in the middle of a step.
        let memory = if tiny { 2_000_000 } else { colony_life::DEFAULT_MEMORY };
        let mut u = HashLife::with_memory(rule, memory).expect("plane");
        u.add_cells(placed.iter().copied()).expect("cells");
        go(&mut u, first);
        prop_assert_eq!(plane_cells(&u), dense_after(rule, &cells, x0, y0, first));
        if collect {
            u.collect_garbage();
        }
        go(&mut u, second);
        prop_assert_eq!(u.generation(), first + second);
        let expected = dense_after(rule, &cells, x0, y0, first + second);
        prop_assert_eq!(u.population(), expected.len() as u64);
        prop_assert_eq!(plane_cells(&u), expected);
    }

    #[test]
    fn setting_cells_one_by_one_equals_building_at_once(cells in cells(), x0 in -1000i64..1000) {
        let placed: Vec<_> = cells.iter().map(|&(x, y)| (x * 37 + x0, y - x0)).collect();
        let built = HashLife::from_cells(Rule::CONWAY, placed.iter().copied()).expect("plane");
        let mut set = HashLife::new(Rule::CONWAY).expect("plane");
        for &(x, y) in &placed {
            set.set_cell(x, y, true).expect("set");
        }
        prop_assert_eq!(built.fingerprint(), set.fingerprint());
        prop_assert_eq!(plane_cells(&built), plane_cells(&set));
        for &(x, y) in &placed {
            prop_assert!(set.get_cell(x, y));
        }
        for &(x, y) in &placed {
            set.set_cell(x, y, false).expect("clear");
        }
        prop_assert_eq!(set.population(), 0);
        prop_assert_eq!(set.fingerprint(), HashLife::new(Rule::CONWAY).expect("plane").fingerprint());
    }
}

#[test]
fn outcomes_ahead_name_spaceships_with_their_motion() {
    use colony_life::Outcome;
    for (name, expected, text) in [
        (
            "glider",
            Outcome::Spaceship {
                period: 4,
                dx: 1,
                dy: 1,
            },
            "spaceship p4 (1,1)",
        ),
        (
            "lwss",
            Outcome::Spaceship {
                period: 4,
                dx: -2,
                dy: 0,
            },
            "spaceship p4 (-2,0)",
        ),
        ("blinker", Outcome::Oscillating { period: 2 }, "oscillating (period 2)"),
        ("pulsar", Outcome::Oscillating { period: 3 }, "oscillating (period 3)"),
        ("block", Outcome::StillLife, "still life"),
        ("gosper-glider-gun", Outcome::Running, "running"),
    ] {
        let p = pattern::named(name).expect("library");
        let mut u =
            HashLife::from_cells(Rule::CONWAY, p.board.live_cells().map(|(x, y)| (x as i64, y as i64))).expect("plane");
        go(&mut u, 1000);
        let before = (u.generation(), u.fingerprint());
        let outcome = u.outcome_ahead(256).expect("look ahead");
        assert_eq!(outcome, expected, "{name}");
        assert_eq!(outcome.to_string(), text);
        assert_eq!((u.generation(), u.fingerprint()), before, "{name}: back where it was");
    }
    let mut empty = HashLife::new(Rule::CONWAY).expect("plane");
    assert_eq!(empty.outcome_ahead(10).expect("look"), Outcome::Extinct);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Garbage never panics: every reader returns a value or an error.
    #[test]
    fn macrocell_and_rle_readers_never_panic(
        lines in prop::collection::vec("[0-9 .*$#RGbo!x=,]{0,12}", 0..12),
        levels in prop::collection::vec((0u64..70, 0u64..6, 0u64..6, 0u64..6, 0u64..6), 0..6),
    ) {
        let mut text = String::from("[M2]\n");
        for l in &lines {
            text.push_str(l);
            text.push('\n');
        }
        for (level, a, b, c, d) in &levels {
            text.push_str(&format!("{level} {a} {b} {c} {d}\n"));
        }
        if let Ok(mut plane) = HashLife::from_macrocell(&text) {
            let _ = plane.bounding_box();
            let _ = plane.advance(3, &mut |_| true);
        }
        let mut cells = Vec::new();
        let _ = pattern::read_rle(&lines.join("\n"), &mut cells, -5, i64::MAX - 3);
        let _ = pattern::read_rle(&format!("x = 9, y = 9\n{}", lines.join("")), &mut cells, 0, 0);
    }
}

#[test]
fn macrocell_levels_must_match_and_far_patterns_are_errors_not_panics() {
    let bad = "[M2]\n#R B3/S23\n$*$\n5 1 0 0 0\n";
    assert!(HashLife::from_macrocell(bad).is_err());
    let forward = "[M2]\n4 2 0 0 0\n";
    assert!(HashLife::from_macrocell(forward).is_err());
    // A cell at the plane's very corner: stepping cannot fit, and says so.
    let mut p = HashLife::new(Rule::CONWAY).expect("plane");
    let edge = (1i64 << 61) - 1;
    for d in 0..3 {
        p.set_cell(edge - d, edge, true).expect("set");
    }
    assert!(p.advance(1, &mut |_| true).is_err());
    let spanning = Rect::spanning(i64::MIN, i64::MIN, i64::MAX, i64::MAX);
    assert_eq!(spanning.width, u64::MAX);
    assert_eq!(p.live_cells_in(spanning).len(), 3);
}
