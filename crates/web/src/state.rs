//! `AppState`: the handles every handler shares. No game data lives here: actors own the games,
//! the [`Hub`] keeps only the latest summary and board per game.

use std::sync::{Arc, Mutex};

use colony_actors::supervisor::SupervisorConfig;
use colony_actors::trial::Limits;
use colony_actors::{Colony, TrialSupervisor};

use tokio::sync::Semaphore;

use crate::access::Access;
use crate::connections::ConnectionLimits;
use crate::follow::{Follower, TrialView};
use crate::hub::Hub;
use crate::machine::{self, Latest, MachineReport};

/// Frames per second per game a WebSocket client gets at most, unless it asks for fewer.
pub const DEFAULT_FPS: u32 = 60;
/// The most a client may ask for.
pub const MAX_FPS: u32 = 120;

/// How a dashboard is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// Who may use it.
    pub access: Access,
    /// Bounds on requests.
    pub limits: Limits,
    /// Bounds on connections: how many, how long a request head or a silence may take.
    pub connections: ConnectionLimits,
    /// The runtime trials (and so their actors) run on; `None`: the one serving. Serving from a
    /// runtime of its own keeps the dashboard responsive, and its CPU use measurable, while
    /// actors keep the trial runtime's threads busy. Used when the dashboard makes its own
    /// supervisor ([`AppState::new`]).
    pub trials: Option<tokio::runtime::Handle>,
}

impl Default for Config {
    /// Loopback access, default limits.
    fn default() -> Self {
        Config {
            access: Access::loopback(),
            limits: Limits::default(),
            connections: ConnectionLimits::default(),
            trials: None,
        }
    }
}

pub(crate) struct Inner {
    pub(crate) colony: Arc<Colony>,
    pub(crate) hub: Hub,
    pub(crate) follower: Arc<Follower>,
    pub(crate) access: Arc<Access>,
    pub(crate) limits: Limits,
    pub(crate) connections: ConnectionLimits,
    /// One permit per open dashboard WebSocket.
    pub(crate) websockets: Arc<Semaphore>,
    pub(crate) machine: Latest,
}

/// What the dashboard's handlers share: the colony, the trial supervisor it is a client of, and
/// the hub of latest game states. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

impl AppState {
    /// A dashboard over `colony`, with a trial supervisor of its own. Must run inside a Tokio
    /// runtime.
    pub fn new(colony: Colony, config: Config) -> AppState {
        let supervisor = TrialSupervisor::new(
            Arc::new(colony.clone()),
            SupervisorConfig {
                runtime: config.trials.clone(),
                ..SupervisorConfig::default()
            },
        );
        AppState::with_supervisor(colony, supervisor, config)
    }

    /// A dashboard over `colony` following the trials of `supervisor` (shared with other
    /// clients, such as `colony trial --serve`). Starts the background tasks that follow the
    /// updates and sample the machine (they end when the state and the colony are dropped); must
    /// run inside a Tokio runtime.
    pub fn with_supervisor(colony: Colony, supervisor: TrialSupervisor, config: Config) -> AppState {
        let colony = Arc::new(colony);
        let hub = Hub::new(supervisor.placement().updates());
        let machine: Latest = Arc::new(Mutex::new(None));
        machine::spawn_sampler(
            Arc::downgrade(&colony),
            Arc::downgrade(supervisor.placement()),
            hub.clone(),
            machine.clone(),
        );
        let follower = Follower::new(supervisor, hub.clone());
        follower.watch();
        AppState {
            inner: Arc::new(Inner {
                follower,
                colony,
                hub,
                access: Arc::new(config.access),
                limits: config.limits,
                websockets: Arc::new(Semaphore::new(config.connections.max_websockets)),
                connections: config.connections,
                machine,
            }),
        }
    }

    /// The colony the trials run on.
    pub fn colony(&self) -> &Colony {
        &self.inner.colony
    }

    /// The supervisor whose trials the dashboard shows and starts.
    pub fn supervisor(&self) -> &TrialSupervisor {
        self.inner.follower.supervisor()
    }

    /// The access policy (to print the token).
    pub fn access(&self) -> &Access {
        &self.inner.access
    }

    /// The request bounds.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The connection bounds.
    pub fn connections(&self) -> &ConnectionLimits {
        &self.inner.connections
    }

    /// The trial the page follows.
    pub fn trial(&self) -> TrialView {
        self.inner.follower.view()
    }

    /// Makes the page follow `trial` now (it follows the newest trial anyway, a moment later).
    pub async fn follow(&self, trial: colony_actors::Trial) {
        self.inner.follower.follow(trial).await;
    }

    /// The latest actors table and machine load (sampled now if no sample was taken yet).
    pub fn machine(&self) -> Arc<MachineReport> {
        let latest = self.inner.machine.lock().ok().and_then(|m| m.clone());
        latest.unwrap_or_else(|| Arc::new(machine::sample_now(&self.inner.colony)))
    }
}
