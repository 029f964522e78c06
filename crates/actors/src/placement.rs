//! Where a trial's games run: the seam between the trial supervisor and the machines.

use futures_util::future::BoxFuture;
use serde::Serialize;

use crate::update::Updates;
use crate::wire::{GameId, GameSpec, TrialId};
use crate::{Colony, ColonyError, GameHandle};

/// Spawns a trial's game actors somewhere. The supervisor spawns, restarts and (through the
/// handles) kills games only through this trait, so games can live in this process ([`Colony`])
/// or on other nodes without the supervisor changing.
pub trait Placement: Send + Sync + 'static {
    /// Starts game `game` of `trial` from `spec`; the actor lives while a handle to it exists.
    fn spawn(&self, trial: TrialId, game: GameId, spec: GameSpec) -> BoxFuture<'_, Result<GameHandle, ColonyError>>;

    /// Compute workers available to the games (for reports).
    fn workers(&self) -> usize;

    /// The broadcast the trial's updates go to.
    fn updates(&self) -> &Updates;

    /// `trial` has ended: whatever was kept per game of it (a cluster's epochs) can go.
    fn forget(&self, trial: TrialId) {
        let _ = trial;
    }

    /// The other machines the games run on, as they are now (for the dashboard's nodes panel):
    /// none when every game runs in this process. Bounded in time: a node that does not answer
    /// promptly is shown without its figures.
    fn nodes(&self) -> BoxFuture<'_, Vec<NodeView>> {
        Box::pin(async { Vec::new() })
    }
}

/// Whether a node can take games.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeState {
    /// Connected, answering its heartbeat, taking games.
    Up,
    /// Still connected but taking no new games: it is moving its games away before it leaves.
    Draining,
    /// Lost (died, stopped answering, or left): its games were placed again elsewhere.
    Lost,
}

/// One node of a placement, as a driver sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeView {
    /// The node's name.
    pub name: String,
    /// Where it listens (`HOST:PORT`).
    pub addr: String,
    /// Up, draining or lost.
    pub state: NodeState,
    /// Why it was lost, or why its figures are missing.
    pub reason: Option<String>,
    /// Its compute workers.
    pub workers: usize,
    /// Games this driver has placed there and not ended.
    pub games: u64,
    /// Games it hosts for every driver, from its last report.
    pub hosted: Option<u64>,
    /// Resident memory of its process, in bytes, from its last report.
    pub memory_bytes: Option<u64>,
    /// CPU time its process has used, in microseconds, from its last report (two samples give
    /// its load).
    pub cpu_micros: Option<u64>,
    /// Time since it started, in microseconds, on its own clock.
    pub uptime_micros: Option<u64>,
}

/// Every game in this process.
impl Placement for Colony {
    fn spawn(&self, trial: TrialId, game: GameId, spec: GameSpec) -> BoxFuture<'_, Result<GameHandle, ColonyError>> {
        Box::pin(self.spawn_in(trial, game, spec))
    }

    fn workers(&self) -> usize {
        Colony::workers(self)
    }

    fn updates(&self) -> &Updates {
        Colony::updates(self)
    }
}
