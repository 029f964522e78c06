//! `colony resume`: finish a checkpointed trial after its process died.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use colony_actors::trial::{TrialReport, TrialSpec};
use colony_actors::Start;
use colony_store::{Store, TrialId};
use serde::Serialize;

use super::durable;
use crate::input;

/// Arguments of `colony resume`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  colony trial --games 16 --size 512 --steps 5000 --checkpoint run.db --checkpoint-every 100
  # ... the process dies (kill -9, power loss) ...
  colony resume run.db --report run.json       every game continues from its last checkpoint")]
pub struct ResumeArgs {
    /// The checkpoint database written by `colony trial --checkpoint`.
    #[arg(value_name = "FILE.db")]
    db: PathBuf,
    /// Which trial [default: the latest unfinished one].
    #[arg(long, value_name = "ID")]
    trial: Option<TrialId>,
    /// Checkpoint each game every N generations while continuing.
    #[arg(long, value_name = "N", default_value_t = 100)]
    checkpoint_every: u64,
    /// Compute workers [default: one per core].
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Write the results as JSON (the format of `colony trial --report`).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

#[derive(Serialize)]
struct ReportFile<'a> {
    runs: &'a [TrialReport],
}

/// Runs `colony resume`.
pub fn run(args: ResumeArgs) -> Result<()> {
    let store = Store::open(&args.db)?;
    let trial = match args.trial {
        Some(id) => id,
        None => {
            let trials = store.list_trials()?;
            match trials.iter().rev().find(|t| !t.is_complete()).or(trials.last()) {
                Some(t) => t.id,
                None => bail!("{}: holds no trial", args.db.display()),
            }
        }
    };
    let checkpoint = store.load_trial(trial)?;
    let spec: TrialSpec = serde_json::from_str(&checkpoint.trial.spec_json).with_context(|| {
        format!(
            "{}: trial {trial} has a spec this version cannot read",
            args.db.display()
        )
    })?;
    if spec.games != checkpoint.snapshots.len() {
        bail!(
            "{}: trial {trial} records {} games but holds {} snapshots",
            args.db.display(),
            spec.games,
            checkpoint.snapshots.len()
        );
    }
    let behind = checkpoint.unfinished().count();
    let lowest = checkpoint.snapshots.iter().map(|s| s.generation).min().unwrap_or(0);
    println!(
        "resuming trial {trial} of {}: {} games, {behind} behind the target generation {} (lowest at {lowest})",
        args.db.display(),
        spec.games,
        spec.steps
    );
    let starts = checkpoint
        .snapshots
        .iter()
        .map(|s| Start::Board {
            board: s.board.clone(),
            generation: s.generation,
            outcome: s.outcome,
        })
        .collect();
    let (runtime, colony) = input::start_colony(args.workers)?;
    durable::print_failures(&runtime, &colony);
    let every = (args.checkpoint_every > 0).then_some(args.checkpoint_every);
    let recording = durable::Recording::continue_in(store, trial, every, None)?;
    let report = durable::run_recorded(&runtime, &colony, &spec, recording, Some(starts))?;
    println!("{}", report.timing_line());
    let settled = report.results.iter().filter(|r| r.outcome != "running").count();
    println!(
        "all {} games at generation {} ({} settled); trial {trial} finished",
        report.games, spec.steps, settled
    );
    if let Some(path) = &args.report {
        let json = serde_json::to_string_pretty(&ReportFile {
            runs: std::slice::from_ref(&report),
        })?;
        input::write_file(path, &json)?;
        println!("report written to {}", path.display());
    }
    Ok(())
}
