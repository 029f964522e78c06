//! Sparse tiles on a growing chaotic soup against the dense kernel, in one run:
//! `cargo bench -p colony-life --bench tiles` (environment: TILES_SIZE 1024, TILES_STEPS 4000,
//! TILES_SEED 1, TILES_ROUNDS 5).
//!
//! The tiles' figure is *active-cell updates* per second: the cells of the tiles a generation
//! steps (4,096 per tile), summed over the generations, over the stepping time (which includes
//! the tiles only flipped, period 2, whose cells are also given their next generation: a second
//! figure counts those too). The dense figure
//! is the bitwise kernel's on a 4096×4096 torus soup (what `colony bench engine` measures), its
//! rounds alternating with the tiles' so that drifts in machine load hit both alike.
#![allow(missing_docs)]

use std::time::Instant;

use colony_life::kernel::{Bitwise, Kernel, Simd};
use colony_life::{soup, Cells, Rule, Tiles, Topology, Universe};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let size = env("TILES_SIZE", 1024) as usize;
    let steps = env("TILES_STEPS", 4000);
    let seed = env("TILES_SEED", 1);
    let rounds = env("TILES_ROUNDS", 5).max(1);
    let board = soup(size, size, seed, 0.5).expect("soup");
    let cells: Vec<(i64, i64)> = board.live_cells().map(|(x, y)| (x as i64, y as i64)).collect();
    let dense_board = soup(4096, 4096, seed, 0.5).expect("soup");
    let dense_steps = 200u64;
    let (mut tile_rates, mut tile_times, mut dense_rates, mut ratios) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut last = None;
    let mut flip_rates = Vec::new();
    for round in 1..=rounds {
        let mut t = Tiles::from_cells(Rule::CONWAY, cells.iter().copied()).expect("tiles");
        let started = Instant::now();
        t.advance(steps, &mut |_| true).expect("advance");
        let secs = started.elapsed().as_secs_f64();
        let s = t.stats();
        let rate = s.steps as f64 * 4096.0 / secs;
        let with_flips = (s.steps + s.flips) as f64 * 4096.0 / secs;
        flip_rates.push(with_flips);
        println!(
            "round {round} tiles: {secs:.4} s, {} tile steps ({:.0} a generation) and {} flips ({:.0} a generation), {:.3e} active-cell updates/s ({:.3e} counting flipped tiles), population {}, {} tiles at the end, peak {}",
            s.steps,
            s.steps as f64 / s.generations.max(1) as f64,
            s.flips,
            s.flips as f64 / s.generations.max(1) as f64,
            rate,
            with_flips,
            t.population(),
            s.tiles,
            s.peak_tiles,
        );
        tile_rates.push(rate);
        tile_times.push(secs);
        last = Some(t.population());

        let mut kernel = Bitwise::new(Simd::Auto);
        let (mut a, mut b) = (dense_board.clone(), dense_board.clone());
        let started = Instant::now();
        for _ in 0..dense_steps {
            kernel.step(&a, &mut b, Rule::CONWAY, Topology::Torus);
            std::mem::swap(&mut a, &mut b);
        }
        let secs = started.elapsed().as_secs_f64();
        let rate = (4096.0 * 4096.0) * dense_steps as f64 / secs;
        println!(
            "round {round} dense: {secs:.4} s, {rate:.3e} cell updates/s (4096x4096 torus, {dense_steps} generations)"
        );
        ratios.push(tile_rates[tile_rates.len() - 1] / rate);
        dense_rates.push(rate);
    }
    let (tr, tt, dr) = (
        median(&mut tile_rates),
        median(&mut tile_times),
        median(&mut dense_rates),
    );
    println!(
        "median tiles: {tt:.4} s for {size}x{size} soup seed {seed} on the plane, {steps} generations (population {}): {tr:.3e} active-cell updates/s",
        last.unwrap_or(0)
    );
    let fr = median(&mut flip_rates);
    println!(
        "median tiles counting flipped tiles: {fr:.3e} cell updates/s, {:.2} of dense",
        fr / dr
    );
    println!("median dense: {dr:.3e} cell updates/s");
    println!(
        "ratio tiles / dense: {:.2} (of the medians), {:.2} (median of the rounds' ratios)",
        tr / dr,
        median(&mut ratios)
    );
}
