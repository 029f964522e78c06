//! The current trial: starting one (which cancels the previous), pausing, killing games, and
//! following it to its end.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use colony_actors::trial::{run_actors_with, Checkpointing, RunOptions, TrialControl, TrialReport, TrialSpec};
use colony_actors::{Colony, ColonyError, GameId, Summary};
use colony_life::{soup, Board, Outcome, Rule, Topology};
use serde::Serialize;
use tokio::sync::{oneshot, watch};

use crate::error::AppError;
use crate::frame::GameStatus;
use crate::hub::{Final, GameRow, Hub};

/// How long a replaced trial may take to wind down before the new one starts anyway.
const WIND_DOWN: Duration = Duration::from_secs(10);

/// Where the current trial stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TrialStatus {
    /// No trial yet.
    Idle,
    /// Batches are going out.
    Running,
    /// Held between batches.
    Paused,
    /// Every game ran every generation (or stopped on the way).
    Finished,
    /// Stopped before the end (by a new trial or a cancel request).
    Cancelled,
    /// The runtime could not run it.
    Failed,
}

/// What a trial runs, as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpecView {
    /// Number of games.
    pub games: usize,
    /// Board width.
    pub width: usize,
    /// Board height.
    pub height: usize,
    /// Generations per game.
    pub steps: u64,
    /// Generations per batch.
    pub batch_size: u64,
    /// Seconds between batches.
    pub pause: f64,
    /// Seed of game 0.
    pub seed: u64,
    /// Soup density.
    pub density: f64,
    /// Rule, e.g. `B3/S23`.
    pub rule: String,
    /// `torus` or `bounded`.
    pub topology: String,
    /// Pattern name, when the games start from one.
    pub pattern: Option<String>,
}

/// `GET /api/trial`, and the `trial` WebSocket message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialInfo {
    /// Always `trial`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Trial id, counting from 1 (0 when idle); frames carry it.
    pub id: u32,
    /// Where it stands.
    pub status: TrialStatus,
    /// Who started it: `api` (the page) or `cli`.
    pub source: &'static str,
    /// Wall-clock seconds, once it ended.
    pub seconds: Option<f64>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// What it runs (none when idle).
    pub spec: Option<SpecView>,
}

impl TrialInfo {
    fn idle() -> TrialInfo {
        TrialInfo {
            kind: "trial",
            id: 0,
            status: TrialStatus::Idle,
            source: "api",
            seconds: None,
            error: None,
            spec: None,
        }
    }
}

/// How a trial ended, for whoever started it.
#[derive(Debug)]
pub struct Ended {
    /// The runner's report, or why it could not run.
    pub report: Result<TrialReport, ColonyError>,
    /// Whether it was cancelled (by a newer trial or a request) before the end.
    pub cancelled: bool,
}

/// A started trial: its info now, and its end later.
#[derive(Debug)]
pub struct Ticket {
    /// The trial as started.
    pub info: TrialInfo,
    ended: oneshot::Receiver<Ended>,
}

impl Ticket {
    /// Waits for the trial to end (None if the server went away first).
    pub async fn ended(self) -> Option<Ended> {
        self.ended.await.ok()
    }
}

struct Current {
    info: TrialInfo,
    rule: Rule,
    topology: Topology,
    control: TrialControl,
    done: watch::Receiver<bool>,
}

/// Starts, steers and follows trials; one runs at a time.
pub(crate) struct Trials {
    colony: Colony,
    hub: Hub,
    /// Serializes starts, so two requests cannot interleave replacing the trial.
    switch: tokio::sync::Mutex<()>,
    current: Arc<Mutex<Option<Current>>>,
    next_id: AtomicU32,
    runtime: Option<tokio::runtime::Handle>,
}

fn lock(current: &Mutex<Option<Current>>) -> MutexGuard<'_, Option<Current>> {
    current.lock().unwrap_or_else(|p| p.into_inner())
}

impl Trials {
    pub(crate) fn new(colony: Colony, hub: Hub, runtime: Option<tokio::runtime::Handle>) -> Trials {
        let trials = Trials {
            colony,
            hub,
            switch: tokio::sync::Mutex::new(()),
            current: Arc::new(Mutex::new(None)),
            next_id: AtomicU32::new(0),
            runtime,
        };
        trials.publish(&TrialInfo::idle());
        trials
    }

    fn publish(&self, info: &TrialInfo) {
        publish(&self.hub, info);
    }

    /// The current trial (idle when none was started).
    pub(crate) fn info(&self) -> TrialInfo {
        lock(&self.current)
            .as_ref()
            .map_or_else(TrialInfo::idle, |c| c.info.clone())
    }

    /// The current trial's id, rule and topology.
    pub(crate) fn rules(&self) -> Option<(u32, Rule, Topology)> {
        lock(&self.current).as_ref().map(|c| (c.info.id, c.rule, c.topology))
    }

    /// Starts `spec` as the current trial, cancelling the previous one first.
    pub(crate) async fn start(
        &self,
        spec: TrialSpec,
        pattern: Option<String>,
        source: &'static str,
        checkpoints: Option<Checkpointing>,
    ) -> Result<Ticket, AppError> {
        let _switch = self.switch.lock().await;
        self.wind_down().await;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let boards = first_boards(&spec).await?;
        self.hub.reset(id, boards).await;
        let info = TrialInfo {
            kind: "trial",
            id,
            status: TrialStatus::Running,
            source,
            seconds: None,
            error: None,
            spec: Some(view(&spec, pattern)),
        };
        let control = TrialControl::new();
        let (done_tx, done) = watch::channel(false);
        let (ended_tx, ended) = oneshot::channel();
        *lock(&self.current) = Some(Current {
            info: info.clone(),
            rule: spec.rule,
            topology: spec.topology,
            control: control.clone(),
            done,
        });
        self.publish(&info);
        tracing::info!(
            trial = id,
            games = spec.games,
            width = spec.width,
            height = spec.height,
            steps = spec.steps,
            "trial started"
        );
        let (colony, hub, current) = (self.colony.clone(), self.hub.clone(), self.current.clone());
        let run = async move {
            let options = RunOptions {
                control: control.clone(),
                checkpoints,
                ..RunOptions::default()
            };
            let report = run_actors_with(&colony, &spec, &options).await;
            let cancelled = control.is_cancelled();
            hub.finish(id, finals(&spec, &report, cancelled)).await;
            let status = match (&report, cancelled) {
                (Err(_), _) => TrialStatus::Failed,
                (Ok(_), true) => TrialStatus::Cancelled,
                (Ok(_), false) => TrialStatus::Finished,
            };
            if let Some(cur) = lock(&current).as_mut().filter(|c| c.info.id == id) {
                cur.info.status = status;
                cur.info.seconds = report.as_ref().ok().map(|r| r.seconds);
                cur.info.error = report.as_ref().err().map(|e| e.to_string());
                publish(&hub, &cur.info);
            }
            match &report {
                Ok(r) => tracing::info!(trial = id, seconds = r.seconds, ?status, "trial ended"),
                Err(err) => tracing::warn!(trial = id, %err, "trial failed"),
            }
            let _ = done_tx.send(true);
            let _ = ended_tx.send(Ended { report, cancelled });
        };
        match &self.runtime {
            Some(runtime) => drop(runtime.spawn(run)),
            None => drop(tokio::spawn(run)),
        }
        Ok(Ticket { info, ended })
    }

    /// Cancels the running trial, kills its games so the workers are free at once, and waits
    /// (bounded) until its task and actors are gone, so none of its updates reach the next.
    async fn wind_down(&self) {
        let Some((control, mut done, games)) = lock(&self.current).as_ref().map(|c| {
            (
                c.control.clone(),
                c.done.clone(),
                c.info.spec.as_ref().map_or(0, |s| s.games),
            )
        }) else {
            return;
        };
        if *done.borrow() {
            return;
        }
        control.cancel();
        for game in 0..games {
            control.kill(GameId(game as u32));
        }
        let gone = async {
            let _ = done.wait_for(|d| *d).await;
            while !self.colony.actors().is_empty() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        if tokio::time::timeout(WIND_DOWN, gone).await.is_err() {
            tracing::warn!("the previous trial is slow to stop; starting the new one anyway");
        }
    }

    fn with_running<T>(&self, act: impl FnOnce(&mut Current) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut current = lock(&self.current);
        let cur = current
            .as_mut()
            .ok_or_else(|| AppError::conflict("no trial has been started"))?;
        if !matches!(cur.info.status, TrialStatus::Running | TrialStatus::Paused) {
            return Err(AppError::conflict(
                format!("trial {} is {:?}, not running", cur.info.id, cur.info.status).to_lowercase(),
            ));
        }
        act(cur)
    }

    /// Holds (true) or releases (false) the running trial's batches.
    pub(crate) fn pause(&self, paused: bool) -> Result<TrialInfo, AppError> {
        let info = self.with_running(|cur| {
            if paused {
                cur.control.pause();
                cur.info.status = TrialStatus::Paused;
            } else {
                cur.control.resume();
                cur.info.status = TrialStatus::Running;
            }
            Ok(cur.info.clone())
        })?;
        self.publish(&info);
        Ok(info)
    }

    /// Ends the running trial after the batch in flight.
    pub(crate) fn cancel(&self) -> Result<TrialInfo, AppError> {
        self.with_running(|cur| {
            cur.control.cancel();
            Ok(cur.info.clone())
        })
    }

    /// Kills one game's actor.
    pub(crate) fn kill(&self, game: u32) -> Result<GameRow, AppError> {
        let (trial, killed) = self.with_running(|cur| {
            let games = cur.info.spec.as_ref().map_or(0, |s| s.games);
            if game as usize >= games {
                return Err(AppError::not_found(format!(
                    "no game {game}: the trial has games 0 to {}",
                    games.saturating_sub(1)
                )));
            }
            Ok((cur.info.id, cur.control.kill(GameId(game))))
        })?;
        let row = self.hub.rows().1.into_iter().nth(game as usize);
        if !killed {
            return Err(match row {
                Some(row) if row.status != GameStatus::Running => {
                    AppError::conflict(format!("game {game} is not running (it is {:?})", row.status).to_lowercase())
                }
                _ => AppError::conflict(format!("game {game} is still starting; try again")),
            });
        }
        self.hub.mark(trial, game, GameStatus::Killed);
        tracing::info!(trial, game, "game killed");
        let (_, rows) = self.hub.rows();
        rows.into_iter()
            .nth(game as usize)
            .ok_or_else(|| AppError::internal("the killed game vanished"))
    }
}

fn publish(hub: &Hub, info: &TrialInfo) {
    match serde_json::to_string(info) {
        Ok(text) => hub.set_trial_text(text),
        Err(err) => tracing::warn!(%err, "cannot encode the trial"),
    }
}

fn view(spec: &TrialSpec, pattern: Option<String>) -> SpecView {
    SpecView {
        games: spec.games,
        width: spec.width,
        height: spec.height,
        steps: spec.steps,
        batch_size: spec.batch_size,
        pause: spec.pause.as_secs_f64(),
        seed: spec.seed,
        density: spec.density,
        rule: spec.rule.to_string(),
        topology: spec.topology.to_string(),
        pattern: pattern.or_else(|| spec.pattern.as_ref().map(|_| "custom".to_string())),
    }
}

/// Generation 0 of every game, shown before the first batch comes back. Soups are cheap (one
/// random word per 64 cells) but many together are not free, so they are built off the runtime.
async fn first_boards(spec: &TrialSpec) -> Result<Vec<Arc<Board>>, AppError> {
    if let Some(board) = &spec.pattern {
        return Ok(vec![board.clone(); spec.games]);
    }
    let spec = spec.clone();
    tokio::task::spawn_blocking(move || {
        (0..spec.games)
            .map(|i| soup(spec.width, spec.height, spec.seed_of(i), spec.density).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| AppError::internal(format!("building the soups failed: {e}")))?
    .map_err(|e| AppError::invalid(e.to_string()))
}

/// Each game's end once the runner returned: its status, and its last board from the report.
fn finals(spec: &TrialSpec, report: &Result<TrialReport, ColonyError>, cancelled: bool) -> Vec<Final> {
    let ended = if cancelled {
        GameStatus::Cancelled
    } else {
        GameStatus::Finished
    };
    let report = match report {
        Ok(report) => report,
        Err(err) => {
            let failed = Final {
                status: GameStatus::Failed,
                error: Some(err.to_string()),
                last: None,
            };
            return vec![failed; spec.games];
        }
    };
    report
        .results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (status, error) = match r.outcome.as_str() {
                "killed" => (GameStatus::Killed, None),
                "failed" => (GameStatus::Failed, r.error.clone()),
                _ => (ended, None),
            };
            let outcome = match (r.outcome.as_str(), r.period) {
                ("extinct", _) => Outcome::Extinct,
                ("still", _) => Outcome::StillLife,
                ("oscillating", Some(period)) => Outcome::Oscillating { period },
                _ => Outcome::Running,
            };
            let summary = Summary {
                generation: r.generation,
                population: r.population,
                outcome,
            };
            let last = report.boards.get(i).cloned().flatten().map(|board| (summary, board));
            Final { status, error, last }
        })
        .collect()
}
