//! What `colony trial --checkpoint` and `colony resume` share: the checkpoint flags, the runtime
//! they run on, and the printer of failures. The policies live in the libraries
//! (`colony_actors::TrialSupervisor`, `colony_store::Journal`); this is wiring.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use colony_actors::supervisor::SupervisorConfig;
use colony_actors::{Colony, GameUpdate, TrialSupervisor};
use tokio::runtime::Runtime;

/// Checkpoint options of `colony trial`.
#[derive(Debug, Clone, Args)]
pub struct CheckpointArgs {
    /// Keep every game's state in this SQLite file, so `colony resume` can finish the trial after a
    /// crash (actor runs only).
    #[arg(long, value_name = "FILE.db")]
    pub checkpoint: Option<PathBuf>,
    /// Checkpoint each game every N generations (0: only at the end).
    #[arg(long, value_name = "N", default_value_t = 100, requires = "checkpoint")]
    pub checkpoint_every: u64,
    /// Also checkpoint every game that moved on at least this often (seconds).
    #[arg(long, value_name = "SECONDS", requires = "checkpoint")]
    pub checkpoint_interval: Option<f64>,
}

impl CheckpointArgs {
    /// The interval, checked (before anything is written), and the database's folder, which
    /// must exist before any run starts (the file is made when the actor run begins).
    pub fn interval(&self) -> Result<Option<Duration>> {
        if let Some(db) = &self.checkpoint {
            let folder = match db.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => std::path::Path::new("."),
            };
            if !folder.is_dir() {
                anyhow::bail!(
                    "--checkpoint {}: the folder {} does not exist",
                    db.display(),
                    folder.display()
                );
            }
        }
        match self.checkpoint_interval {
            None => Ok(None),
            Some(s) if s.is_finite() && s > 0.0 && s <= 1e9 => Ok(Some(Duration::from_secs_f64(s))),
            Some(s) => anyhow::bail!(
                "--checkpoint-interval must be a positive number of seconds, got {}",
                colony_actors::trial::shown(s)
            ),
        }
    }

    /// The generation step, `None` for 0.
    pub fn every(&self) -> Option<u64> {
        (self.checkpoint_every > 0).then_some(self.checkpoint_every)
    }
}

/// The supervisor every actor trial of this process runs on: its runners are tasks on the
/// runtime's workers, sharing a worker with the actors they message instead of waking another
/// thread for every reply (which, at batch size 1, cost more than the steps).
pub fn supervisor(runtime: &Runtime, colony: &Colony) -> TrialSupervisor {
    TrialSupervisor::new(
        Arc::new(colony.clone()),
        SupervisorConfig {
            runtime: Some(runtime.handle().clone()),
            ..SupervisorConfig::default()
        },
    )
}

/// Prints failures and restarts as the supervisor reports them, while the runtime lives.
pub fn print_failures(runtime: &Runtime, updates: &colony_actors::Updates) {
    let mut updates = updates.subscribe_events();
    runtime.spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match updates.recv().await {
                Ok(GameUpdate::Failed { game, reason, .. }) => eprintln!("{game} failed: {reason}"),
                Ok(GameUpdate::Restarted { game, generation, .. }) => {
                    eprintln!("{game} restarted from its checkpoint at generation {generation}")
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    });
}

/// Refuses an output path before any work is done: its folder must exist, and it must not be
/// (by canonical path, or as the same file through a hard link) the checkpoint database `db` or
/// its `-wal`/`-shm` companions, which the output would overwrite.
pub fn check_output(flag: &str, output: &Path, db: Option<&Path>) -> Result<()> {
    let resolved =
        resolve(output).ok_or_else(|| anyhow::anyhow!("{flag} {}: its folder does not exist", output.display()))?;
    let Some(db) = db else { return Ok(()) };
    for suffix in ["", "-wal", "-shm"] {
        let mut companion = db.as_os_str().to_os_string();
        companion.push(suffix);
        let companion = PathBuf::from(companion);
        let same_path = resolve(&companion).is_some_and(|c| c == resolved);
        if same_path || same_file(output, &companion) {
            anyhow::bail!(
                "{flag} {} would overwrite the checkpoint database {}: choose another file",
                output.display(),
                companion.display()
            );
        }
    }
    Ok(())
}

/// The canonical form of a path that may not exist yet: its folder canonicalized, its name kept.
fn resolve(path: &Path) -> Option<PathBuf> {
    if let Ok(canonical) = path.canonicalize() {
        return Some(canonical);
    }
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Some(parent.canonicalize().ok()?.join(name))
}

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &Path, _: &Path) -> bool {
    false
}
