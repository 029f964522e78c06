//! `Host`: the actor on each node that spawns, kills and reports games for drivers, since
//! ractor_cluster has no remote spawn.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use colony_actors::{Colony, GameHandle, GameId, Refused, TrialId};
use ractor::concurrency::JoinHandle;
use ractor::{Actor, ActorProcessingErr, ActorRef};
use tokio::time::Instant;

use crate::heartbeat::{Liveness, Verdict};
use crate::protocol::{HostMsg, NodeReport, Pulse, Welcome, DRAINING, HOSTS, PROTOCOL_VERSION, SCOPE};

/// How often a host judges its drivers' heartbeats (well under any timeout a driver may ask).
const HOST_TICK: Duration = Duration::from_millis(200);

/// Games one node hosts at most (every driver together): the largest trial a driver runs.
pub const MAX_HOSTED_GAMES: usize = 100_000;

/// Longest process-group name a driver may ask for (it names a game; anything longer is garbage).
const MAX_GROUP_BYTES: usize = 256;

/// The behaviour of a node's host actor: it joins the [`HOSTS`] group, and runs the games drivers
/// ask for on the node's [`Colony`]. Each game joins a process group the driver named, so the
/// driver finds its stand-in and messages the game directly; the host is not on that path.
pub struct Host {
    colony: Colony,
    name: String,
    listen: String,
    started: std::time::Instant,
    /// Drivers greeted so far (a node that joins a driver waits for its greeting).
    greeted: Arc<AtomicU64>,
}

impl Host {
    /// A host running games on `colony`, for the node called `name` that listens at `listen`.
    pub fn new(colony: Colony, name: String, listen: String) -> Host {
        Host {
            colony,
            name,
            listen,
            started: std::time::Instant::now(),
            greeted: Arc::new(AtomicU64::new(0)),
        }
    }

    /// How many drivers it has greeted, counted as they come.
    pub fn greeted(&self) -> Arc<AtomicU64> {
        self.greeted.clone()
    }
}

/// The games a host holds, by the group each joined, and its drivers' heartbeats.
pub struct HostState {
    games: HashMap<String, Hosted>,
    /// The group holding each driver's game, and the epoch it was placed at.
    placed: HashMap<PlacedKey, (u64, String)>,
    drivers: HashMap<String, Driver>,
    /// Spawns since dead entries were last swept.
    since_sweep: usize,
    /// The node is leaving: no new games, and every beat says so.
    draining: bool,
    ticks: Option<JoinHandle<()>>,
}

/// A driver's game: (driver, trial, game).
type PlacedKey = (String, TrialId, GameId);

struct Hosted {
    driver: String,
    trial: TrialId,
    game: GameId,
    epoch: u64,
    handle: GameHandle,
}

struct Driver {
    liveness: Liveness,
    /// Its games were stopped for its silence (logged once; cleared when it beats again).
    silenced: bool,
}

impl HostState {
    fn new() -> HostState {
        HostState {
            games: HashMap::new(),
            placed: HashMap::new(),
            drivers: HashMap::new(),
            since_sweep: 0,
            draining: false,
            ticks: None,
        }
    }

    /// Forgets a game (its handle is returned, to kill).
    fn remove(&mut self, group: &str) -> Option<Hosted> {
        let hosted = self.games.remove(group)?;
        let key = (hosted.driver.clone(), hosted.trial, hosted.game);
        if self.placed.get(&key).is_some_and(|(_, g)| g == group) {
            self.placed.remove(&key);
        }
        Some(hosted)
    }

    /// Forgets games whose actors ended on their own (failed): their handles are all that is left.
    fn sweep(&mut self) {
        let ended: Vec<String> = self
            .games
            .iter()
            .filter(|(_, g)| !g.handle.is_alive())
            .map(|(group, _)| group.clone())
            .collect();
        for group in ended {
            self.remove(&group);
        }
        self.since_sweep = 0;
    }

    /// Whether placement `epoch` of a driver's game may start here: the group of an older
    /// placement this node still holds (to stop: the driver has moved on), or why not (this node
    /// holds a newer one, so the request is the stale one).
    fn admit(&self, key: &PlacedKey, epoch: u64) -> Result<Option<String>, String> {
        match self.placed.get(key) {
            None => Ok(None),
            Some((held, group)) if *held < epoch => Ok(Some(group.clone())),
            Some((held, _)) => Err(format!(
                "{} of {} is placed here at epoch {held}: a placement at epoch {epoch} is stale",
                key.2, key.1
            )),
        }
    }

    /// Stops every game of `driver`; how many there were.
    fn stop_driver(&mut self, driver: &str) -> usize {
        let groups: Vec<String> = self
            .games
            .iter()
            .filter(|(_, g)| g.driver == driver)
            .map(|(group, _)| group.clone())
            .collect();
        for group in &groups {
            if let Some(hosted) = self.remove(group) {
                hosted.handle.kill();
            }
        }
        groups.len()
    }
}

impl Actor for Host {
    type Msg = HostMsg;
    type State = HostState;
    type Arguments = ();

    async fn pre_start(&self, myself: ActorRef<HostMsg>, _: ()) -> Result<HostState, ActorProcessingErr> {
        ractor::pg::join_scoped(SCOPE.to_string(), HOSTS.to_string(), vec![myself.get_cell()]);
        let mut state = HostState::new();
        state.ticks = Some(myself.send_interval(HOST_TICK, || HostMsg::Tick));
        Ok(state)
    }

    async fn post_stop(&self, _myself: ActorRef<HostMsg>, state: &mut HostState) -> Result<(), ActorProcessingErr> {
        if let Some(ticks) = state.ticks.take() {
            ticks.abort();
        }
        Ok(())
    }

    async fn handle(
        &self,
        _myself: ActorRef<HostMsg>,
        msg: HostMsg,
        state: &mut HostState,
    ) -> Result<(), ActorProcessingErr> {
        // A caller that stopped waiting is its own business: failed reply sends are ignored.
        match msg {
            HostMsg::Hello {
                version,
                driver,
                heartbeat,
                reply,
            } => {
                if version != PROTOCOL_VERSION {
                    tracing::warn!(
                        %driver,
                        "driver refused: protocol version mismatch: this node speaks version {PROTOCOL_VERSION}, \
                         the driver version {version}"
                    );
                    let _ = reply.send(Err(Refused::new(format!(
                        "protocol version mismatch: the node speaks version {PROTOCOL_VERSION}, the driver version \
                         {version}"
                    ))));
                    return Ok(());
                }
                tracing::info!(%driver, timeout = ?heartbeat.timeout(), "driver connected");
                state.drivers.insert(
                    driver,
                    Driver {
                        liveness: Liveness::new(Instant::now(), heartbeat.timeout()),
                        silenced: false,
                    },
                );
                state.sweep();
                self.greeted.fetch_add(1, Ordering::AcqRel);
                let _ = reply.send(Ok(Welcome {
                    version: PROTOCOL_VERSION,
                    name: self.name.clone(),
                    workers: self.colony.workers() as u32,
                    games: state.games.len() as u64,
                    listen: self.listen.clone(),
                }));
            }
            HostMsg::Spawn {
                driver,
                trial,
                game,
                epoch,
                spec,
                group,
                reply,
            } => {
                state.since_sweep += 1;
                if state.since_sweep >= 1024 {
                    state.sweep();
                }
                let refused = if state.draining {
                    Some(format!(
                        "{DRAINING} node {} is leaving and takes no new games",
                        self.name
                    ))
                } else if group.len() > MAX_GROUP_BYTES {
                    Some(format!(
                        "a group name of {} bytes; at most {MAX_GROUP_BYTES}",
                        group.len()
                    ))
                } else if state.games.contains_key(&group) {
                    Some(format!("a game already joined {group}"))
                } else if state.games.len() >= MAX_HOSTED_GAMES {
                    Some(format!("this node hosts {MAX_HOSTED_GAMES} games, the most it takes"))
                } else {
                    None
                };
                if let Some(reason) = refused {
                    let _ = reply.send(Err(Refused::new(reason)));
                    return Ok(());
                }
                let key = (driver.clone(), trial, game);
                match state.admit(&key, epoch) {
                    Err(reason) => {
                        tracing::warn!(%driver, %trial, %game, epoch, "stale placement refused");
                        let _ = reply.send(Err(Refused::new(reason)));
                        return Ok(());
                    }
                    Ok(Some(stale)) => {
                        if let Some(old) = state.remove(&stale) {
                            old.handle.kill();
                            tracing::warn!(%driver, %trial, %game, stale = old.epoch, epoch, "stale game stopped: placed again");
                        }
                    }
                    Ok(None) => {}
                }
                match self.colony.spawn_in(trial, game, spec).await {
                    Ok(handle) => {
                        // Joined before the reply goes: the join's news travels to the driver on
                        // the same session, ahead of the reply.
                        ractor::pg::join_scoped(SCOPE.to_string(), group.clone(), vec![handle.actor().get_cell()]);
                        tracing::debug!(%driver, %trial, %game, epoch, "game spawned");
                        state.placed.insert(key, (epoch, group.clone()));
                        state.games.insert(
                            group,
                            Hosted {
                                driver,
                                trial,
                                game,
                                epoch,
                                handle,
                            },
                        );
                        let _ = reply.send(Ok(()));
                    }
                    Err(err) => {
                        let _ = reply.send(Err(Refused::new(err.to_string())));
                    }
                }
            }
            HostMsg::Kill { group } => {
                if let Some(hosted) = state.remove(&group) {
                    hosted.handle.kill();
                }
            }
            HostMsg::Beat { driver, reply } => {
                if let Some(known) = state.drivers.get_mut(&driver) {
                    known.liveness.heard(Instant::now());
                    if std::mem::take(&mut known.silenced) {
                        tracing::warn!(%driver, "driver answers again (its games here were stopped)");
                    }
                }
                let _ = reply.send(Ok(Pulse {
                    draining: state.draining,
                }));
            }
            HostMsg::Drain(reply) => {
                if !std::mem::replace(&mut state.draining, true) {
                    tracing::warn!(
                        games = state.games.len(),
                        "draining: no new games; drivers move theirs away"
                    );
                }
                state.sweep();
                let _ = reply.send(state.games.len() as u64);
            }
            HostMsg::Tick => {
                let now = Instant::now();
                let mut silent = Vec::new();
                for (driver, known) in &mut state.drivers {
                    if let Verdict::Silent(after) = known.liveness.check(now) {
                        if !known.silenced {
                            known.silenced = true;
                            silent.push((driver.clone(), after));
                        }
                    }
                }
                for (driver, after) in silent {
                    let stopped = state.stop_driver(&driver);
                    tracing::warn!(%driver, stopped, "driver stopped answering (no heartbeat for {after:.1?}): its games stopped");
                }
            }
            HostMsg::Report(reply) => {
                state.sweep();
                let resources = self.colony.resources();
                let _ = reply.send(Ok(NodeReport {
                    name: self.name.clone(),
                    workers: resources.workers as u32,
                    games: state.games.len() as u64,
                    memory_bytes: resources.memory_bytes,
                    cpu_micros: (colony_actors::machine::cpu_seconds() * 1e6) as u64,
                    uptime_micros: u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX),
                    draining: state.draining,
                }));
            }
            HostMsg::DriverLost { driver } => {
                state.drivers.remove(&driver);
                let stopped = state.stop_driver(&driver);
                if stopped > 0 {
                    tracing::warn!(%driver, stopped, "driver gone: its games stopped");
                }
            }
            HostMsg::Undecodable { reason, reply } => {
                tracing::warn!(%reason, "undecodable message refused");
                HostMsg::refuse(&reason, reply);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use colony_actors::{ColonyConfig, GameId, GameSpec, TrialId};
    use ractor::concurrency::oneshot;

    use super::*;
    use crate::heartbeat::Heartbeat;

    async fn host() -> (ActorRef<HostMsg>, Colony) {
        let colony = Colony::init(ColonyConfig {
            workers: Some(1),
            ..ColonyConfig::default()
        })
        .await
        .expect("colony");
        let (host, _) = Actor::spawn(
            None,
            Host::new(colony.clone(), "test".to_string(), "127.0.0.1:7001".to_string()),
            (),
        )
        .await
        .expect("host");
        (host, colony)
    }

    fn hello(
        host: &ActorRef<HostMsg>,
        driver: &str,
        version: u32,
        timeout: Duration,
    ) -> ractor::concurrency::OneshotReceiver<Result<Welcome, Refused>> {
        let (tx, rx) = oneshot();
        host.cast(HostMsg::Hello {
            version,
            driver: driver.to_string(),
            heartbeat: Heartbeat::with_timeout(timeout),
            reply: tx.into(),
        })
        .expect("cast");
        rx
    }

    fn spawn(
        host: &ActorRef<HostMsg>,
        group: &str,
        driver: &str,
        game: u32,
        epoch: u64,
    ) -> ractor::concurrency::OneshotReceiver<Result<(), Refused>> {
        let (tx, rx) = oneshot();
        host.cast(HostMsg::Spawn {
            driver: driver.to_string(),
            trial: TrialId(1),
            game: GameId(game),
            epoch,
            spec: GameSpec::soup(16, 1),
            group: group.to_string(),
            reply: tx.into(),
        })
        .expect("cast");
        rx
    }

    async fn live_actors_reach(colony: &Colony, n: usize, what: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while colony.resources().live_actors != n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{what}: {} live actors, not {n}",
                colony.resources().live_actors
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    #[tokio::test]
    async fn a_driver_of_another_version_is_refused_naming_both() {
        let (host, _colony) = host().await;
        let answer = hello(&host, "d", PROTOCOL_VERSION + 1, Duration::from_secs(3))
            .await
            .expect("answer");
        let Err(Refused { reason }) = answer else {
            panic!("accepted another version: {answer:?}");
        };
        assert!(reason.contains(&format!("version {PROTOCOL_VERSION}")), "{reason}");
        assert!(
            reason.contains(&format!("version {}", PROTOCOL_VERSION + 1)),
            "{reason}"
        );
        host.stop(None);
    }

    #[tokio::test]
    async fn a_report_counts_games_and_time() {
        let (host, _colony) = host().await;
        let report = || async {
            let (tx, rx) = oneshot();
            host.cast(HostMsg::Report(tx.into())).expect("cast");
            rx.await.expect("answer").expect("a report")
        };
        let first = report().await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let second = report().await;
        assert_eq!((second.name.as_str(), second.workers, second.games), ("test", 1, 0));
        assert!(
            second.uptime_micros >= first.uptime_micros + 20_000,
            "{first:?} {second:?}"
        );
        assert!(second.cpu_micros >= first.cpu_micros, "{first:?} {second:?}");
        assert!(
            second.memory_bytes > 0 && second.cpu_micros > 0,
            "Linux tells both: {second:?}"
        );
        host.stop(None);
    }

    #[tokio::test]
    async fn spawn_joins_the_group_kill_and_a_lost_driver_stop_games() {
        let (host, colony) = host().await;
        assert_eq!(spawn(&host, "g/a", "d1", 0, 0).await.expect("answer"), Ok(()));
        assert_eq!(spawn(&host, "g/b", "d2", 0, 0).await.expect("answer"), Ok(()));
        assert!(
            spawn(&host, "g/a", "d1", 1, 0).await.expect("answer").is_err(),
            "a group holds one game"
        );
        let members = ractor::pg::get_scoped_members(&SCOPE.to_string(), &"g/a".to_string());
        assert_eq!(members.len(), 1);

        host.cast(HostMsg::Kill {
            group: "g/a".to_string(),
        })
        .expect("cast");
        host.cast(HostMsg::DriverLost {
            driver: "d2".to_string(),
        })
        .expect("cast");
        live_actors_reach(&colony, 0, "killed and lost").await;
        host.stop(None);
    }

    #[tokio::test]
    async fn a_newer_epoch_stops_the_stale_game_and_an_older_one_is_refused() {
        let (host, colony) = host().await;
        assert_eq!(spawn(&host, "e/0", "d", 3, 0).await.expect("answer"), Ok(()));
        assert_eq!(spawn(&host, "e/1", "d", 3, 2).await.expect("answer"), Ok(()));
        live_actors_reach(&colony, 1, "epoch 0 stopped for epoch 2").await;
        let stale = spawn(&host, "e/2", "d", 3, 1).await.expect("answer");
        assert!(
            matches!(&stale, Err(Refused { reason }) if reason.contains("stale")),
            "{stale:?}"
        );
        // Another driver's game of the same number is another game.
        assert_eq!(spawn(&host, "e/3", "other", 3, 0).await.expect("answer"), Ok(()));
        live_actors_reach(&colony, 2, "one game per driver").await;
        host.stop(None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_silent_driver_loses_its_games_and_a_beating_one_keeps_them() {
        let (host, colony) = host().await;
        let timeout = Duration::from_secs(1);
        for driver in ["silent", "beating"] {
            assert!(hello(&host, driver, PROTOCOL_VERSION, timeout)
                .await
                .expect("answer")
                .is_ok());
        }
        assert_eq!(spawn(&host, "s/0", "silent", 0, 0).await.expect("answer"), Ok(()));
        assert_eq!(spawn(&host, "s/1", "silent", 1, 0).await.expect("answer"), Ok(()));
        assert_eq!(spawn(&host, "b/0", "beating", 0, 0).await.expect("answer"), Ok(()));
        let started = tokio::time::Instant::now();
        // Beat for three timeouts: the silent driver's games go, the other's stay.
        while started.elapsed() < 3 * timeout {
            let (tx, rx) = oneshot();
            host.cast(HostMsg::Beat {
                driver: "beating".to_string(),
                reply: tx.into(),
            })
            .expect("cast");
            assert_eq!(rx.await.expect("answer"), Ok(Pulse { draining: false }));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        live_actors_reach(&colony, 1, "the silent driver's two games stopped").await;
        let (tx, rx) = oneshot();
        host.cast(HostMsg::Report(tx.into())).expect("cast");
        assert_eq!(rx.await.expect("answer").expect("report").games, 1);
        host.stop(None);
    }

    #[tokio::test]
    async fn a_draining_host_takes_no_new_games_and_says_so_on_every_beat() {
        let (host, _colony) = host().await;
        assert!(hello(&host, "d", PROTOCOL_VERSION, Duration::from_secs(3))
            .await
            .expect("answer")
            .is_ok());
        assert_eq!(spawn(&host, "d/0", "d", 0, 0).await.expect("answer"), Ok(()));
        let (tx, rx) = oneshot();
        host.cast(HostMsg::Drain(tx.into())).expect("cast");
        assert_eq!(rx.await.expect("answer"), 1, "the game it still hosts");
        let refused = spawn(&host, "d/1", "d", 1, 0).await.expect("answer");
        assert!(
            matches!(&refused, Err(Refused { reason }) if reason.starts_with(DRAINING)),
            "{refused:?}"
        );
        let (tx, rx) = oneshot();
        host.cast(HostMsg::Beat {
            driver: "d".to_string(),
            reply: tx.into(),
        })
        .expect("cast");
        assert_eq!(rx.await.expect("answer"), Ok(Pulse { draining: true }));
        host.cast(HostMsg::Kill {
            group: "d/0".to_string(),
        })
        .expect("cast");
        let (tx, rx) = oneshot();
        host.cast(HostMsg::Report(tx.into())).expect("cast");
        let report = rx.await.expect("answer").expect("report");
        assert_eq!((report.games, report.draining), (0, true), "moved away, it may leave");
        host.stop(None);
    }
}
