//! Sparse tiles against independent expectations: HashLife and a dense bounded board large enough
//! that the pattern never reaches its edge (random patterns across tile borders, random Life-like
//! rules without B0, random step counts), and known patterns: a glider's displacement, the Gosper
//! gun's populations (as Golly computes them), acorn's 633 cells at generation 5206.

use colony_life::{pattern, CellSink, Cells, Dense, HashLife, LifeError, Rect, Rule, Tiles, Topology, Universe};
use proptest::prelude::*;

fn go(u: &mut dyn Universe, n: u64) {
    assert_eq!(u.advance(n, &mut |_| true).expect("advance"), n);
}

fn named(name: &str, dx: i64, dy: i64) -> Vec<(i64, i64)> {
    let p = pattern::named(name).expect("library");
    p.board
        .live_cells()
        .map(|(x, y)| (x as i64 + dx, y as i64 + dy))
        .collect()
}

fn all_cells(u: &dyn Cells) -> Vec<(i64, i64)> {
    match u.bounding_box() {
        Some(area) => u.live_cells_in(area),
        None => Vec::new(),
    }
}

#[test]
fn a_glider_moves_one_cell_diagonally_every_four_generations_across_tiles() {
    // Starts astride the corner where four tiles meet, then flies through many.
    let start = named("glider", -2, -2);
    let mut g = Tiles::from_cells(Rule::CONWAY, start.iter().copied()).expect("tiles");
    let mut sorted = start.clone();
    sorted.sort_by_key(|&(x, y)| (y, x));
    for n in [4u64, 4, 8, 1000, 4 * 1234] {
        go(&mut g, n);
        let d = (g.generation() / 4) as i64;
        let shifted: Vec<_> = sorted.iter().map(|&(x, y)| (x + d, y + d)).collect();
        assert_eq!(all_cells(&g), shifted, "generation {}", g.generation());
        assert_eq!(g.population(), 5);
        // The tiles it left behind are gone: at most the four around it and those it is entering.
        assert!(g.stats().tiles <= 9, "{:?}", g.stats());
    }
}

#[test]
fn gosper_gun_populations_match_golly() {
    // (generation, population) from bgolly 3.3, as in tests/hashlife.rs.
    let mut g = Tiles::from_cells(Rule::CONWAY, named("gosper-glider-gun", -18, -5)).expect("tiles");
    for (generation, population) in [(100u64, 63u64), (1000, 213), (12_345, 2_097)] {
        let n = generation - g.generation();
        go(&mut g, n);
        assert_eq!((g.generation(), g.population()), (generation, population));
    }
}

#[test]
fn acorn_reaches_633_cells_at_generation_5206_and_then_only_oscillates() {
    let mut a = Tiles::from_cells(Rule::CONWAY, named("acorn", -3, -1)).expect("tiles");
    go(&mut a, 5206);
    assert_eq!(a.population(), 633);
    let mut h = HashLife::from_cells(Rule::CONWAY, named("acorn", -3, -1)).expect("hashlife");
    go(&mut h, 5206);
    assert_eq!(all_cells(&a), all_cells(&h));
    assert_eq!(a.bounding_box(), h.bounding_box());
}

#[test]
fn still_lifes_jump_and_empty_planes_stay_empty() {
    let mut block = Tiles::from_cells(Rule::CONWAY, [(63, 63), (64, 63), (63, 64), (64, 64)]).expect("tiles");
    go(&mut block, 10);
    assert_eq!(block.stats().active, 0, "a block straddling four tiles is still");
    let steps = block.stats().steps;
    go(&mut block, 1_000_000_000_000);
    assert_eq!(block.stats().steps, steps, "nothing stepped");
    assert_eq!(block.generation(), 1_000_000_000_010);
    assert_eq!(block.population(), 4);
    let mut empty = Tiles::new(Rule::CONWAY).expect("tiles");
    go(&mut empty, 5);
    assert_eq!((empty.population(), empty.bounding_box()), (0, None));
    // A lone cell dies, and its tiles go too, once they have been empty and unseen twice.
    let mut lone = Tiles::from_cells(Rule::CONWAY, [(-1, -1)]).expect("tiles");
    go(&mut lone, 1);
    assert_eq!(lone.population(), 0);
    go(&mut lone, 1);
    assert_eq!((lone.population(), lone.stats().tiles), (0, 0));
}

#[test]
fn a_soup_settling_into_ash_matches_hashlife_and_its_blinkers_are_flipped_not_stepped() {
    let soup = colony_life::soup(200, 200, 9, 0.5).expect("soup");
    let cells: Vec<(i64, i64)> = soup
        .live_cells()
        .map(|(x, y)| (x as i64 - 100, y as i64 - 70))
        .collect();
    let mut t = Tiles::from_cells(Rule::CONWAY, cells.iter().copied()).expect("tiles");
    let mut h = HashLife::from_cells(Rule::CONWAY, cells.iter().copied()).expect("hashlife");
    for n in [1u64, 2, 97, 900, 1000, 2000] {
        go(&mut t, n);
        go(&mut h, n);
        assert_eq!(all_cells(&t), all_cells(&h), "generation {}", t.generation());
        assert_eq!(t.fingerprint(), t.snapshot().fingerprint());
    }
    assert!(t.stats().flips > 0, "{:?}", t.stats());
    // Blinkers alone: after the first steps they are only flipped.
    let blinkers: Vec<(i64, i64)> = (0..10)
        .flat_map(|i| [(i * 70 - 1, 5), (i * 70, 5), (i * 70 + 1, 5)])
        .collect();
    let mut b = Tiles::from_cells(Rule::CONWAY, blinkers.iter().copied()).expect("tiles");
    go(&mut b, 4);
    let steps = b.stats().steps;
    go(&mut b, 1001);
    assert_eq!(b.stats().steps, steps, "{:?}", b.stats());
    let mut expected: Vec<(i64, i64)> = (0..10).flat_map(|i| [(i * 70, 4), (i * 70, 5), (i * 70, 6)]).collect();
    expected.sort_by_key(|&(x, y)| (y, x));
    assert_eq!(all_cells(&b), expected);
    // Cells set in the middle of the flipping are stepped again.
    b.set_cell(1, 5, true).expect("set");
    let mut h = HashLife::from_cells(Rule::CONWAY, all_cells(&b)).expect("hashlife");
    go(&mut b, 301);
    go(&mut h, 301);
    assert_eq!(all_cells(&b), all_cells(&h));
}

#[test]
fn b0_is_refused_as_on_hashlife_and_far_cells_are_errors() {
    let b0: Rule = "B0/S8".parse().expect("rule");
    let (Err(t), Err(h)) = (Tiles::new(b0), HashLife::new(b0)) else {
        panic!("B0 accepted");
    };
    assert_eq!(t, h);
    assert!(matches!(t, LifeError::PlaneRule { .. }));
    let mut p = Tiles::new(Rule::CONWAY).expect("tiles");
    assert!(matches!(
        p.set_cell(i64::MAX, 0, true),
        Err(LifeError::OutOfPlane { .. })
    ));
    assert!(matches!(
        p.set_cell(0, i64::MIN, true),
        Err(LifeError::OutOfPlane { .. })
    ));
    p.set_cell(1 << 40, -(1 << 40), true).expect("far but fine");
    assert!(p.get_cell(1 << 40, -(1 << 40)));
    assert_eq!(
        p.bounding_box(),
        Some(Rect::spanning(1 << 40, -(1 << 40), 1 << 40, -(1 << 40)))
    );
    // A glider flying off the plane's edge is an error, not a panic.
    let mut edge = Tiles::from_cells(Rule::CONWAY, named("glider", (1 << 59) - 70, 0)).expect("tiles");
    let err = edge.advance(1000, &mut |_| true).expect_err("flies off");
    assert!(matches!(err, LifeError::PlaneOverflow { .. }), "{err}");
    assert_eq!(edge.population(), 5, "stopped at a whole generation");
}

#[test]
fn a_small_budget_is_a_clear_error_and_leaves_a_whole_generation() {
    let soup = colony_life::soup(256, 256, 1, 0.5).expect("soup");
    let cells: Vec<(i64, i64)> = soup.live_cells().map(|(x, y)| (x as i64, y as i64)).collect();
    // 16 tiles of soup and its ring of 20: room for 40.
    let mut t = Tiles::with_memory(Rule::CONWAY, 40 * colony_life::BYTES_PER_TILE).expect("tiles");
    t.add_cells(cells.iter().copied()).expect("fits");
    let err = t.advance(100_000, &mut |_| true).expect_err("grows past 40 tiles");
    assert_eq!(
        err,
        LifeError::MemoryBudget {
            bytes: 40 * colony_life::BYTES_PER_TILE
        }
    );
    let mut h = HashLife::from_cells(Rule::CONWAY, cells.iter().copied()).expect("hashlife");
    let reached = t.generation();
    go(&mut h, reached);
    assert_eq!(all_cells(&t), all_cells(&h), "generation {reached}");
    // With room again, it goes on from there as if nothing had happened.
    t.set_memory_budget(colony_life::DEFAULT_TILE_MEMORY);
    go(&mut t, 500);
    go(&mut h, 500);
    assert_eq!(all_cells(&t), all_cells(&h), "generation {}", t.generation());
    // Too small for the pattern itself: refused while setting cells.
    let mut tiny = Tiles::with_memory(Rule::CONWAY, 4 * colony_life::BYTES_PER_TILE).expect("tiles");
    assert!(matches!(tiny.add_cells(cells), Err(LifeError::MemoryBudget { .. })));
}

#[test]
fn keep_going_stops_at_a_whole_generation_and_snapshots_stay_put() {
    let soup = colony_life::soup(512, 512, 3, 0.5).expect("soup");
    let cells = soup.live_cells().map(|(x, y)| (x as i64, y as i64));
    let mut t = Tiles::from_cells(Rule::CONWAY, cells).expect("tiles");
    let snap = t.snapshot();
    let (f0, p0) = (t.fingerprint(), t.population());
    let done = t.advance(1000, &mut |done| done < 10).expect("advance");
    assert!((10..1000).contains(&done), "{done}");
    assert_eq!(t.generation(), done);
    assert_eq!((snap.fingerprint(), snap.population(), snap.generation()), (f0, p0, 0));
    let mut again = Tiles::from_cells(Rule::CONWAY, all_cells(&*snap)).expect("tiles");
    go(&mut again, done);
    assert_eq!(again.fingerprint(), t.fingerprint());
    assert_eq!(all_cells(&again), all_cells(&t));
}

/// A random Life-like rule without B0.
fn rule() -> impl Strategy<Value = Rule> {
    (0u16..256, 0u16..512).prop_map(|(b, s)| Rule::from_masks(b << 1, s))
}

/// Random cells in a box up to 80×80: across tile borders, sparse or dense.
fn cells() -> impl Strategy<Value = Vec<(i64, i64)>> {
    (1i64..80, 1i64..80).prop_flat_map(|(w, h)| prop::collection::vec((0..w, 0..h), 0..(w * h / 2 + 1) as usize))
}

fn steps() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..8, 0u64..70]
}

/// The cells after `n` generations on a dense bounded board with room to spare on every side.
fn dense_after(rule: Rule, cells: &[(i64, i64)], n: u64) -> Vec<(i64, i64)> {
    let margin = n as i64 + 2;
    let size = 80 + 2 * margin;
    let mut d = Dense::new(size as usize, size as usize, rule, Topology::Bounded).expect("board");
    for &(x, y) in cells {
        d.set_cell(x + margin, y + margin, true).expect("on board");
    }
    go(&mut d, n);
    all_cells(&d)
        .into_iter()
        .map(|(x, y)| (x - margin, y - margin))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn tiles_equal_hashlife_and_a_large_bounded_board(
        rule in rule(),
        cells in cells(),
        x0 in -200i64..200,
        y0 in -200i64..200,
        first in steps(),
        second in steps(),
        edit in any::<bool>(),
    ) {
        let placed: Vec<_> = cells.iter().map(|&(x, y)| (x + x0, y + y0)).collect();
        let mut t = Tiles::from_cells(rule, placed.iter().copied()).expect("tiles");
        let mut h = HashLife::from_cells(rule, placed.iter().copied()).expect("hashlife");
        go(&mut t, first);
        go(&mut h, first);
        let shifted = |v: Vec<(i64, i64)>| v.into_iter().map(|(x, y)| (x + x0, y + y0)).collect::<Vec<_>>();
        prop_assert_eq!(all_cells(&t), shifted(dense_after(rule, &cells, first)));
        prop_assert_eq!(all_cells(&t), all_cells(&h));
        prop_assert_eq!(t.population(), h.population());
        prop_assert_eq!(t.bounding_box(), h.bounding_box());
        if edit {
            // Cells changed between generations are seen by the tiles around them.
            for u in [&mut t as &mut dyn Universe, &mut h] {
                u.set_cell(x0 - 1, y0, true).expect("set");
                u.set_cell(x0 - 1, y0 + 1, true).expect("set");
                u.set_cell(x0 - 2, y0 + 1, true).expect("set");
                u.set_cell(x0 + 3, y0 + 3, false).expect("clear");
            }
        }
        go(&mut t, second);
        go(&mut h, second);
        prop_assert_eq!(all_cells(&t), all_cells(&h));
        let area = Rect::spanning(x0 - 10, y0 - 10, x0 + 30, y0 + 30);
        prop_assert_eq!(t.live_cells_in(area), h.live_cells_in(area));
        let snap = t.snapshot();
        prop_assert_eq!(snap.live_cells_in(area), h.live_cells_in(area));
        prop_assert_eq!(snap.fingerprint(), t.fingerprint());
        prop_assert_eq!((t.generation(), h.generation()), (first + second, first + second));
    }
}
