//! Checkpointed trials: what `colony trial --checkpoint` and `colony resume` share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use colony_actors::trial::{record_trial, run_actors_with, Checkpointing, RunOptions, TrialReport, TrialSpec};
use colony_actors::{Colony, GameUpdate};
use colony_store::{CheckpointWriter, Store, TrialId};
use tokio::runtime::Runtime;

/// Checkpoint options of `colony trial`.
#[derive(Debug, Clone, Args)]
pub struct CheckpointArgs {
    /// Keep every game's state in this SQLite file, so `colony resume` can finish the trial after a
    /// crash (actor runs only).
    #[arg(long, value_name = "FILE.db")]
    pub checkpoint: Option<PathBuf>,
    /// Checkpoint each game every N generations.
    #[arg(long, value_name = "N", default_value_t = 100, requires = "checkpoint")]
    pub checkpoint_every: u64,
    /// Also checkpoint every game that moved on at least this often (seconds).
    #[arg(long, value_name = "SECONDS", requires = "checkpoint")]
    pub checkpoint_interval: Option<f64>,
}

impl CheckpointArgs {
    fn interval(&self) -> Result<Option<Duration>> {
        match self.checkpoint_interval {
            None => Ok(None),
            Some(s) if s.is_finite() && s > 0.0 => Ok(Some(Duration::from_secs_f64(s))),
            Some(s) => anyhow::bail!("--checkpoint-interval must be a positive number of seconds, got {s}"),
        }
    }
}

/// Runs an actor trial as a task on the runtime's workers rather than on this thread: the runner
/// then shares a worker with the actors it messages, instead of waking another thread for every
/// reply (which, at batch size 1, cost more than the steps).
pub fn run_on_workers(
    runtime: &Runtime,
    colony: &Colony,
    spec: &TrialSpec,
    options: RunOptions,
) -> Result<TrialReport> {
    let (colony, spec) = (colony.clone(), spec.clone());
    let task = runtime.spawn(async move { run_actors_with(&colony, &spec, &options).await });
    Ok(runtime
        .block_on(task)
        .context("the trial's runner stopped unexpectedly")??)
}

/// Prints failures and restarts as the supervisor reports them, while the runtime lives.
pub fn print_failures(runtime: &Runtime, colony: &Colony) {
    let mut updates = colony.updates().subscribe_events();
    runtime.spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match updates.recv().await {
                Ok(GameUpdate::Failed { game, reason }) => eprintln!("{game} failed: {reason}"),
                Ok(GameUpdate::Restarted { game, generation }) => {
                    eprintln!("{game} restarted from its checkpoint at generation {generation}")
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    });
}

/// A trial being checkpointed: the background writer and the trial's id in the database.
pub struct Recording {
    writer: CheckpointWriter,
    trial: TrialId,
    path: PathBuf,
    /// What the runner needs to checkpoint into it.
    pub checkpointing: Checkpointing,
}

impl Recording {
    /// Records `spec` as a new trial of the database at `path`.
    pub fn start(spec: &TrialSpec, args: &CheckpointArgs, path: &Path) -> Result<Recording> {
        let mut store = Store::create(path)?;
        let trial = record_trial(&mut store, spec)?;
        eprintln!(
            "checkpointing trial {trial} into {} (resume with: colony resume {})",
            path.display(),
            path.display()
        );
        let every = (args.checkpoint_every > 0).then_some(args.checkpoint_every);
        Recording::continue_in(store, trial, every, args.interval()?)
    }

    /// Continues checkpointing `trial` of an open `store`.
    pub fn continue_in(
        store: Store,
        trial: TrialId,
        every: Option<u64>,
        interval: Option<Duration>,
    ) -> Result<Recording> {
        let path = store.path().to_path_buf();
        let writer = CheckpointWriter::spawn(store, trial)?;
        let checkpointing = Checkpointing {
            sender: writer.sender(),
            every,
            interval,
        };
        Ok(Recording {
            writer,
            trial,
            path,
            checkpointing,
        })
    }

    /// Writes what was sent, and marks the trial finished when every game reached the target.
    pub fn finish(self, report: Option<&TrialReport>, spec: &TrialSpec) -> Result<()> {
        let mut store = self
            .writer
            .finish()
            .with_context(|| format!("writing checkpoints to {}", self.path.display()))?;
        if report.is_some_and(|r| r.results.iter().all(|g| g.generation >= spec.steps)) {
            store.mark_finished(self.trial)?;
        }
        Ok(())
    }
}

/// Runs `spec` on actors, checkpointing into a new trial of the database at `path`.
pub fn run_checkpointed(
    runtime: &Runtime,
    colony: &Colony,
    spec: &TrialSpec,
    args: &CheckpointArgs,
    path: &Path,
) -> Result<TrialReport> {
    let recording = Recording::start(spec, args, path)?;
    run_recorded(runtime, colony, spec, recording, None)
}

/// Runs `spec` on actors into `recording` (from `starts` when resuming) and finishes it.
pub fn run_recorded(
    runtime: &Runtime,
    colony: &Colony,
    spec: &TrialSpec,
    recording: Recording,
    starts: Option<Vec<colony_actors::Start>>,
) -> Result<TrialReport> {
    let options = RunOptions {
        checkpoints: Some(recording.checkpointing.clone()),
        starts,
        ..RunOptions::default()
    };
    let report = run_on_workers(runtime, colony, spec, options);
    // Whatever happened, write what was sent before reporting.
    recording.finish(report.as_ref().ok(), spec)?;
    report
}
