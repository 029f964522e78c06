//! Rasters of a quadtree: a node that lies inside one block adds its cached population to that
//! block's pixel, so the walk stops at the blocks' level and never reaches their cells.

use super::arena::{NodeId, LEAF_LEVEL};
use super::query::{origin, Tree};
use crate::raster::Raster;
use crate::universe::Rect;
use crate::Result;

/// The raster of the tree under `root` (a root centred on the origin) over `view` at `scale`.
pub(super) fn raster(tree: &impl Tree, root: NodeId, view: Rect, scale: u8) -> Result<Raster> {
    let mut raster = Raster::blank(view, scale)?;
    let o = origin(tree.level(root));
    let area = raster.area();
    // i128: the area's far edge may be 2^63, one past i64::MAX.
    let bounds = (
        i128::from(area.x),
        i128::from(area.y),
        i128::from(area.x) + i128::from(area.width),
        i128::from(area.y) + i128::from(area.height),
    );
    walk(tree, root, o, o, bounds, &mut raster);
    Ok(raster)
}

/// Adds the live cells of node `id`, whose top-left cell is `(x0, y0)`, to `raster`, skipping
/// what lies outside `bounds` (x0, y0, x1, y1 with the far edges excluded).
fn walk(tree: &impl Tree, id: NodeId, x0: i64, y0: i64, bounds: (i128, i128, i128, i128), raster: &mut Raster) {
    let pop = tree.pop(id);
    if pop == 0 {
        return;
    }
    let level = tree.level(id);
    let size = 1i128 << level;
    let (nx, ny) = (i128::from(x0), i128::from(y0));
    if nx + size <= bounds.0 || ny + size <= bounds.1 || nx >= bounds.2 || ny >= bounds.3 {
        return;
    }
    // Every node but the root starts on a multiple of its size, so one of a block's level or
    // below lies in one block; the root starts half-way and may straddle two.
    let (x1, y1) = (x0 + (size - 1) as i64, y0 + (size - 1) as i64);
    let k = raster.scale();
    if x0 >> k == x1 >> k && y0 >> k == y1 >> k {
        raster.add(x0, y0, pop);
        return;
    }
    if level == LEAF_LEVEL {
        let mut bits = tree.bits(id);
        while bits != 0 {
            let i = i64::from(bits.trailing_zeros());
            bits &= bits - 1;
            raster.add(x0 + i % 8, y0 + i / 8, 1);
        }
        return;
    }
    let half = 1i64 << (level - 1);
    for (q, kid) in tree.kids(id).into_iter().enumerate() {
        let (dx, dy) = ((q as i64 % 2) * half, (q as i64 / 2) * half);
        walk(tree, kid, x0 + dx, y0 + dy, bounds, raster);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use crate::raster::{cover, fit};
    use crate::{Cells, HashLife, Raster, Rect, Rule, Universe};

    /// The raster counted independently: each live cell in the cover, bucketed by floor division.
    fn counted(u: &dyn Cells, view: Rect, k: u8) -> Vec<u64> {
        let area = cover(view, k).expect("cover");
        let (c0, r0) = (area.x >> k, area.y >> k);
        let (w, h) = ((area.width >> k) as usize, (area.height >> k) as usize);
        let mut buckets: HashMap<(i64, i64), u64> = HashMap::new();
        u.for_each_live_cell(area, &mut |x, y| {
            *buckets.entry((x.div_euclid(1 << k), y.div_euclid(1 << k))).or_default() += 1
        });
        let mut out = vec![0; w * h];
        for ((c, r), n) in buckets {
            out[(r - r0) as usize * w + (c - c0) as usize] = n;
        }
        out
    }

    fn plane(cells: &[(i64, i64)], steps: u64) -> HashLife {
        let mut p = HashLife::from_cells(Rule::CONWAY, cells.iter().copied()).expect("plane");
        p.advance(steps, &mut |_| true).expect("advance");
        p
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn pixels_count_the_live_cells_of_their_blocks(
            cells in prop::collection::vec((-60i64..60, -60i64..60), 0..300),
            far in prop::sample::select(vec![0i64, 1 << 20, -(1 << 40)]),
            steps in 0u64..40,
            view in (-90i64..90, -90i64..90, 1u64..200, 1u64..200),
            k in 0u8..8,
        ) {
            let cells: Vec<_> = cells.into_iter().map(|(x, y)| (x + far, y - far)).collect();
            let p = plane(&cells, steps);
            let view = Rect { x: view.0 + far, y: view.1 - far, width: view.2, height: view.3 };
            let live = p.raster(view, k).expect("raster");
            let frozen = p.snapshot().raster(view, k).expect("raster of the snapshot");
            prop_assert_eq!(&live, &frozen);
            prop_assert_eq!(live.area(), cover(view, k).expect("cover"));
            prop_assert_eq!(live.counts(), &counted(&p, view, k)[..]);
            let by_cells = Raster::of_cells(&p, view, k).expect("raster cell by cell");
            prop_assert_eq!(&live, &by_cells);
            if k == 0 {
                let mut ones = vec![0u64; live.width() * live.height()];
                p.for_each_live_cell(view, &mut |x, y| {
                    ones[(y - view.y) as usize * live.width() + (x - view.x) as usize] += 1;
                });
                prop_assert_eq!(live.counts(), &ones[..]);
            }
        }

        #[test]
        fn a_raster_of_the_bounding_box_holds_the_whole_population(
            cells in prop::collection::vec((-300i64..300, -300i64..300), 1..200),
            steps in 0u64..100,
            side in 1u64..64,
        ) {
            let p = plane(&cells, steps);
            if let Some(bbox) = p.bounding_box() {
                let (view, k) = fit(bbox, side.max(4), side.max(4)).expect("fits");
                let r = p.raster(view, k).expect("raster");
                prop_assert!(r.width() as u64 <= side.max(4) && r.height() as u64 <= side.max(4));
                prop_assert_eq!(r.total(), p.population());
                prop_assert_eq!(p.snapshot().raster(view, k).expect("raster").total(), p.population());
                // Any larger scale still sees every cell.
                let r = p.raster(bbox, k + 3).expect("raster");
                prop_assert_eq!(r.total(), p.population());
            }
        }
    }

    /// A full 2^30 square (2^60 cells) as a macrocell: rastered at 64×64 it must cost 64×64
    /// nodes, not 2^60 cells (this test would never end otherwise).
    #[test]
    fn a_full_square_of_2_to_the_60_cells_costs_its_pixels() {
        let mut lines = vec!["[M2] (test)".to_string(), "********$".repeat(8)];
        for level in 4..=30u32 {
            let k = level - 3;
            lines.push(format!("{level} {k} {k} {k} {k}"));
        }
        let p = HashLife::from_macrocell(&(lines.join("\n") + "\n")).expect("the macrocell reads");
        let bbox = p.bounding_box().expect("cells");
        assert_eq!(
            bbox,
            Rect::spanning(-(1 << 29), -(1 << 29), (1 << 29) - 1, (1 << 29) - 1)
        );
        let (view, k) = fit(bbox, 64, 64).expect("fits");
        assert_eq!((view, k), (bbox, 24));
        for r in [
            p.raster(view, k).expect("raster"),
            p.snapshot().raster(view, k).expect("raster"),
        ] {
            assert_eq!((r.width(), r.height()), (64, 64));
            assert!(r.counts().iter().all(|&n| n == 1 << 48));
            assert_eq!(r.density(0, 0), Some(1.0));
            assert_eq!(r.total(), 1 << 60);
        }
        // Off-centre and unaligned: the blocks the view meets, partly outside the square.
        let r = p
            .raster(Rect::spanning(-(1 << 30), 5, -3, 1 << 30), 26)
            .expect("raster");
        assert_eq!((r.width(), r.height()), (16, 17));
        assert_eq!(r.get(7, 0), Some(0), "left of the square");
        assert_eq!(
            r.get(8, 7),
            Some(1 << 52),
            "the square's top-left block on the view's last row of it"
        );
        assert_eq!(r.get(8, 8), Some(0), "below the square");
        assert_eq!(r.get(15, 16), Some(0));
        assert_eq!(r.get(16, 0), None);
    }

    #[test]
    fn the_gosper_gun_at_a_million_generations_fits_256_pixels() {
        let gun = crate::pattern::named("gosper-glider-gun").expect("library");
        let cells: Vec<_> = gun.board.live_cells().map(|(x, y)| (x as i64, y as i64)).collect();
        let p = plane(&cells, 1_000_000);
        let bbox = p.bounding_box().expect("cells");
        let (view, k) = fit(bbox, 256, 256).expect("fits");
        let r = p.raster(view, k).expect("raster");
        assert!(bbox.width > 200_000, "{bbox}");
        assert!(
            r.width() <= 256 && r.height() <= 256 && k >= 10,
            "{}x{} at {k}",
            r.width(),
            r.height()
        );
        assert_eq!(r.total(), p.population());
        assert_eq!(r.total(), 166_713, "Golly's count");
    }

    #[test]
    fn blocks_larger_than_the_root_split_it_at_the_origin() {
        // The root (16x16 around the origin) starts half-way into a block of its own size.
        let p = HashLife::from_cells(Rule::CONWAY, [(-1, -1), (0, 0), (-1, 0), (5, -7)]).expect("plane");
        for k in [4, 10, 62] {
            let r = p.raster(Rect::spanning(-5, -5, 5, 5), k).expect("raster");
            assert_eq!((r.width(), r.height()), (2, 2));
            assert_eq!(r.counts(), &[1, 1, 1, 1], "scale {k}");
            assert_eq!(p.snapshot().raster(Rect::spanning(-5, -5, 5, 5), k).expect("raster"), r);
        }
    }

    #[test]
    fn an_empty_plane_gives_a_blank_raster() {
        let p = HashLife::new(Rule::CONWAY).expect("plane");
        let r = p.raster(Rect::spanning(-3, -3, 3, 3), 1).expect("raster");
        assert_eq!((r.width(), r.height(), r.total()), (4, 4, 0));
        assert!(p
            .raster(
                Rect {
                    x: 0,
                    y: 0,
                    width: 0,
                    height: 1
                },
                0
            )
            .is_err());
    }
}
