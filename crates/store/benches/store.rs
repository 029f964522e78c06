//! Checkpoint cost: `cargo bench -p colony-store --bench store`.
//!
//! The requirement it watches: checkpointing every 100 generations costs under 5% of a trial's
//! time for 64 games of 256×256. One iteration here is one such checkpoint: 64 snapshots saved
//! in one transaction (directly, and through the background writer including its flush).

use colony_life::{soup, Outcome, Rule, Topology};
use colony_store::{CheckpointWriter, GameRecord, Snapshot, Store, StoreOptions, Synchronous, TrialId};
use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};

const GAMES: u32 = 64;
const SIZE: usize = 256;

fn snapshots(generation: u64) -> Vec<Snapshot> {
    (0..GAMES)
        .map(|game| {
            let board = soup(SIZE, SIZE, u64::from(game) + generation, 0.5).expect("soup");
            Snapshot::new(game, generation, board, Outcome::Running)
        })
        .collect()
}

fn trial(dir: &std::path::Path, synchronous: Synchronous) -> (Store, TrialId) {
    let options = StoreOptions {
        synchronous,
        ..StoreOptions::default()
    };
    let mut store = Store::create_with(dir.join(format!("{synchronous:?}.db")), options).expect("store");
    let games: Vec<GameRecord> = (0..GAMES)
        .map(|game| GameRecord {
            game,
            seed: Some(u64::from(game)),
            rule: Rule::CONWAY,
            topology: Topology::Torus,
            plane: false,
            width: SIZE,
            height: SIZE,
        })
        .collect();
    let id = store.create_trial("{}", 10_000, &games, &snapshots(0)).expect("trial");
    (store, id)
}

fn save_bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    // Two sets of boards, alternated, so every save really changes the rows.
    let sets = [snapshots(100), snapshots(200)];
    let mut group = c.benchmark_group("checkpoint-64x256x256");
    group.throughput(Throughput::Elements(u64::from(GAMES)));
    group.sample_size(30);
    for synchronous in [Synchronous::Normal, Synchronous::Full] {
        let (mut store, id) = trial(dir.path(), synchronous);
        let mut turn = 0usize;
        group.bench_function(BenchmarkId::new("save", format!("{synchronous:?}")), |b| {
            b.iter(|| {
                turn += 1;
                store.save(id, &sets[turn % 2]).expect("save");
            })
        });
    }
    let (store, id) = trial(dir.path(), Synchronous::Normal);
    let writer = CheckpointWriter::spawn(store, id).expect("writer");
    let mut turn = 0usize;
    group.bench_function(BenchmarkId::new("writer-send", "Normal"), |b| {
        b.iter(|| {
            turn += 1;
            writer.send_all(sets[turn % 2].iter().cloned()).expect("send");
        })
    });
    writer.flush().expect("flush");
    group.bench_function(BenchmarkId::new("writer-send-and-flush", "Normal"), |b| {
        b.iter(|| {
            turn += 1;
            writer.send_all(sets[turn % 2].iter().cloned()).expect("send");
            writer.flush().expect("flush");
        })
    });
    group.finish();
    writer.finish().expect("finish");
}

/// Every benchmark of this file (what `criterion_group!` would generate, documented).
fn benches() {
    let mut criterion = Criterion::default().configure_from_args();
    save_bench(&mut criterion);
}

criterion_main!(benches);
