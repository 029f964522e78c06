//! The actors table and the machine's load, sampled once a second: what the tutorial sends you
//! to Ray's dashboard for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use colony_actors::{Colony, NodeState, NodeView, Placement, Resources};
use serde::Serialize;
use sysinfo::{CpuRefreshKind, RefreshKind, System};

use crate::hub::Hub;

/// How often the table and the CPU load are sampled.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// One row of the actors table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActorLine {
    /// ractor's actor id.
    pub actor: String,
    /// The game it owns.
    pub game: u32,
    /// `stepping` (messages in its mailbox), `idle` or `stopped`.
    pub state: &'static str,
    /// Messages queued or being handled.
    pub mailbox: u64,
    /// Messages handled so far.
    pub handled: u64,
    /// Current generation.
    pub generation: u64,
    /// Generations per second over the last sample.
    pub generations_per_second: f64,
    /// Bytes of boards it holds (current state and history).
    pub memory_bytes: u64,
}

/// One row of the nodes table: a node the games are placed on (cluster mode only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeLine {
    /// What the driver knows of the node, and its last report.
    #[serde(flatten)]
    pub node: NodeView,
    /// Its process's CPU use over the last sample, in cores, once two reports were had.
    pub cores: Option<f64>,
}

/// `GET /api/actors`, and the `machine` WebSocket message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MachineReport {
    /// Always `machine` (so the WebSocket message says what it is).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Compute workers, live actors, resident memory.
    #[serde(flatten)]
    pub resources: Resources,
    /// Utilisation of each core, 0–100.
    pub cpus: Vec<f32>,
    /// This process's CPU use over the last sample, in cores (2.0 = two cores busy).
    pub process_cores: f64,
    /// Every actor in this process.
    pub actors: Vec<ActorLine>,
    /// The nodes the games are placed on; empty when they all run in this process.
    pub nodes: Vec<NodeLine>,
}

/// Keeps what the rates are computed from.
struct Sampler {
    system: System,
    last: HashMap<String, u64>,
    /// Each node's last (CPU time, uptime), in microseconds, by name.
    node_cpu: HashMap<String, (u64, u64)>,
    at: Instant,
    cpu_seconds: f64,
}

impl Sampler {
    fn new() -> Sampler {
        let system =
            System::new_with_specifics(RefreshKind::nothing().with_cpu(CpuRefreshKind::nothing().with_cpu_usage()));
        Sampler {
            system,
            last: HashMap::new(),
            node_cpu: HashMap::new(),
            at: Instant::now(),
            cpu_seconds: colony_actors::machine::cpu_seconds(),
        }
    }

    fn sample(&mut self, colony: &Colony, nodes: Vec<NodeView>) -> MachineReport {
        let now = Instant::now();
        let seconds = now.duration_since(self.at).as_secs_f64().max(1e-3);
        self.at = now;
        self.system.refresh_cpu_usage();
        let cpu_seconds = colony_actors::machine::cpu_seconds();
        let process_cores = (cpu_seconds - self.cpu_seconds).max(0.0) / seconds;
        self.cpu_seconds = cpu_seconds;
        let rows = colony.actors();
        let mut last = HashMap::with_capacity(rows.len());
        let actors = rows
            .into_iter()
            .map(|row| {
                let before = self.last.get(&row.actor).copied().unwrap_or(row.generation);
                last.insert(row.actor.clone(), row.generation);
                let state = match (row.alive, row.mailbox) {
                    (false, _) => "stopped",
                    (true, 0) => "idle",
                    (true, _) => "stepping",
                };
                ActorLine {
                    generations_per_second: row.generation.saturating_sub(before) as f64 / seconds,
                    actor: row.actor,
                    game: row.game.0,
                    state,
                    mailbox: row.mailbox,
                    handled: row.handled,
                    generation: row.generation,
                    memory_bytes: row.board_bytes,
                }
            })
            .collect();
        self.last = last;
        MachineReport {
            kind: "machine",
            resources: colony.resources(),
            cpus: self.system.cpus().iter().map(|c| c.cpu_usage()).collect(),
            process_cores,
            actors,
            nodes: self.node_lines(nodes),
        }
    }

    /// Each node with its CPU use since its previous report (on the node's own clocks, so the
    /// network's delays do not skew it).
    fn node_lines(&mut self, nodes: Vec<NodeView>) -> Vec<NodeLine> {
        nodes
            .into_iter()
            .map(|node| {
                let now = node.cpu_micros.zip(node.uptime_micros);
                let cores = match (now, self.node_cpu.get(&node.name)) {
                    (Some((cpu, up)), Some(&(cpu0, up0))) if up > up0 && node.state != NodeState::Lost => {
                        Some(cpu.saturating_sub(cpu0) as f64 / (up - up0) as f64)
                    }
                    _ => None,
                };
                if let Some(now) = now {
                    self.node_cpu.insert(node.name.clone(), now);
                }
                NodeLine { node, cores }
            })
            .collect()
    }
}

/// The latest report, shared with the handlers.
pub type Latest = Arc<Mutex<Option<Arc<MachineReport>>>>;

/// Samples every [`SAMPLE_EVERY`] until `colony` or `placement` is dropped, storing the report
/// in `latest` and publishing it to the hub's clients.
pub fn spawn_sampler(colony: Weak<Colony>, placement: Weak<dyn Placement>, hub: Hub, latest: Latest) {
    tokio::spawn(async move {
        let mut sampler = Sampler::new();
        let mut tick = tokio::time::interval(SAMPLE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(placement) = placement.upgrade() else { break };
            let nodes = placement.nodes().await;
            drop(placement);
            let Some(colony) = colony.upgrade() else { break };
            let report = Arc::new(sampler.sample(&colony, nodes));
            drop(colony);
            match serde_json::to_string(&*report) {
                Ok(text) => hub.set_machine_text(text),
                Err(err) => tracing::warn!(%err, "cannot encode the machine report"),
            }
            if let Ok(mut slot) = latest.lock() {
                *slot = Some(report);
            }
        }
    });
}

/// A report made now (before the first sample, or for a test).
pub fn sample_now(colony: &Colony) -> MachineReport {
    Sampler::new().sample(colony, Vec::new())
}
