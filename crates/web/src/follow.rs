//! The trial the page follows. The dashboard supervises nothing: trials belong to the runtime's
//! [`TrialSupervisor`]; this follows the newest one (started from the page, the CLI or any other
//! client), feeds its first states and its end to the [`Hub`], and shows its info.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use colony_actors::trial::{GameEnd, TrialReport};
use colony_actors::{ColonyError, Summary, Trial, TrialId, TrialInfo, TrialStatus, TrialSupervisor};
use serde::Serialize;

use crate::frame::GameStatus;
use crate::hub::{Final, Hub};

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
    /// Seed of game 0, as a decimal string: JavaScript numbers would round it.
    pub seed: String,
    /// Soup density.
    pub density: f64,
    /// Rule, e.g. `B3/S23`.
    pub rule: String,
    /// `torus` or `bounded`.
    pub topology: String,
    /// Pattern name, when the games start from one.
    pub pattern: Option<String>,
}

/// Where the followed trial stands: the supervisor's statuses, and `idle` before any trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewStatus {
    /// No trial yet.
    Idle,
    /// Batches are going out.
    Running,
    /// Held between batches.
    Paused,
    /// Every game ran every generation (or stopped on the way).
    Finished,
    /// Stopped before the end on request.
    Cancelled,
    /// The runtime could not run it.
    Failed,
}

impl From<TrialStatus> for ViewStatus {
    fn from(status: TrialStatus) -> ViewStatus {
        match status {
            TrialStatus::Running => ViewStatus::Running,
            TrialStatus::Paused => ViewStatus::Paused,
            TrialStatus::Finished => ViewStatus::Finished,
            TrialStatus::Cancelled => ViewStatus::Cancelled,
            TrialStatus::Failed => ViewStatus::Failed,
        }
    }
}

/// `GET /api/trial`, each entry of `GET /api/trials`, and the `trial` WebSocket message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialView {
    /// Always `trial`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Trial id, counting from 1 (0 when idle); frames carry it.
    pub id: u32,
    /// Where it stands.
    pub status: ViewStatus,
    /// Who started it: `api` (the page), `cli`, …
    pub source: &'static str,
    /// Wall-clock seconds, once it ended.
    pub seconds: Option<f64>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// What it runs (none when idle).
    pub spec: Option<SpecView>,
}

impl TrialView {
    /// Before any trial.
    pub fn idle() -> TrialView {
        TrialView {
            kind: "trial",
            id: 0,
            status: ViewStatus::Idle,
            source: "api",
            seconds: None,
            error: None,
            spec: None,
        }
    }

    /// A trial as the supervisor lists it.
    pub fn of(info: &TrialInfo) -> TrialView {
        let spec = &info.spec;
        TrialView {
            kind: "trial",
            id: info.id.0,
            status: info.status.into(),
            source: info.source,
            seconds: info.seconds,
            error: info.error.clone(),
            spec: Some(SpecView {
                games: spec.games,
                width: spec.width,
                height: spec.height,
                steps: spec.steps,
                batch_size: spec.batch_size,
                pause: spec.pause.as_secs_f64(),
                seed: spec.seed.to_string(),
                density: spec.density,
                rule: spec.rule.to_string(),
                topology: match spec.space {
                    colony_actors::Space::Board => spec.topology.to_string(),
                    colony_actors::Space::Plane => "plane".to_string(),
                },
                pattern: info
                    .label
                    .clone()
                    .or_else(|| (spec.pattern.is_some() || spec.plane_pattern.is_some()).then(|| "custom".to_string())),
            }),
        }
    }
}

struct Followed {
    id: TrialId,
}

/// Follows the newest trial of a supervisor into a hub.
pub(crate) struct Follower {
    supervisor: TrialSupervisor,
    hub: Hub,
    followed: Mutex<Option<Followed>>,
    /// Serializes switching, so the hub is reset for one trial at a time, in order.
    switch: tokio::sync::Mutex<()>,
}

impl Follower {
    /// A follower of `supervisor`'s trials; [`Follower::watch`] keeps it following.
    pub(crate) fn new(supervisor: TrialSupervisor, hub: Hub) -> Arc<Follower> {
        let follower = Arc::new(Follower {
            supervisor,
            hub,
            followed: Mutex::new(None),
            switch: tokio::sync::Mutex::new(()),
        });
        follower.publish();
        follower
    }

    fn followed(&self) -> MutexGuard<'_, Option<Followed>> {
        self.followed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The supervisor trials are started with.
    pub(crate) fn supervisor(&self) -> &TrialSupervisor {
        &self.supervisor
    }

    /// The followed trial's id.
    pub(crate) fn id(&self) -> Option<TrialId> {
        self.followed().as_ref().map(|f| f.id)
    }

    /// The followed trial (idle before any).
    pub(crate) fn view(&self) -> TrialView {
        self.id()
            .and_then(|id| self.supervisor.info(id))
            .map_or_else(TrialView::idle, |info| TrialView::of(&info))
    }

    /// Sends the followed trial's info to every client.
    pub(crate) fn publish(&self) {
        match serde_json::to_string(&self.view()) {
            Ok(text) => self.hub.set_trial_text(text),
            Err(err) => tracing::warn!(%err, "cannot encode the trial"),
        }
    }

    /// Follows `trial` from now on: the hub shows its games from their first states.
    pub(crate) async fn follow(self: &Arc<Self>, trial: Trial) {
        let _switch = self.switch.lock().await;
        if self.id().is_some_and(|id| id >= trial.id()) {
            return;
        }
        let boards = trial.first_states().iter().map(|s| s.board.clone()).collect();
        self.hub.reset(trial.id(), boards).await;
        *self.followed() = Some(Followed { id: trial.id() });
        self.publish();
        let (hub, me) = (self.hub.clone(), Arc::downgrade(self));
        tokio::spawn(async move {
            let ended = trial.ended().await;
            hub.finish(trial.id(), finals(trial.spec().games, &ended)).await;
            if let Some(me) = me.upgrade() {
                me.publish();
            }
        });
    }

    /// Follows every trial the supervisor starts, and shows status changes, until dropped.
    pub(crate) fn watch(self: &Arc<Self>) {
        let mut changes = self.supervisor.changes();
        let me: Weak<Follower> = Arc::downgrade(self);
        tokio::spawn(async move {
            while changes.changed().await.is_ok() {
                let Some(me) = me.upgrade() else { break };
                let newest = me.supervisor.latest();
                if newest.is_some() && newest > me.id() {
                    if let Some(trial) = newest.and_then(|id| me.supervisor.trial(id)) {
                        me.follow(trial).await;
                    }
                }
                me.publish();
            }
        });
    }
}

/// Each game's end from the trial's report: authoritative even if the hub skipped updates.
fn finals(games: usize, ended: &Result<TrialReport, ColonyError>) -> Vec<Final> {
    let report = match ended {
        Ok(report) => report,
        Err(err) => {
            let failed = Final {
                status: GameStatus::Failed,
                error: Some(err.to_string()),
                last: None,
            };
            return vec![failed; games];
        }
    };
    let ran = if report.cancelled {
        GameStatus::Cancelled
    } else {
        GameStatus::Finished
    };
    report
        .results
        .iter()
        .zip(&report.boards)
        .map(|(r, board)| {
            let (status, error) = match &r.end {
                GameEnd::Ran(_) => (ran, None),
                GameEnd::Killed { .. } => (GameStatus::Killed, None),
                GameEnd::Failed { error } => (GameStatus::Failed, Some(error.clone())),
            };
            let last = match (r.end.outcome(), board) {
                (Some(outcome), Some(board)) => Some((
                    Summary {
                        generation: r.generation,
                        population: r.population,
                        outcome,
                    },
                    board.clone(),
                )),
                _ => None,
            };
            Final { status, error, last }
        })
        .collect()
}
