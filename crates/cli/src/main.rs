//! `colony`: Conway's Game of Life as actors, from the command line.

// Lines go through `say!`, which reports a closed pipe instead of panicking.
#![deny(clippy::print_stdout)]

mod args;
mod budget;
mod commands;
mod input;
mod space;

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

    /// Most memory a command may plan to hold, e.g. 4G or 512MiB; what would not fit is refused
    /// before it starts [default: 80% of physical memory or of the cgroup's limit, or half of
    /// ulimit -v, whichever is least].
    #[arg(long, value_name = "SIZE", global = true, value_parser = budget::parse_size)]
    max_memory: Option<bytesize::ByteSize>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Play one game: a random soup or a pattern, printed as the tutorial prints it.
    Play(commands::play::PlayArgs),
    /// Time many games, one after another and as actors (the tutorial's trials).
    Trial(Box<commands::trial::TrialArgs>),
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
    /// Show each node of a cluster: up or unreachable, workers, games, memory, CPU.
    Nodes(commands::nodes::NodesArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version are not errors.
        Err(err) if !err.use_stderr() => {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("colony: error: {}", one_line(&err.render().to_string()));
            return ExitCode::from(2);
        }
    };
    init_tracing(cli.verbose);
    let budget = budget::Budget::new(cli.max_memory);
    tracing::debug!(bytes = budget.bytes(), source = %budget, "memory budget");
    let result = match cli.command {
        Command::Play(args) => commands::play::run(args, &budget),
        Command::Trial(args) => commands::trial::run(*args, &budget),
        Command::Resume(args) => commands::resume::run(args, &budget),
        Command::Checkpoints(args) => commands::checkpoints::run(args, &budget),
        Command::Bench(args) => commands::bench::run(args, &budget),
        Command::Serve(args) => commands::serve::run(args, &budget),
        Command::Render(args) => commands::render::run(args, &budget),
        Command::Node(args) => commands::node::run(args),
        Command::Nodes(args) => commands::nodes::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        // Not a usage error: the command ran, and what it found is the answer.
        Err(err) if err.is::<commands::nodes::NoneAnswered>() => {
            let _ = std::io::stdout().flush();
            eprintln!("colony: {err}");
            ExitCode::from(1)
        }
        Err(err) => {
            let _ = std::io::stdout().flush();
            eprintln!("colony: error: {}", describe(&err));
            ExitCode::from(2)
        }
    }
}

/// clap's usage error as one line, like every other error: the message and its tips, without the
/// usage block (`--help` shows that).
fn one_line(rendered: &str) -> String {
    let parts: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    let text = parts.join("; ");
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    format!("{text} (see --help)")
}

/// The error and its causes on one line, each cause once: library errors often include their
/// source's text in their own message, which `{:#}` would then print twice.
fn describe(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
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
