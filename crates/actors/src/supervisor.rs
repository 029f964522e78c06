//! The trial supervisor: the one owner of running trials. The CLI, the dashboard and every other
//! client start, steer and follow trials through it; printing, streaming and checkpointing are
//! sinks of the updates its runners publish.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use tokio::sync::watch;

use crate::checkpoint::Checkpointing;
use crate::placement::Placement;
use crate::trial::runner::{self, Run, Supervision};
use crate::trial::{Tally, TrialControl, TrialReport, TrialSpec};
use crate::update::GameUpdate;
use crate::wire::{GameId, GameSpec, Snapshot, Start, TrialId};
use crate::ColonyError;

/// Bounds of one supervisor.
#[derive(Debug, Clone)]
pub struct SupervisorConfig {
    /// Trials running (or paused) at once; one more is refused with [`ColonyError::Busy`].
    pub max_running: usize,
    /// Ended trials remembered for listings (the oldest are forgotten first).
    pub keep_ended: usize,
    /// The runtime runners run on (`None`: the one calling [`TrialSupervisor::start`]).
    pub runtime: Option<tokio::runtime::Handle>,
}

impl Default for SupervisorConfig {
    fn default() -> Self {
        SupervisorConfig {
            max_running: 8,
            keep_ended: 16,
            runtime: None,
        }
    }
}

/// How to run one trial, beyond its spec.
#[derive(Clone, Default)]
pub struct TrialOptions {
    /// Checkpoints, if any.
    pub checkpoints: Option<Checkpointing>,
    /// Restart policy for failed games.
    pub supervision: Supervision,
    /// Per-game starting points (resuming from checkpoints); `None` starts every game afresh.
    pub starts: Option<Vec<Start>>,
    /// What to call it where it is shown (a pattern's name, say).
    pub label: Option<String>,
    /// Who started it (`cli`, `api`, …), for listings.
    pub source: &'static str,
    /// Start held: no batch goes out until it is resumed.
    pub paused: bool,
}

/// Where a trial stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TrialStatus {
    /// Batches are going out.
    Running,
    /// Held between batches.
    Paused,
    /// Every game ran every generation (or stopped on the way: killed, failed for good).
    Finished,
    /// Stopped before the end on request.
    Cancelled,
    /// The runtime could not run it (its games' actors are gone).
    Failed,
}

impl TrialStatus {
    /// Whether the trial still holds actors.
    pub fn is_live(self) -> bool {
        matches!(self, TrialStatus::Running | TrialStatus::Paused)
    }
}

/// What a listing shows of a trial.
#[derive(Debug, Clone)]
pub struct TrialInfo {
    /// Its id.
    pub id: TrialId,
    /// Where it stands.
    pub status: TrialStatus,
    /// What it runs.
    pub spec: Arc<TrialSpec>,
    /// What to call it (a pattern's name), if anything.
    pub label: Option<String>,
    /// Who started it.
    pub source: &'static str,
    /// Wall-clock seconds, once it ended.
    pub seconds: Option<f64>,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

type Ending = Option<Result<TrialReport, ColonyError>>;

struct Entry {
    info: TrialInfo,
    control: TrialControl,
    first: Arc<Vec<Snapshot>>,
    /// Until the trial ends: the report then belongs to the trial's handles, not to the listing
    /// (a report holds every game's last board).
    ended: Option<watch::Receiver<Ending>>,
}

struct Inner {
    placement: Arc<dyn Placement>,
    config: SupervisorConfig,
    trials: Mutex<BTreeMap<TrialId, Entry>>,
    next: AtomicU32,
    /// Bumped whenever a trial starts or changes status.
    changes: watch::Sender<u64>,
}

impl Inner {
    fn trials(&self) -> MutexGuard<'_, BTreeMap<TrialId, Entry>> {
        // Plain data behind the lock: a panic elsewhere leaves it usable.
        self.trials.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn changed(&self) {
        self.changes.send_modify(|n| *n += 1);
    }
}

/// Starts, steers and follows trials; several may run at once. Cheap to clone.
#[derive(Clone)]
pub struct TrialSupervisor {
    inner: Arc<Inner>,
}

/// A started trial: its id, its first states, its control, and its end. Cheap to clone.
#[derive(Clone)]
pub struct Trial {
    info: TrialInfo,
    control: TrialControl,
    first: Arc<Vec<Snapshot>>,
    ended: watch::Receiver<Ending>,
}

impl Trial {
    /// Its id.
    pub fn id(&self) -> TrialId {
        self.info.id
    }

    /// What it runs.
    pub fn spec(&self) -> &Arc<TrialSpec> {
        &self.info.spec
    }

    /// Each game's state when the trial started (generation 0, or where it resumed), by game.
    pub fn first_states(&self) -> &Arc<Vec<Snapshot>> {
        &self.first
    }

    /// Pause, resume, kill one game, cancel.
    pub fn control(&self) -> &TrialControl {
        &self.control
    }

    /// Waits for the end: the report (a cancelled run's says so), or why it could not run.
    pub async fn ended(&self) -> Result<TrialReport, ColonyError> {
        let mut ended = self.ended.clone();
        let result = match ended.wait_for(Option::is_some).await {
            Ok(end) => end.clone(),
            Err(_) => None,
        };
        result.unwrap_or_else(|| {
            Err(ColonyError::Runtime(format!(
                "{} has ended; its report went to the handles taken while it ran",
                self.info.id
            )))
        })
    }
}

impl TrialSupervisor {
    /// A supervisor placing games with `placement`.
    pub fn new(placement: Arc<dyn Placement>, config: SupervisorConfig) -> TrialSupervisor {
        TrialSupervisor {
            inner: Arc::new(Inner {
                placement,
                config,
                trials: Mutex::new(BTreeMap::new()),
                next: AtomicU32::new(0),
                changes: watch::channel(0).0,
            }),
        }
    }

    /// The placement games are spawned with (its updates are the trials' updates).
    pub fn placement(&self) -> &Arc<dyn Placement> {
        &self.inner.placement
    }

    /// Wakes whenever a trial starts or changes status.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.inner.changes.subscribe()
    }

    /// Starts `spec`: validates it, spawns every game, and returns once they are all running
    /// (the first batch may not have gone out yet). On any error no actor is left behind.
    pub async fn start(&self, spec: TrialSpec, options: TrialOptions) -> Result<Trial, ColonyError> {
        spec.validate()?;
        let running = self.inner.trials().values().filter(|e| e.info.status.is_live()).count();
        if running >= self.inner.config.max_running {
            return Err(ColonyError::Busy(format!(
                "{running} trials are running, the most this runtime takes at once; cancel one or wait"
            )));
        }
        let starts: Vec<GameSpec> = match &options.starts {
            None => (0..spec.games).map(|i| spec.game(i)).collect(),
            Some(starts) if starts.len() == spec.games => starts
                .iter()
                .map(|start| GameSpec {
                    start: start.clone(),
                    ..spec.game(0)
                })
                .collect(),
            Some(starts) => {
                return Err(ColonyError::Trial(format!(
                    "{} starting points for {} games",
                    starts.len(),
                    spec.games
                )))
            }
        };
        let id = TrialId(self.inner.next.fetch_add(1, Ordering::Relaxed) + 1);
        let placement = self.inner.placement.clone();
        let spawns = starts
            .iter()
            .enumerate()
            .map(|(i, s)| placement.spawn(id, GameId(i as u32), s.clone()));
        // A failed spawn drops the handles made so far, which stops their actors.
        let handles = futures_util::future::try_join_all(spawns).await?;
        let first = futures_util::future::try_join_all(handles.iter().map(|h| h.state())).await?;
        let spec = Arc::new(spec);
        let mut tally = Tally::new(id, &spec);
        for (i, s) in first.iter().enumerate() {
            tally.start(GameId(i as u32), s.summary, s.board.clone(), placement.updates());
        }
        let control = TrialControl::new();
        if options.paused {
            control.pause();
        }
        control.attach(&handles);
        let (ended_tx, ended) = watch::channel(None);
        let info = TrialInfo {
            id,
            status: if options.paused {
                TrialStatus::Paused
            } else {
                TrialStatus::Running
            },
            spec: spec.clone(),
            label: options.label.clone(),
            source: options.source,
            seconds: None,
            error: None,
        };
        let first = Arc::new(first);
        self.inner.trials().insert(
            id,
            Entry {
                info: info.clone(),
                control: control.clone(),
                first: first.clone(),
                ended: Some(ended.clone()),
            },
        );
        self.inner.changed();
        tracing::info!(%id, games = spec.games, width = spec.width, height = spec.height, steps = spec.steps, "trial started");
        let run = Run {
            trial: id,
            spec,
            placement,
            control: control.clone(),
            checkpoints: options.checkpoints,
            supervision: options.supervision,
            starts,
            handles,
            tally,
        };
        let inner = self.inner.clone();
        let task = async move {
            let result = runner::run(run).await;
            conclude(&inner, id, &result);
            let _ = ended_tx.send(Some(result));
        };
        match &self.inner.config.runtime {
            Some(runtime) => drop(runtime.spawn(task)),
            None => drop(tokio::spawn(task)),
        }
        Ok(Trial {
            info,
            control,
            first,
            ended,
        })
    }

    /// Every trial it remembers (running ones and the latest ended), oldest first.
    pub fn list(&self) -> Vec<TrialInfo> {
        self.inner.trials().values().map(|e| e.info.clone()).collect()
    }

    /// One trial's info.
    pub fn info(&self, id: TrialId) -> Option<TrialInfo> {
        self.inner.trials().get(&id).map(|e| e.info.clone())
    }

    /// A handle to a remembered trial. Once a trial has ended its report is with the handles
    /// taken before; a handle taken after says so.
    pub fn trial(&self, id: TrialId) -> Option<Trial> {
        self.inner.trials().get(&id).map(|e| Trial {
            info: e.info.clone(),
            control: e.control.clone(),
            first: e.first.clone(),
            ended: e.ended.clone().unwrap_or_else(|| watch::channel(None).1),
        })
    }

    /// The most recently started trial.
    pub fn latest(&self) -> Option<TrialId> {
        self.inner.trials().keys().next_back().copied()
    }

    fn live<T>(&self, id: TrialId, act: impl FnOnce(&mut Entry) -> T) -> Result<T, ColonyError> {
        let mut trials = self.inner.trials();
        let entry = trials.get_mut(&id).ok_or(ColonyError::NoSuchTrial(id))?;
        if !entry.info.status.is_live() {
            return Err(ColonyError::NotRunning {
                trial: id,
                status: format!("{:?}", entry.info.status).to_lowercase(),
            });
        }
        Ok(act(entry))
    }

    /// Holds (true) or releases (false) a running trial's batches.
    pub fn pause(&self, id: TrialId, paused: bool) -> Result<TrialInfo, ColonyError> {
        let info = self.live(id, |e| {
            if paused {
                e.control.pause();
                e.info.status = TrialStatus::Paused;
            } else {
                e.control.resume();
                e.info.status = TrialStatus::Running;
            }
            e.info.clone()
        })?;
        self.inner.changed();
        Ok(info)
    }

    /// Ends a running trial after the batch in flight; `now` also kills its games' actors, so
    /// the workers are free at once.
    pub fn cancel(&self, id: TrialId, now: bool) -> Result<TrialInfo, ColonyError> {
        self.live(id, |e| {
            e.control.cancel();
            if now {
                e.control.kill_all();
            }
            e.info.clone()
        })
    }

    /// Kills one game of a running trial.
    pub fn kill(&self, id: TrialId, game: GameId) -> Result<(), ColonyError> {
        let (games, killed) = self.live(id, |e| (e.info.spec.games, e.control.kill(game)))?;
        if game.0 as usize >= games {
            return Err(ColonyError::NoSuchGame { trial: id, game, games });
        }
        if !killed {
            return Err(ColonyError::NotRunning {
                trial: id,
                status: format!("{game} is no longer running"),
            });
        }
        tracing::info!(%id, %game, "game killed");
        Ok(())
    }

    /// Waits for a trial's end.
    pub async fn wait(&self, id: TrialId) -> Result<TrialReport, ColonyError> {
        let trial = self.trial(id).ok_or(ColonyError::NoSuchTrial(id))?;
        trial.ended().await
    }

    /// Runs `spec` to its end: [`TrialSupervisor::start`] then [`Trial::ended`].
    pub async fn run(&self, spec: TrialSpec, options: TrialOptions) -> Result<TrialReport, ColonyError> {
        self.start(spec, options).await?.ended().await
    }
}

/// Records how a trial ended, announces it, and forgets the oldest ended trials.
fn conclude(inner: &Inner, id: TrialId, result: &Result<TrialReport, ColonyError>) {
    let status = match result {
        Err(_) => TrialStatus::Failed,
        Ok(r) if r.cancelled => TrialStatus::Cancelled,
        Ok(_) => TrialStatus::Finished,
    };
    let seconds = result.as_ref().ok().map(|r| r.seconds);
    {
        let mut trials = inner.trials();
        if let Some(entry) = trials.get_mut(&id) {
            entry.ended = None;
            entry.first = Arc::new(Vec::new());
            entry.info.status = status;
            entry.info.seconds = seconds;
            entry.info.error = result.as_ref().err().map(|e| e.to_string());
        }
        let ended: Vec<TrialId> = trials
            .iter()
            .filter(|(_, e)| !e.info.status.is_live())
            .map(|(id, _)| *id)
            .collect();
        for old in ended.iter().take(ended.len().saturating_sub(inner.config.keep_ended)) {
            trials.remove(old);
        }
    }
    match result {
        Ok(r) => tracing::info!(%id, seconds = r.seconds, ?status, "trial ended"),
        Err(err) => tracing::warn!(%id, %err, "trial failed"),
    }
    inner.placement.forget(id);
    inner.placement.updates().publish(GameUpdate::TrialEnded {
        trial: id,
        seconds: seconds.unwrap_or(0.0),
    });
    inner.changed();
}
