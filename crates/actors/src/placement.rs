//! Where a trial's games run: the seam between the trial supervisor and the machines.

use futures_util::future::BoxFuture;

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
