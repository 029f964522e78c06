//! `colony`: Conway's Game of Life as actors, from the command line.

mod args;
mod commands;
mod input;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Colony runs Conway's Game of Life (and any Life-like rule) fast: one board or many games.
#[derive(Debug, Parser)]
#[command(name = "colony", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// Log more (-v: debug, -vv: trace); logs go to stderr. RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Play one game: a random soup or a pattern, printed as the tutorial prints it.
    Play(commands::play::PlayArgs),
    /// Time many games, one after another and as actors (the tutorial's trials).
    Trial(commands::trial::TrialArgs),
    /// Finish a checkpointed trial after its process died (kill -9, power loss).
    Resume(commands::resume::ResumeArgs),
    /// List the trials and games in a checkpoint database, or export one game's board.
    Checkpoints(commands::checkpoints::CheckpointsArgs),
    /// Watch trials live in the browser: every game, the actors and the CPU (127.0.0.1:8265).
    Serve(commands::serve::ServeArgs),
    /// Draw a game: an animated GIF, a PNG of the final board, a PNG plot of its population.
    Render(commands::render::RenderArgs),
    /// Measure the engine's speed (kernels, board sizes) without criterion's statistics.
    Bench(commands::bench::BenchArgs),
    /// Host games for trials driven from elsewhere (`colony trial --cluster`).
    Node(commands::node::NodeArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            // --help and --version are not errors.
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    init_tracing(cli.verbose);
    let result = match cli.command {
        Command::Play(args) => commands::play::run(args),
        Command::Trial(args) => commands::trial::run(args),
        Command::Resume(args) => commands::resume::run(args),
        Command::Checkpoints(args) => commands::checkpoints::run(args),
        Command::Bench(args) => commands::bench::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Render(args) => commands::render::run(args),
        Command::Node(args) => commands::node::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = std::io::stdout().flush();
            eprintln!("colony: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn init_tracing(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        // ractor_cluster warns of every session that ends; colony-cluster logs the ones that matter.
        0 => "warn,ractor_cluster=error",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
