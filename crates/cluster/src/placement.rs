//! `ClusterPlacement`: a trial's games spread over a driver's nodes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use colony_actors::{
    ColonyError, GameHandle, GameId, GameMsg, GameSpec, NodeState, NodeView, Placed, Placement, TrialId, Updates,
};
use futures_util::future::BoxFuture;
use ractor::rpc::CallResult;
use ractor::ActorRef;
use tokio::time::Instant;

use crate::cluster::{Cluster, NodeLink};
use crate::protocol::{game_group, HostMsg};

/// How long a node has to start a game and announce it.
pub const SPAWN_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the dashboard's view of the nodes waits for each node's report.
const REPORT_TIMEOUT: Duration = Duration::from_millis(500);

/// Bytes a reply or spawn message carries beside its board (summaries, framing), kept free
/// under the frame limit.
const FRAME_MARGIN: u64 = 64 * 1024;

/// How a placement talks to games.
#[derive(Debug, Clone)]
pub struct PlacementConfig {
    /// How long a call to a game waits for its reply.
    pub call_timeout: Duration,
    /// Largest frame the nodes accept, in bytes: a game whose board cannot travel is refused.
    pub max_frame_bytes: u64,
    /// Updates buffered per sink.
    pub update_buffer: usize,
}

impl Default for PlacementConfig {
    fn default() -> Self {
        PlacementConfig {
            call_timeout: colony_actors::DEFAULT_CALL_TIMEOUT,
            max_frame_bytes: crate::DEFAULT_MAX_FRAME_BYTES,
            update_buffer: colony_actors::UPDATE_BUFFER,
        }
    }
}

/// Places games on a [`Cluster`]'s nodes: each new game goes to the live node with the fewest
/// games per worker (counting what it hosted when greeted), ties to the node given first. The
/// handles are ordinary [`GameHandle`]s whose calls go straight to the game's actor; killing or
/// dropping one asks the game's host to stop it. Nodes that were lost (their sessions ended, or
/// they stopped answering the heartbeat) are skipped, so the supervisor's restart of a game lost
/// with its node lands on a live one.
///
/// Every placement of a game has an epoch, one more than its last: the host is told it (and
/// stops an older placement it still holds), and a handle's replies are refused once its node is
/// lost or the game has been placed again, so a node that comes back never mixes stale results
/// into a trial.
pub struct ClusterPlacement {
    cluster: Arc<Cluster>,
    config: PlacementConfig,
    updates: Updates,
    /// Held while a node is chosen and its load counted, so concurrent spawns spread.
    choosing: Mutex<()>,
    next_key: AtomicU64,
    epochs: Epochs,
}

/// The current epoch of every game placed, per trial.
#[derive(Default)]
struct Epochs(Mutex<HashMap<(TrialId, GameId), Arc<AtomicU64>>>);

/// One placement's epoch, and where the game's current epoch is kept.
struct Ticket {
    epoch: u64,
    current: Arc<AtomicU64>,
}

impl Ticket {
    /// Why this placement is stale, if the game has been placed again since.
    fn stale(&self) -> Option<String> {
        let current = self.current.load(Ordering::Acquire);
        (current != self.epoch).then(|| {
            format!(
                "a reply of its placement at epoch {} is stale: the game has been placed again (epoch {current})",
                self.epoch
            )
        })
    }
}

impl Epochs {
    /// A new placement of `game`: epoch 0 the first time, one more than the last after that.
    fn place(&self, trial: TrialId, game: GameId) -> Ticket {
        let mut epochs = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match epochs.get(&(trial, game)) {
            Some(current) => Ticket {
                epoch: current.fetch_add(1, Ordering::AcqRel) + 1,
                current: current.clone(),
            },
            None => {
                let current = Arc::new(AtomicU64::new(0));
                epochs.insert((trial, game), current.clone());
                Ticket { epoch: 0, current }
            }
        }
    }

    fn forget(&self, trial: TrialId) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(t, _), _| *t != trial);
    }
}

/// A game placed on a node: how to end it, and whether its replies may still be used.
struct Remote {
    node: Arc<NodeLink>,
    group: String,
    ticket: Ticket,
    ended: AtomicBool,
}

impl Placed for Remote {
    fn end(&self) {
        // Kill, then the last drop: the host hears once.
        if !self.ended.swap(true, Ordering::Relaxed) {
            let _ = self.node.host().cast(HostMsg::Kill {
                group: self.group.clone(),
            });
            self.node.unplaced();
        }
    }

    fn fenced(&self) -> Option<String> {
        if let Some(why) = self.node.lost() {
            return Some(format!("node {} ({}) was lost: {why}", self.node.name, self.node.addr));
        }
        self.ticket.stale()
    }

    fn moving(&self) -> Option<String> {
        self.node
            .is_draining()
            .then(|| format!("node {} ({}) is leaving", self.node.name, self.node.addr))
    }
}

impl ClusterPlacement {
    /// A placement over `cluster`'s nodes.
    pub fn new(cluster: Cluster, config: PlacementConfig) -> ClusterPlacement {
        ClusterPlacement {
            updates: Updates::new(config.update_buffer),
            cluster: Arc::new(cluster),
            config,
            choosing: Mutex::new(()),
            next_key: AtomicU64::new(0),
            epochs: Epochs::default(),
        }
    }

    /// The cluster it places on.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// Picks the node for one more game and counts it there.
    fn choose(&self) -> Option<Arc<NodeLink>> {
        let _choosing = self.choosing.lock().unwrap_or_else(|p| p.into_inner());
        let nodes = self.cluster.nodes();
        let load: Vec<u64> = nodes.iter().map(|n| n.load()).collect();
        let workers: Vec<usize> = nodes.iter().map(|n| n.workers).collect();
        let alive: Vec<bool> = nodes.iter().map(|n| n.is_alive() && !n.is_draining()).collect();
        let best = nodes.get(least_loaded(&load, &workers, &alive)?)?.clone();
        best.placed();
        Some(best)
    }

    async fn spawn_anywhere(&self, trial: TrialId, game: GameId, spec: GameSpec) -> Result<GameHandle, ColonyError> {
        let fail = |reason: String| ColonyError::Spawn { game, reason };
        let bytes = board_bytes(&spec);
        if bytes.saturating_add(FRAME_MARGIN) > self.config.max_frame_bytes {
            return Err(fail(format!(
                "its board takes {bytes} bytes, more than a cluster frame carries ({} bytes): use smaller boards \
                 or raise the frame limit on every node",
                self.config.max_frame_bytes
            )));
        }
        // A node whose session ended while it was chosen is skipped: the next try sees it dead.
        let mut last = None;
        for _ in 0..self.cluster.nodes().len() {
            let node = self
                .choose()
                .ok_or_else(|| fail("no live cluster node to place it on".to_string()))?;
            let ticket = self.epochs.place(trial, game);
            match self.spawn_on(node.clone(), trial, game, ticket, spec.clone()).await {
                Err(err) if !node.is_alive() || node.is_draining() => last = Some(err),
                done => return done,
            }
        }
        Err(last.unwrap_or_else(|| fail("no live cluster node to place it on".to_string())))
    }

    async fn spawn_on(
        &self,
        node: Arc<NodeLink>,
        trial: TrialId,
        game: GameId,
        ticket: Ticket,
        spec: GameSpec,
    ) -> Result<GameHandle, ColonyError> {
        let fail = |reason: String| ColonyError::Spawn { game, reason };
        let unplace = || node.unplaced();
        let key = self.next_key.fetch_add(1, Ordering::Relaxed);
        let group = game_group(self.cluster.driver(), key);
        let answer = node
            .host()
            .call(
                |reply| HostMsg::Spawn {
                    driver: self.cluster.driver().to_string(),
                    trial,
                    game,
                    epoch: ticket.epoch,
                    spec,
                    group: group.clone(),
                    reply,
                },
                Some(SPAWN_TIMEOUT),
            )
            .await;
        let on = |reason: String| fail(format!("on node {} ({}): {reason}", node.name, node.addr));
        match answer {
            Ok(CallResult::Success(Ok(()))) => {}
            Ok(CallResult::Success(Err(refused))) => {
                unplace();
                if refused.reason.starts_with(crate::protocol::DRAINING) {
                    node.mark_draining();
                }
                return Err(on(refused.reason));
            }
            Ok(CallResult::Timeout) => {
                unplace();
                // It may yet start: ask for it gone, so it does not run unwatched.
                let _ = node.host().cast(HostMsg::Kill { group });
                return Err(on(format!("no answer within {SPAWN_TIMEOUT:?}")));
            }
            Ok(CallResult::SenderError) | Err(_) => {
                unplace();
                return Err(on("the node's session has ended".to_string()));
            }
        }
        let Some(actor) = self.stand_in(&node, &group).await else {
            unplace();
            let _ = node.host().cast(HostMsg::Kill { group });
            return Err(on("the game started but was never announced".to_string()));
        };
        if ticket.epoch > 0 {
            tracing::info!(node = %node.name, %trial, %game, epoch = ticket.epoch, "game placed again");
        }
        let remote = Remote {
            node,
            group,
            ticket,
            ended: AtomicBool::new(false),
        };
        Ok(GameHandle::placed(
            game,
            actor,
            self.config.call_timeout,
            Arc::new(remote),
        ))
    }

    /// The local stand-in of the game that joined `group` on `node`. Its announcement travels
    /// ahead of the spawn's reply on the same session, so it is nearly always there at once.
    async fn stand_in(&self, node: &NodeLink, group: &str) -> Option<ActorRef<GameMsg>> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(cell) = node.members(group).into_iter().next() {
                return Some(ActorRef::from(cell));
            }
            if Instant::now() >= deadline || !node.is_alive() {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// The live node with the fewest games per worker once it takes one more, the first on ties.
fn least_loaded(load: &[u64], workers: &[usize], alive: &[bool]) -> Option<usize> {
    (0..load.len()).filter(|&i| alive[i]).min_by(|&a, &b| {
        // (load_a + 1) / workers_a against (load_b + 1) / workers_b, without division.
        let lhs = u128::from(load[a] + 1) * workers[b] as u128;
        let rhs = u128::from(load[b] + 1) * workers[a] as u128;
        lhs.cmp(&rhs)
    })
}

/// Bytes of the board a game's spec makes (what its spawn and every reply carry). On the plane,
/// the cells a spawn carries (a soup's extent as a board, or the pattern's tree); its replies
/// grow with the pattern, under the same frame limit.
fn board_bytes(spec: &GameSpec) -> u64 {
    if let colony_actors::Start::Board { board, .. } = &spec.start {
        if board.plane().is_some() {
            return board.bytes();
        }
    }
    let words = (spec.width as u64).div_ceil(64);
    words.saturating_mul(8).saturating_mul(spec.height as u64)
}

impl Placement for ClusterPlacement {
    fn spawn(&self, trial: TrialId, game: GameId, spec: GameSpec) -> BoxFuture<'_, Result<GameHandle, ColonyError>> {
        Box::pin(self.spawn_anywhere(trial, game, spec))
    }

    fn workers(&self) -> usize {
        self.cluster.nodes().iter().map(|n| n.workers).sum()
    }

    fn updates(&self) -> &Updates {
        &self.updates
    }

    fn forget(&self, trial: TrialId) {
        self.epochs.forget(trial);
    }

    fn nodes(&self) -> BoxFuture<'_, Vec<NodeView>> {
        Box::pin(async move {
            let nodes = self.cluster.nodes();
            let views = nodes.iter().map(|node| {
                let games = node.load().saturating_sub(node.games_at_hello);
                view(node, games)
            });
            futures_util::future::join_all(views).await
        })
    }
}

/// A node as the dashboard shows it: its report, asked for now, unless it was lost.
async fn view(node: &NodeLink, games: u64) -> NodeView {
    let mut view = NodeView {
        name: node.name.clone(),
        addr: node.addr.to_string(),
        state: NodeState::Up,
        reason: None,
        workers: node.workers,
        games,
        hosted: None,
        memory_bytes: None,
        cpu_micros: None,
        uptime_micros: None,
    };
    if let Some(why) = node.lost() {
        view.state = NodeState::Lost;
        view.reason = Some(match node.is_draining() {
            true => format!("left after draining ({why})"),
            false => why.to_string(),
        });
        return view;
    }
    if node.is_draining() {
        view.state = NodeState::Draining;
    }
    match node.report(REPORT_TIMEOUT).await {
        Ok(report) => {
            view.hosted = Some(report.games);
            view.memory_bytes = Some(report.memory_bytes);
            view.cpu_micros = Some(report.cpu_micros);
            view.uptime_micros = Some(report.uptime_micros);
        }
        Err(err) => view.reason = Some(err.to_string()),
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Places `games` one after another, as a trial's spawns do.
    fn place(games: usize, workers: &[usize], alive: &[bool]) -> Vec<u64> {
        let mut load = vec![0; workers.len()];
        for _ in 0..games {
            let i = least_loaded(&load, workers, alive).expect("a live node");
            load[i] += 1;
        }
        load
    }

    #[test]
    fn games_go_by_workers() {
        assert_eq!(place(9, &[1, 1, 1], &[true; 3]), vec![3, 3, 3]);
        assert_eq!(
            place(8, &[1, 1, 1], &[true; 3]),
            vec![3, 3, 2],
            "ties go to the node given first"
        );
        assert_eq!(place(12, &[2, 1, 1], &[true; 3]), vec![6, 3, 3]);
        assert_eq!(place(6, &[1, 1, 1], &[true, false, true]), vec![3, 0, 3]);
        assert_eq!(least_loaded(&[0, 0], &[1, 1], &[false, false]), None);
    }

    #[test]
    fn every_placement_of_a_game_fences_the_ones_before() {
        let epochs = Epochs::default();
        let (t, g) = (TrialId(1), GameId(4));
        let first = epochs.place(t, g);
        let other = epochs.place(t, GameId(5));
        assert_eq!((first.epoch, first.stale()), (0, None));
        let second = epochs.place(t, g);
        assert_eq!(second.epoch, 1);
        assert_eq!(second.stale(), None, "the newest placement is current");
        let why = first.stale().expect("the first is stale now");
        assert!(why.contains("epoch 0") && why.contains("epoch 1"), "{why}");
        assert_eq!(other.stale(), None, "another game is untouched");
        assert_eq!(
            epochs.place(TrialId(2), g).epoch,
            0,
            "another trial's game is another game"
        );

        epochs.forget(t);
        assert_eq!(epochs.place(t, g).epoch, 0, "a forgotten trial starts over");
        assert_eq!(
            epochs.place(TrialId(2), g).epoch,
            1,
            "forgetting one trial keeps the others"
        );
    }

    #[test]
    fn board_bytes_count_padded_rows() {
        assert_eq!(board_bytes(&GameSpec::soup(1, 0)), 8);
        assert_eq!(board_bytes(&GameSpec::soup(64, 0)), 64 * 8);
        assert_eq!(board_bytes(&GameSpec::soup(65, 0)), 65 * 16);
    }
}
