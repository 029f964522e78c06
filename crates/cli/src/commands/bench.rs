//! `colony bench`: whole-program speed figures quoted in BENCHMARKS.md.

use std::time::Instant;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use colony_life::kernel::{Bitwise, Kernel, Reference, Simd};
use colony_life::{soup, Board, Game, Rule, Topology};

use crate::budget::Budget;
use crate::input;

/// Arguments of `colony bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: BenchWhat,
}

#[derive(Debug, Subcommand)]
enum BenchWhat {
    /// Step one soup with one kernel; prints the median of several runs.
    Engine(EngineArgs),
    /// Spawn many idle game actors and measure spawn rate, memory, round trip and throughput.
    Actors(ActorsArgs),
}

#[derive(Debug, Args)]
struct ActorsArgs {
    /// Idle game actors alive at once.
    #[arg(long, default_value_t = 100_000)]
    actors: usize,
    /// Board side of each game.
    #[arg(long, default_value_t = 16)]
    board: usize,
    /// Request/reply round trips to time.
    #[arg(long, default_value_t = 20_000)]
    round_trips: usize,
    /// One-way messages for the throughput figure.
    #[arg(long, default_value_t = 1_000_000)]
    messages: usize,
    /// Compute workers [default: one per core].
    #[arg(long)]
    workers: Option<usize>,
}

#[derive(Debug, Args)]
struct EngineArgs {
    /// Board side (square torus soup).
    #[arg(long, default_value_t = 4096)]
    size: usize,
    /// Generations per run.
    #[arg(long, default_value_t = 1000)]
    steps: u64,
    /// Runs; the median is reported.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// Soup seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Life-like rule.
    #[arg(long, default_value = "B3/S23")]
    rule: Rule,
    /// Which kernel build to run.
    #[arg(long, value_enum, default_value_t = KernelArg::Auto)]
    kernel: KernelArg,
    /// Threads the board is stepped on, 1 to 256 (the bit-parallel kernels) [default: one per core].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KernelArg {
    /// Bit-parallel, AVX2 when available.
    Auto,
    /// Bit-parallel, portable code only.
    Portable,
    /// The per-cell reference kernel.
    Reference,
}

/// Runs `colony bench`.
pub fn run(args: BenchArgs, budget: &Budget) -> Result<()> {
    match args.what {
        BenchWhat::Engine(args) => engine(args, budget),
        BenchWhat::Actors(args) => actors(args, budget),
    }
}

fn engine(args: EngineArgs, budget: &Budget) -> Result<()> {
    anyhow::ensure!(args.repeat >= 1, "--repeat must be at least 1");
    anyhow::ensure!(args.steps >= 1, "--steps must be at least 1");
    // The soup and the two boards a run swaps between.
    let board_bytes = Board::bytes_for(args.size, args.size)?;
    budget.check(
        format_args!("a {0}x{0} engine run", args.size),
        board_bytes.saturating_mul(3),
    )?;
    let board = soup(args.size, args.size, args.seed, 0.5)?;
    let threads = input::board_threads(args.threads)?;
    let (mut kernel, threads): (Box<dyn Kernel>, usize) = match args.kernel {
        KernelArg::Auto => (Box::new(Bitwise::new(Simd::Auto).with_threads(threads)?), threads),
        KernelArg::Portable => (Box::new(Bitwise::new(Simd::Portable).with_threads(threads)?), threads),
        KernelArg::Reference => (Box::new(Reference), 1),
    };
    let avx2 = Bitwise::new(Simd::Auto).uses_avx2();
    say!(
        "engine: {0}x{0} torus soup (seed {1}), {2} generations, rule {3}, kernel {4:?} (cpu avx2: {avx2}) on {6} thread{7}, {5} runs",
        args.size,
        args.seed,
        args.steps,
        args.rule,
        args.kernel,
        args.repeat,
        threads,
        if threads == 1 { "" } else { "s" },
    )?;
    let mut times = Vec::with_capacity(args.repeat);
    let mut final_population = 0;
    for run in 0..args.repeat.max(1) {
        let (mut a, mut b) = (board.clone(), board.clone());
        let t = Instant::now();
        for _ in 0..args.steps {
            kernel.step(&a, &mut b, args.rule, Topology::Torus);
            std::mem::swap(&mut a, &mut b);
        }
        let elapsed = t.elapsed();
        final_population = a.population();
        say!("  run {run}: {:.4} s", elapsed.as_secs_f64())?;
        times.push(elapsed);
    }
    times.sort();
    let median = times[times.len() / 2];
    let updates = board.cell_count() as f64 * args.steps as f64;
    say!(
        "median {:.4} s, {} cell updates/s, {:.1} ns per generation, final population {final_population}",
        median.as_secs_f64(),
        crate::args::format_rate(updates / median.as_secs_f64().max(1e-12)),
        median.as_nanos() as f64 / args.steps.max(1) as f64,
    )?;
    Ok(())
}

fn actors(args: ActorsArgs, budget: &Budget) -> Result<()> {
    use colony_actors::overhead::{measure, OverheadConfig};
    use colony_actors::{Colony, ColonyConfig};
    anyhow::ensure!(args.actors > 0, "--actors must be at least 1");
    if let Some(n) = args.workers.filter(|n| !(1..=input::MAX_WORKERS).contains(n)) {
        anyhow::bail!("--workers must be between 1 and {}, got {n}", input::MAX_WORKERS);
    }
    let per_actor = Game::bytes_for(args.board, args.board, colony_actors::TRIAL_HISTORY)?
        .saturating_add(colony_actors::trial::GAME_OVERHEAD_BYTES);
    budget.check(
        format_args!("{} idle actors of {1}x{1}", args.actors, args.board),
        per_actor.saturating_mul(args.actors as u64),
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = runtime.block_on(async {
        let colony = Colony::init(ColonyConfig {
            workers: args.workers,
            ..ColonyConfig::default()
        })
        .await?;
        measure(
            &colony,
            OverheadConfig {
                actors: args.actors,
                board: args.board,
                round_trips: args.round_trips,
                messages: args.messages,
            },
        )
        .await
    })?;
    say!(
        "actors: {} idle game actors of {2}x{2} alive at once (runtime counted {1})",
        report.actors,
        report.live_at_peak,
        args.board
    )?;
    say!("  spawn rate       {:>12.0} actors/s", report.spawn_per_second)?;
    say!(
        "  memory           {:>12.0} bytes/actor ({:.0} bytes of board and history, {:.0} bytes beyond)",
        report.bytes_per_actor,
        report.board_bytes,
        report.bytes_per_actor - report.board_bytes
    )?;
    say!(
        "  round trip       {:>12.1} us median, {:.1} us p99",
        report.round_trip_median.as_secs_f64() * 1e6,
        report.round_trip_p99.as_secs_f64() * 1e6
    )?;
    say!("  one-way messages {:>12.0} msgs/s", report.messages_per_second)?;
    Ok(())
}
