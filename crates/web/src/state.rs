//! `AppState`: the handles every handler shares. No game data lives here: actors own the games,
//! the [`Hub`] keeps only the latest summary and board per game.

use std::sync::{Arc, Mutex};

use colony_actors::trial::TrialSpec;
use colony_actors::Colony;

use crate::access::Access;
use crate::error::AppError;
use crate::hub::Hub;
use crate::machine::{self, Latest, MachineReport};
use crate::request::Limits;
use crate::trials::{Ticket, TrialInfo, Trials};

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
    /// The runtime trials (and so their actors) run on; `None`: the one serving. Serving from a
    /// runtime of its own keeps the dashboard responsive, and its CPU use measurable, while
    /// actors keep the trial runtime's threads busy.
    pub trials: Option<tokio::runtime::Handle>,
}

impl Default for Config {
    /// Loopback access, default limits.
    fn default() -> Self {
        Config {
            access: Access::loopback(),
            limits: Limits::default(),
            trials: None,
        }
    }
}

pub(crate) struct Inner {
    pub(crate) colony: Arc<Colony>,
    pub(crate) hub: Hub,
    pub(crate) trials: Trials,
    pub(crate) access: Arc<Access>,
    pub(crate) limits: Limits,
    pub(crate) machine: Latest,
}

/// What the dashboard's handlers share: the colony, the current trial's control, and the hub of
/// latest game states. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

impl AppState {
    /// A dashboard over `colony`. Starts the background tasks that follow the colony's updates
    /// and sample the machine (they end when the state and the colony are dropped); must run
    /// inside a Tokio runtime.
    pub fn new(colony: Colony, config: Config) -> AppState {
        let colony = Arc::new(colony);
        let hub = Hub::new(colony.updates());
        let machine: Latest = Arc::new(Mutex::new(None));
        machine::spawn_sampler(Arc::downgrade(&colony), hub.clone(), machine.clone());
        AppState {
            inner: Arc::new(Inner {
                trials: Trials::new(Colony::clone(&colony), hub.clone(), config.trials),
                colony,
                hub,
                access: Arc::new(config.access),
                limits: config.limits,
                machine,
            }),
        }
    }

    /// The colony the trials run on.
    pub fn colony(&self) -> &Colony {
        &self.inner.colony
    }

    /// The access policy (to print the token).
    pub fn access(&self) -> &Access {
        &self.inner.access
    }

    /// The request bounds.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The current trial.
    pub fn trial(&self) -> TrialInfo {
        self.inner.trials.info()
    }

    /// Starts `spec` as the current trial (cancelling any other) and returns at once; the
    /// ticket tells when it ends. `pattern` names the pattern the games start from, for display.
    pub async fn start_trial(&self, spec: TrialSpec, pattern: Option<String>) -> Result<Ticket, AppError> {
        self.start_trial_with(spec, pattern, None).await
    }

    /// [`AppState::start_trial`], checkpointing the games (`colony trial --serve --checkpoint`).
    pub async fn start_trial_with(
        &self,
        spec: TrialSpec,
        pattern: Option<String>,
        checkpoints: Option<colony_actors::trial::Checkpointing>,
    ) -> Result<Ticket, AppError> {
        spec.validate().map_err(|e| AppError::invalid(e.to_string()))?;
        self.inner.trials.start(spec, pattern, "cli", checkpoints).await
    }

    /// The latest actors table and machine load (sampled now if no sample was taken yet).
    pub fn machine(&self) -> Arc<MachineReport> {
        let latest = self.inner.machine.lock().ok().and_then(|m| m.clone());
        latest.unwrap_or_else(|| Arc::new(machine::sample_now(&self.inner.colony)))
    }
}
