//! `colony trial`: the tutorial's `do_trial` / `do_ray_trial` comparison and batch experiment.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use colony_actors::trial::{random_seed, run_sequential, Limits, Mode, Seed, TrialReport, TrialRequest, TrialSpec};
use colony_actors::{Space, TrialOptions};
use colony_store::Journal;
use serde::Serialize;

use crate::args::format_rate;
use crate::budget::Budget;
use crate::input;
use crate::space::SpaceArg;

/// Which runners a trial times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Games one after another in this thread.
    Sequential,
    /// One actor per game, on every worker.
    Actors,
    /// Both, and compare.
    Both,
}

/// Arguments of `colony trial`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  colony trial                                  the tutorial's comparison: one game per core, 100x100, 50 steps
  colony trial --games 64 --size 512 --steps 200 --mode both
  colony trial --games 1 --batch-sizes 1,10,25,50 --repeat 2   the tutorial's batch-size experiment
  colony trial --games 8 --report trial.json")]
pub struct TrialArgs {
    /// Number of games [default: the number of workers].
    #[arg(long, value_name = "N")]
    games: Option<usize>,
    /// Board width and height.
    #[arg(long, value_name = "N", default_value_t = 100)]
    size: usize,
    /// Board width (overrides --size).
    #[arg(long, value_name = "N")]
    width: Option<usize>,
    /// Board height (overrides --size).
    #[arg(long, value_name = "N")]
    height: Option<usize>,
    /// Generations every game advances.
    #[arg(long, value_name = "N", default_value_t = 50)]
    steps: u64,
    /// Generations per request to a game.
    #[arg(long, value_name = "N", default_value_t = 1)]
    batch_size: u64,
    /// Run the batch-size experiment over these sizes (overrides --batch-size), e.g. 1,10,25,50.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    batch_sizes: Vec<u64>,
    /// Runs per batch size and mode.
    #[arg(long, value_name = "N", default_value_t = 1)]
    repeat: usize,
    /// Seconds to sleep between batches (the tutorial's pause_between_batches).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, allow_negative_numbers = true)]
    pause: f64,
    /// Which runners to time [default: both; actors with --cluster].
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
    /// Seed of game 0; game i uses seed + i [default: random, printed].
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Soup density.
    #[arg(long, value_name = "F", default_value_t = 0.5, allow_negative_numbers = true)]
    density: f64,
    /// Life-like rule.
    #[arg(long, value_name = "RULE", default_value = "B3/S23")]
    rule: String,
    /// What lies past the edges; plane: the unbounded plane, computed with HashLife (--size then
    /// gives a soup's extent, its top-left cell at (0,0); a pattern sits where `colony play` puts it).
    #[arg(long, value_enum, default_value_t = SpaceArg::Torus)]
    topology: SpaceArg,
    /// Start every game from this pattern (file or library name), centred, instead of a soup.
    #[arg(long, value_name = "FILE|NAME")]
    pattern: Option<String>,
    /// Compute workers [default: one per core].
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Write every run's results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    #[command(flatten)]
    checkpoints: super::durable::CheckpointArgs,
    #[command(flatten)]
    cluster: crate::args::ClusterArgs,
    /// Watch the actor runs live in the browser (URL printed); keeps serving until Ctrl-C.
    #[arg(long)]
    serve: bool,
    /// With --serve: address to listen on (off loopback the API needs the token).
    #[arg(long, value_name = "ADDR", default_value = colony_web::DEFAULT_BIND, requires = "serve")]
    bind: String,
    // The token the API requires, as for `colony serve` (--token, --token-file or COLONY_TOKEN).
    #[command(flatten, next_help_heading = "With --serve")]
    token: super::serve::TokenArgs,
}

#[derive(Serialize)]
struct ReportFile<'a> {
    runs: &'a [TrialReport],
}

/// The flags as a request: the same path to a spec as the dashboard's JSON body.
fn request(args: &TrialArgs, games: usize, seed: u64) -> TrialRequest {
    TrialRequest {
        games: Some(games),
        size: Some(args.size),
        width: args.width,
        height: args.height,
        steps: Some(args.steps),
        batch_size: Some(args.batch_size),
        pause: Some(args.pause),
        seed: Some(Seed(seed)),
        density: Some(args.density),
        rule: Some(args.rule.clone()),
        topology: Some(
            args.topology
                .board()
                .map_or_else(|| "plane".to_string(), |t| t.to_string()),
        ),
        pattern: None,
        replace: None,
    }
}

/// Runs `colony trial`.
pub fn run(args: TrialArgs, budget: &Budget) -> Result<()> {
    let mode = match (args.mode, !args.cluster.given()) {
        (Some(mode), _) => mode,
        (None, true) => ModeArg::Both,
        (None, false) => ModeArg::Actors,
    };
    args.cluster.check()?;
    if args.repeat == 0 {
        bail!("--repeat must be at least 1");
    }
    if args.serve && mode == ModeArg::Sequential {
        bail!("--serve shows actor runs: use --mode actors (or both)");
    }
    if args.token.given() && !args.serve {
        bail!("--token and --token-file apply to the dashboard: add --serve");
    }
    let dashboard_access = match args.serve {
        true => Some(args.token.access(&args.bind)?),
        false => None,
    };
    if args.checkpoints.checkpoint.is_some() && mode == ModeArg::Sequential {
        bail!("--checkpoint applies to actor runs: use --mode actors (or both)");
    }
    if args.batch_sizes.contains(&0) {
        bail!("--batch-sizes: every batch size must be at least 1");
    }
    // Everything is checked before anything is spawned or written.
    let interval = args.checkpoints.interval()?;
    let heartbeat = super::node::heartbeat(args.cluster.heartbeat_timeout)?;
    let report_file = match &args.report {
        Some(report) => {
            super::durable::check_output("--report", report, args.checkpoints.checkpoint.as_deref())?;
            Some(input::Output::create("--report", report)?)
        }
        None => None,
    };
    let pattern = match &args.pattern {
        // A pattern larger than the board cannot be placed: refuse its declared size unread.
        Some(name) => {
            let cells = match args.topology {
                // The plane has no board to fill: a pattern's extent is bounded by memory, as in play.
                SpaceArg::Plane => budget.bytes() / 64,
                _ => (args.width.unwrap_or(args.size) as u64).saturating_mul(args.height.unwrap_or(args.size) as u64),
            };
            Some((input::load_pattern_within(name, cells)?, name.clone()))
        }
        None => None,
    };
    let (runtime, colony) = input::start_colony(args.workers)?;
    let supervisor = super::node::supervisor(&runtime, &colony, &args.cluster, heartbeat)?;
    let workers = supervisor.placement().workers();
    let games = args.games.unwrap_or(workers);
    let seed = args.seed.unwrap_or_else(random_seed);
    let base = request(&args, games, seed).plan_with(&Limits::cli().with_memory(budget.bytes()), pattern)?;
    let batch_sizes = if args.batch_sizes.is_empty() {
        vec![args.batch_size]
    } else {
        args.batch_sizes.clone()
    };
    let dashboard = match dashboard_access {
        Some((addr, access)) => Some(super::serve::Dashboard::start(
            colony.clone(),
            supervisor.clone(),
            addr,
            access,
        )?),
        None => None,
    };
    // The placement's updates: with --cluster, games fail and restart on other nodes.
    super::durable::print_failures(&runtime, supervisor.placement().updates());
    let spec = &base.spec;
    let space = match spec.space {
        Space::Board => format!("of {}x{} {}", spec.width, spec.height, spec.topology),
        Space::Plane if spec.plane_pattern.is_some() => "on the plane".to_string(),
        Space::Plane => format!("on the plane ({}x{} soups)", spec.width, spec.height),
    };
    say!(
        "{games} games {space} {}, {} steps, seed {seed} (game i uses seed {seed} + i), {} workers",
        spec.rule,
        spec.steps,
        workers
    )?;
    let modes: &[Mode] = match mode {
        _ if dashboard.is_some() => &[Mode::Actors],
        ModeArg::Sequential => &[Mode::Sequential],
        ModeArg::Actors => &[Mode::Actors],
        ModeArg::Both => &[Mode::Sequential, Mode::Actors],
    };
    let mut runs = Vec::new();
    'runs: for &batch_size in &batch_sizes {
        let spec = TrialSpec {
            batch_size,
            ..base.spec.clone()
        };
        spec.validate()?;
        for _ in 0..args.repeat {
            for &mode in modes {
                let report = match mode {
                    Mode::Sequential => run_sequential(&spec, colony.updates())?,
                    Mode::Actors => {
                        let checkpoints = match &args.checkpoints.checkpoint {
                            Some(db) => {
                                let journal = Journal::create(db, &spec)?;
                                eprintln!(
                                    "checkpointing trial {} into {} (resume with: colony resume {})",
                                    journal.trial(),
                                    db.display(),
                                    db.display()
                                );
                                Some(journal.checkpointing(args.checkpoints.every(), interval))
                            }
                            None => None,
                        };
                        let options = TrialOptions {
                            checkpoints,
                            label: base.pattern.clone(),
                            source: "cli",
                            ..TrialOptions::default()
                        };
                        let report = runtime.block_on(supervisor.run(spec.clone(), options))?;
                        if report.cancelled {
                            say!("{}", report.timing_line())?;
                            say!("trial cancelled from the dashboard; no further runs")?;
                            runs.push(report);
                            break 'runs;
                        }
                        report
                    }
                };
                say!("{}", report.timing_line())?;
                runs.push(report);
            }
        }
    }
    print_table(&runs)?;
    if let Some(output) = report_file {
        let json = serde_json::to_string_pretty(&ReportFile { runs: &runs })?;
        let path = output.path().to_path_buf();
        output.write(&json)?;
        say!("report written to {}", path.display())?;
    }
    if let Some(dashboard) = dashboard {
        dashboard.serve_until_ctrl_c()?;
    }
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// One row per batch size and mode: median time, speed-up over sequential, throughput, CPU use.
fn print_table(runs: &[TrialReport]) -> std::io::Result<()> {
    let mut keys: Vec<(u64, Mode)> = runs.iter().map(|r| (r.batch_size, r.mode)).collect();
    keys.dedup();
    keys.sort_by_key(|&(b, m)| (b, m == Mode::Actors));
    keys.dedup();
    say!()?;
    say!(
        "{:<12} {:>6} {:>11} {:>9} {:>18} {:>9}",
        "mode",
        "batch",
        "median s",
        "speed-up",
        "cell updates/s",
        "cpu use"
    )?;
    for (batch, mode) in keys {
        let of = |m: Mode| runs.iter().filter(move |r| r.batch_size == batch && r.mode == m);
        let time = median(of(mode).map(|r| r.seconds).collect());
        let sequential = median(of(Mode::Sequential).map(|r| r.seconds).collect());
        let speedup = if sequential > 0.0 {
            format!("{:.2}x", sequential / time.max(1e-9))
        } else {
            "-".to_string()
        };
        let rate = median(of(mode).map(|r| r.cell_updates_per_second()).collect());
        let cpu = median(of(mode).map(|r| r.cpu_utilisation()).collect());
        say!(
            "{:<12} {:>6} {:>11.4} {:>9} {:>18} {:>8.0}%",
            mode.to_string(),
            batch,
            time,
            speedup,
            format_rate(rate),
            cpu * 100.0
        )?;
    }
    Ok(())
}
