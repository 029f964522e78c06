//! `colony resume`: finish a checkpointed trial after its process died.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use colony_actors::trial::TrialReport;
use colony_actors::TrialOptions;
use colony_store::{Journal, TrialId};
use serde::Serialize;

use super::durable;
use crate::budget::Budget;
use crate::input;

/// Arguments of `colony resume`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  colony trial --games 16 --size 512 --steps 5000 --checkpoint run.db --checkpoint-every 100
  # ... the process dies (kill -9, power loss) ...
  colony resume run.db --report run.json       every game continues from its last checkpoint
  colony resume run.db --cluster 127.0.0.1:7001,127.0.0.1:7002 --cookie-file cookie
                                               ... on the nodes, after the driver died")]
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
    #[command(flatten)]
    cluster: crate::args::ClusterArgs,
}

#[derive(Serialize)]
struct ReportFile<'a> {
    runs: &'a [TrialReport],
}

/// Runs `colony resume`.
pub fn run(args: ResumeArgs, budget: &Budget) -> Result<()> {
    let report_file = match &args.report {
        Some(report) => {
            durable::check_output("--report", report, Some(&args.db))?;
            Some(input::Output::create("--report", report)?)
        }
        None => None,
    };
    args.cluster.check()?;
    let heartbeat = super::node::heartbeat(args.cluster.heartbeat_timeout)?;
    // Threads first: a refused --workers must not leave a lease behind.
    let (runtime, colony) = input::start_colony(args.workers)?;
    let resumption = Journal::resume(&args.db, args.trial)?;
    let trial = resumption.journal.trial();
    let spec = resumption.spec;
    budget.check(
        format_args!("trial {trial}'s {} games of {}x{}", spec.games, spec.width, spec.height),
        spec.estimated_bytes(),
    )?;
    say!(
        "resuming trial {trial} of {}: {} games, {} behind the target generation {} (lowest at {})",
        args.db.display(),
        spec.games,
        resumption.behind,
        spec.steps,
        resumption.lowest
    )?;
    // A cluster that cannot be met ends the command here, the lease given back and nothing run.
    let supervisor = super::node::supervisor(&runtime, &colony, &args.cluster, heartbeat)?;
    durable::print_failures(&runtime, supervisor.placement().updates());
    let every = (args.checkpoint_every > 0).then_some(args.checkpoint_every);
    let options = TrialOptions {
        checkpoints: Some(resumption.journal.checkpointing(every, None)),
        starts: Some(resumption.starts),
        source: "cli",
        ..TrialOptions::default()
    };
    let report = runtime.block_on(supervisor.run(spec.clone(), options))?;
    say!("{}", report.timing_line())?;
    let settled = report.results.iter().filter(|r| r.end.is_settled()).count();
    say!(
        "all {} games at generation {} ({} settled); trial {trial} finished",
        report.games,
        spec.steps,
        settled
    )?;
    if let Some(output) = report_file {
        let json = serde_json::to_string_pretty(&ReportFile {
            runs: std::slice::from_ref(&report),
        })?;
        let path = output.path().to_path_buf();
        output.write(&json)?;
        say!("report written to {}", path.display())?;
    }
    Ok(())
}
