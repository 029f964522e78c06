//! `Colony`: the runtime handle, Ray's `init` / `remote` / `get` / `wait` / `kill` in Rust idiom.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use ractor::{Actor, ActorCell, ActorId, ActorProcessingErr, ActorRef, SupervisionEvent};
use serde::Serialize;
use tokio::sync::oneshot;

use crate::actor::{ActorStats, GameActor, GameArgs};
use crate::compute::Compute;
use crate::message::{GameMsg, Reply};
use crate::pending::Pending;
use crate::update::{GameUpdate, Updates};
use crate::wire::{Detail, GameId, GameInfo, GameSpec, GameStats, Snapshot, StepReply, TrialId};
use crate::ColonyError;

/// How to start a colony.
#[derive(Debug, Clone, Default)]
pub struct ColonyConfig {
    /// Compute threads; `None` means one per core.
    pub workers: Option<usize>,
    /// Updates buffered per sink (default [`crate::UPDATE_BUFFER`]).
    pub update_buffer: Option<usize>,
    /// How long a call waits for its reply (default [`DEFAULT_CALL_TIMEOUT`]).
    pub call_timeout: Option<Duration>,
}

/// How long a call waits for its reply unless configured otherwise: long enough for the largest
/// batch a request may ask of one game, short enough that a lost reply is noticed.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(600);

/// What the colony has, like Ray's `cluster_resources()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Resources {
    /// Compute threads.
    pub workers: usize,
    /// Game actors alive now.
    pub live_actors: usize,
    /// Resident memory of this process, in bytes (0 where unknown).
    pub memory_bytes: u64,
}

struct Shared {
    compute: Compute,
    live: Arc<AtomicUsize>,
    updates: Updates,
    supervisor: ActorRef<()>,
    call_timeout: Duration,
    /// Every running actor: which game it holds (so supervision events name games), its counters
    /// and a weak reference to its handle (the registry must not keep actors alive).
    games: Registry,
}

type Registry = Arc<Mutex<HashMap<ActorId, Entry>>>;

struct Entry {
    trial: TrialId,
    game: GameId,
    stats: Arc<ActorStats>,
    handle: Weak<HandleInner>,
}

/// One row of the actors table: what the dashboard shows per actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActorRow {
    /// ractor's actor id.
    pub actor: String,
    /// The trial the game belongs to (0: none).
    pub trial: TrialId,
    /// The game it owns.
    pub game: GameId,
    /// Whether it is running.
    pub alive: bool,
    /// Messages queued or in progress.
    pub mailbox: u64,
    /// Messages handled so far.
    pub handled: u64,
    /// Current generation.
    pub generation: u64,
    /// Current population.
    pub population: u64,
    /// Bytes of boards held (current state and history).
    pub board_bytes: u64,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Children are linked to the supervisor: stopping it stops every game.
        self.supervisor.stop(None);
    }
}

/// The runtime: a pool of compute workers, a supervisor for game actors and an update broadcast.
/// Cheap to clone; the colony shuts down when the last clone is dropped.
#[derive(Clone)]
pub struct Colony {
    shared: Arc<Shared>,
}

impl Colony {
    /// Starts a colony (Ray's `ray.init`). Must run inside a Tokio runtime.
    pub async fn init(config: ColonyConfig) -> Result<Colony, ColonyError> {
        let workers = config
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let compute = Compute::new(workers)?;
        let updates = Updates::new(config.update_buffer.unwrap_or(crate::UPDATE_BUFFER));
        let games = Arc::new(Mutex::new(HashMap::new()));
        let (supervisor, _) = Actor::spawn(
            None,
            Supervisor {
                updates: updates.clone(),
                games: games.clone(),
            },
            (),
        )
        .await
        .map_err(|e| ColonyError::Runtime(format!("cannot start the supervisor: {e}")))?;
        Ok(Colony {
            shared: Arc::new(Shared {
                compute,
                live: Arc::new(AtomicUsize::new(0)),
                updates,
                supervisor,
                call_timeout: config.call_timeout.unwrap_or(DEFAULT_CALL_TIMEOUT),
                games,
            }),
        })
    }

    /// Number of compute workers.
    pub fn workers(&self) -> usize {
        self.shared.compute.workers()
    }

    /// Workers, live actors and memory (Ray's `cluster_resources()`).
    pub fn resources(&self) -> Resources {
        Resources {
            workers: self.workers(),
            live_actors: self.shared.live.load(Ordering::Relaxed),
            memory_bytes: crate::machine::resident_memory(),
        }
    }

    /// The update broadcast runners publish to and sinks subscribe to.
    pub fn updates(&self) -> &Updates {
        &self.shared.updates
    }

    /// The compute pool (for runners that step outside actors).
    pub fn compute(&self) -> &Compute {
        &self.shared.compute
    }

    /// Starts a game actor (Ray's `Game.remote(...)`). The actor lives while a handle to it exists.
    pub async fn spawn(&self, id: GameId, spec: GameSpec) -> Result<GameHandle, ColonyError> {
        self.spawn_in(TrialId::default(), id, spec).await
    }

    /// [`Colony::spawn`] for game `id` of `trial` (its updates name the trial).
    pub async fn spawn_in(&self, trial: TrialId, id: GameId, spec: GameSpec) -> Result<GameHandle, ColonyError> {
        let actor = GameActor::new(self.shared.compute.clone(), self.shared.live.clone());
        let stats = Arc::new(ActorStats::default());
        let args = GameArgs {
            id,
            spec,
            stats: stats.clone(),
        };
        let (actor, _) = Actor::spawn_linked(None, actor, args, self.shared.supervisor.get_cell())
            .await
            .map_err(|e| ColonyError::Spawn {
                game: id,
                reason: e.to_string(),
            })?;
        let inner = Arc::new(HandleInner {
            id,
            actor,
            stats: stats.clone(),
            timeout: self.shared.call_timeout,
            remote: None,
        });
        if let Ok(mut games) = self.shared.games.lock() {
            let entry = Entry {
                trial,
                game: id,
                stats,
                handle: Arc::downgrade(&inner),
            };
            games.insert(inner.actor.get_id(), entry);
        }
        Ok(GameHandle { inner })
    }

    /// Every running game actor with its live counters, ordered by game.
    pub fn actors(&self) -> Vec<ActorRow> {
        let Ok(games) = self.shared.games.lock() else {
            return Vec::new();
        };
        let mut rows: Vec<ActorRow> = games
            .iter()
            .map(|(id, e)| ActorRow {
                actor: id.to_string(),
                trial: e.trial,
                game: e.game,
                alive: e.handle.upgrade().is_some_and(|h| GameHandle { inner: h }.is_alive()),
                mailbox: e.stats.mailbox(),
                handled: e.stats.handled.load(Ordering::Relaxed),
                generation: e.stats.generation.load(Ordering::Relaxed),
                population: e.stats.population.load(Ordering::Relaxed),
                board_bytes: e.stats.board_bytes.load(Ordering::Relaxed),
            })
            .collect();
        rows.sort_by(|a, b| (a.trial, a.game, &a.actor).cmp(&(b.trial, b.game, &b.actor)));
        rows
    }

    /// Stops a game's actor at once (Ray's `ray.kill`); pending calls to it fail.
    pub fn kill(&self, handle: &GameHandle) {
        handle.kill();
    }
}

/// A reference to a game actor. Clones refer to the same actor; when the last one is dropped,
/// the actor stops (Ray's actor lifetime).
#[derive(Clone)]
pub struct GameHandle {
    inner: Arc<HandleInner>,
}

struct HandleInner {
    id: GameId,
    actor: ActorRef<GameMsg>,
    stats: Arc<ActorStats>,
    timeout: Duration,
    /// The placement of an actor this process does not own (see [`GameHandle::placed`]).
    remote: Option<Arc<dyn Placed>>,
}

impl Drop for HandleInner {
    fn drop(&mut self) {
        match &self.remote {
            Some(remote) => remote.end(),
            None => self.actor.stop(Some("last handle dropped".to_string())),
        }
    }
}

/// What a handle to an actor on another node knows of where it was placed (see
/// [`GameHandle::placed`]).
pub trait Placed: Send + Sync + 'static {
    /// Stops the actor where it runs (asks its host): on kill, and when the last handle drops.
    fn end(&self);

    /// Why this actor's replies can no longer be trusted, if they cannot: its node was declared
    /// lost, or the game was placed again since (a newer epoch). Checked on every reply and when
    /// a reply channel closes, so it must be cheap.
    fn fenced(&self) -> Option<String>;

    /// Why the actor should move elsewhere, if it should (its node is leaving): a trial then
    /// places the game again from its latest state, before asking it for more.
    fn moving(&self) -> Option<String> {
        None
    }
}

/// A placement that only knows how to end its actor (never fenced).
struct EndOnly<F>(F);

impl<F: Fn() + Send + Sync + 'static> Placed for EndOnly<F> {
    fn end(&self) {
        (self.0)()
    }

    fn fenced(&self) -> Option<String> {
        None
    }
}

impl GameHandle {
    /// A handle to an actor that another process owns: `actor` is the local stand-in of a game
    /// actor on another node. Stopping a stand-in would leave the real actor running, so killing
    /// the handle, or dropping its last clone, calls `end` instead (which asks the actor's host to
    /// stop it). Calls time out after `timeout`.
    pub fn remote(
        id: GameId,
        actor: ActorRef<GameMsg>,
        timeout: Duration,
        end: impl Fn() + Send + Sync + 'static,
    ) -> GameHandle {
        GameHandle::placed(id, actor, timeout, Arc::new(EndOnly(end)))
    }

    /// [`GameHandle::remote`] with a placement that can also fence the actor: once
    /// `placed.fenced()` says why, every reply from it (and every call whose reply never comes
    /// because its node went away) fails with [`ColonyError::Lost`] naming the reason, instead of
    /// being mixed into a trial.
    pub fn placed(id: GameId, actor: ActorRef<GameMsg>, timeout: Duration, placed: Arc<dyn Placed>) -> GameHandle {
        GameHandle {
            inner: Arc::new(HandleInner {
                id,
                actor,
                stats: Arc::new(ActorStats::default()),
                timeout,
                remote: Some(placed),
            }),
        }
    }

    /// The game's id.
    pub fn id(&self) -> GameId {
        self.inner.id
    }

    /// The underlying ractor actor.
    pub fn actor(&self) -> &ActorRef<GameMsg> {
        &self.inner.actor
    }

    /// Whether the actor is still running.
    pub fn is_alive(&self) -> bool {
        matches!(
            self.inner.actor.get_status(),
            ractor::ActorStatus::Starting | ractor::ActorStatus::Running | ractor::ActorStatus::Upgrading
        )
    }

    /// The actor's counters, by message (works wherever the actor runs).
    pub fn stats(&self) -> Pending<GameStats> {
        self.call(GameMsg::GetStats)
    }

    fn send(&self, msg: GameMsg) -> Result<(), ColonyError> {
        self.inner.stats.sent.fetch_add(1, Ordering::Relaxed);
        self.inner.actor.send_message(msg).map_err(|_| {
            self.inner.stats.sent.fetch_sub(1, Ordering::Relaxed);
            ColonyError::ActorGone(self.id())
        })
    }

    fn call<T>(&self, make: impl FnOnce(Reply<T>) -> GameMsg) -> Pending<T> {
        if let Some(reason) = self.inner.remote.as_ref().and_then(|r| r.fenced()) {
            return Pending::failed(
                self.id(),
                ColonyError::Lost {
                    game: self.id(),
                    reason,
                },
            );
        }
        let (tx, rx) = oneshot::channel();
        match self.send(make(tx.into())) {
            Ok(()) => Pending::new(self.id(), rx, Some(self.inner.timeout)).fenced_by(self.inner.remote.clone()),
            Err(err) => Pending::failed(self.id(), err),
        }
    }

    /// Why the game should move to another node, if it should (see [`Placed::moving`]).
    pub fn moving(&self) -> Option<String> {
        self.inner.remote.as_ref().and_then(|r| r.moving())
    }

    /// Asks the game to advance `generations` (Ray's `game.step.remote(n)`). The reply is
    /// bounded by `detail`; a request over the bounds is refused ([`ColonyError::Refused`]).
    pub fn step(&self, generations: u64, detail: Detail) -> Pending<StepReply> {
        self.call(|reply| GameMsg::Step {
            generations,
            detail,
            reply,
        })
    }

    /// Tells the game to advance without replying (one-way).
    pub fn advance(&self, generations: u64) -> Result<(), ColonyError> {
        self.send(GameMsg::Advance { generations })
    }

    /// The current generation.
    pub fn state(&self) -> Pending<Snapshot> {
        self.call(GameMsg::GetState)
    }

    /// The kept history, oldest first.
    pub fn history(&self) -> Pending<Vec<Snapshot>> {
        self.call(GameMsg::GetHistory)
    }

    /// Rules, size and counters.
    pub fn info(&self) -> Pending<GameInfo> {
        self.call(GameMsg::GetInfo)
    }

    /// Makes the actor fail (panic or error), for supervision drills.
    pub fn inject_fault(&self, panic: bool) -> Result<(), ColonyError> {
        self.send(GameMsg::Fault { panic })
    }

    /// Stops the actor at once, dropping queued messages (a remote actor: asks its host to).
    pub fn kill(&self) {
        match &self.inner.remote {
            Some(remote) => remote.end(),
            None => self.inner.actor.kill(),
        }
    }

    /// Asks the actor to stop after the message it is handling, and waits until it has (a remote
    /// actor: asks its host to kill it, and waits until its stand-in here has stopped).
    pub async fn stop_and_wait(&self) {
        match &self.inner.remote {
            Some(remote) => {
                remote.end();
                let _ = self.inner.actor.wait(Some(self.inner.timeout)).await;
            }
            None => {
                let _ = self.inner.actor.stop_and_wait(None, None).await;
            }
        }
    }
}

/// Parent of every game actor: reports failures and stops as updates and logs.
struct Supervisor {
    updates: Updates,
    games: Registry,
}

impl Supervisor {
    fn forget(&self, cell: &ActorCell) -> Option<(TrialId, GameId)> {
        self.games
            .lock()
            .ok()
            .and_then(|mut g| g.remove(&cell.get_id()))
            .map(|e| (e.trial, e.game))
    }
}

impl Actor for Supervisor {
    type Msg = ();
    type State = ();
    type Arguments = ();

    async fn pre_start(&self, _myself: ActorRef<()>, _args: ()) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        _myself: ActorRef<()>,
        event: SupervisionEvent,
        _state: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        match event {
            SupervisionEvent::ActorFailed(cell, err) => {
                if let Some((trial, game)) = self.forget(&cell) {
                    let reason = err.to_string();
                    tracing::warn!(%trial, %game, %reason, "game actor failed; the other games go on");
                    self.updates.publish(GameUpdate::Failed { trial, game, reason });
                }
            }
            SupervisionEvent::ActorTerminated(cell, _, reason) => {
                if let Some((trial, game)) = self.forget(&cell) {
                    tracing::debug!(%trial, %game, ?reason, "game actor stopped");
                    self.updates.publish(GameUpdate::Stopped { trial, game });
                }
            }
            _ => {}
        }
        Ok(())
    }
}
