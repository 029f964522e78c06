//! Kernel throughput: `cargo bench -p colony-life --bench kernels`.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use colony_life::kernel::{Bitwise, Kernel, Reference, Simd};
use colony_life::{soup, Board, Game, Rule, Topology};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

fn step_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("step");
    for &(size, simd) in &[
        (64, Simd::Auto),
        (64, Simd::Portable),
        (4096, Simd::Auto),
        (4096, Simd::Portable),
    ] {
        let board = soup(size, size, 1, 0.5).expect("soup");
        group.throughput(Throughput::Elements(board.cell_count()));
        let mut kernel = Bitwise::new(simd);
        let mut a = board.clone();
        let mut b = board.clone();
        group.bench_function(BenchmarkId::new(format!("bitwise-{simd:?}"), size), |bench| {
            bench.iter(|| {
                kernel.step(&a, &mut b, Rule::CONWAY, Topology::Torus);
                std::mem::swap(&mut a, &mut b);
            })
        });
    }
    let highlife: Rule = "B36/S23".parse().expect("rule");
    let board = soup(4096, 4096, 1, 0.5).expect("soup");
    let mut kernel = Bitwise::new(Simd::Auto);
    let (mut a, mut b) = (board.clone(), board);
    group.throughput(Throughput::Elements(a.cell_count()));
    group.bench_function(BenchmarkId::new("bitwise-B36/S23", 4096), |bench| {
        bench.iter(|| {
            kernel.step(&a, &mut b, highlife, Topology::Torus);
            std::mem::swap(&mut a, &mut b);
        })
    });
    let board = soup(100, 100, 1, 0.5).expect("soup");
    let mut out = board.clone();
    group.throughput(Throughput::Elements(board.cell_count()));
    group.bench_function(BenchmarkId::new("reference", 100), |bench| {
        bench.iter(|| Reference.step(black_box(&board), &mut out, Rule::CONWAY, Topology::Torus))
    });
    group.finish();
}

fn game_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("game");
    let board: Board = soup(64, 64, 1, 0.5).expect("soup");
    group.throughput(Throughput::Elements(100 * board.cell_count()));
    group.bench_function("advance-64x64-100-generations", |bench| {
        bench.iter_batched(
            || Game::new(board.clone(), Rule::CONWAY, Topology::Torus),
            |mut game| {
                game.advance(100);
                game
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, step_bench, game_bench);
criterion_main!(benches);
