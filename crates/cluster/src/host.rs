//! `Host`: the actor on each node that spawns, kills and reports games for drivers, since
//! ractor_cluster has no remote spawn.

use std::collections::HashMap;

use colony_actors::{Colony, GameHandle, Refused};
use ractor::{Actor, ActorProcessingErr, ActorRef};

use crate::protocol::{HostMsg, NodeReport, Welcome, HOSTS, PROTOCOL_VERSION, SCOPE};

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
    started: std::time::Instant,
}

impl Host {
    /// A host running games on `colony`, for the node called `name`.
    pub fn new(colony: Colony, name: String) -> Host {
        Host {
            colony,
            name,
            started: std::time::Instant::now(),
        }
    }
}

/// The games a host holds, by the group each joined.
pub struct HostState {
    games: HashMap<String, Hosted>,
    /// Spawns since dead entries were last swept.
    since_sweep: usize,
}

struct Hosted {
    driver: String,
    handle: GameHandle,
}

impl HostState {
    /// Forgets games whose actors ended on their own (failed): their handles are all that is left.
    fn sweep(&mut self) {
        self.games.retain(|_, g| g.handle.is_alive());
        self.since_sweep = 0;
    }
}

impl Actor for Host {
    type Msg = HostMsg;
    type State = HostState;
    type Arguments = ();

    async fn pre_start(&self, myself: ActorRef<HostMsg>, _: ()) -> Result<HostState, ActorProcessingErr> {
        ractor::pg::join_scoped(SCOPE.to_string(), HOSTS.to_string(), vec![myself.get_cell()]);
        Ok(HostState {
            games: HashMap::new(),
            since_sweep: 0,
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<HostMsg>,
        msg: HostMsg,
        state: &mut HostState,
    ) -> Result<(), ActorProcessingErr> {
        // A caller that stopped waiting is its own business: failed reply sends are ignored.
        match msg {
            HostMsg::Hello { version, driver, reply } => {
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
                tracing::info!(%driver, "driver connected");
                state.sweep();
                let _ = reply.send(Ok(Welcome {
                    version: PROTOCOL_VERSION,
                    name: self.name.clone(),
                    workers: self.colony.workers() as u32,
                    games: state.games.len() as u64,
                }));
            }
            HostMsg::Spawn {
                driver,
                trial,
                game,
                spec,
                group,
                reply,
            } => {
                state.since_sweep += 1;
                if state.since_sweep >= 1024 {
                    state.sweep();
                }
                let refused = if group.len() > MAX_GROUP_BYTES {
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
                match self.colony.spawn_in(trial, game, spec).await {
                    Ok(handle) => {
                        // Joined before the reply goes: the join's news travels to the driver on
                        // the same session, ahead of the reply.
                        ractor::pg::join_scoped(SCOPE.to_string(), group.clone(), vec![handle.actor().get_cell()]);
                        tracing::debug!(%driver, %trial, %game, "game spawned");
                        state.games.insert(group, Hosted { driver, handle });
                        let _ = reply.send(Ok(()));
                    }
                    Err(err) => {
                        let _ = reply.send(Err(Refused::new(err.to_string())));
                    }
                }
            }
            HostMsg::Kill { group } => {
                if let Some(hosted) = state.games.remove(&group) {
                    hosted.handle.kill();
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
                }));
            }
            HostMsg::DriverLost { driver } => {
                let before = state.games.len();
                state.games.retain(|_, hosted| {
                    let keep = hosted.driver != driver;
                    if !keep {
                        hosted.handle.kill();
                    }
                    keep
                });
                let stopped = before - state.games.len();
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

    async fn host() -> (ActorRef<HostMsg>, Colony) {
        let colony = Colony::init(ColonyConfig {
            workers: Some(1),
            ..ColonyConfig::default()
        })
        .await
        .expect("colony");
        let (host, _) = Actor::spawn(None, Host::new(colony.clone(), "test".to_string()), ())
            .await
            .expect("host");
        (host, colony)
    }

    #[tokio::test]
    async fn a_driver_of_another_version_is_refused_naming_both() {
        let (host, _colony) = host().await;
        let (tx, rx) = oneshot();
        host.cast(HostMsg::Hello {
            version: PROTOCOL_VERSION + 1,
            driver: "d".to_string(),
            reply: tx.into(),
        })
        .expect("cast");
        let answer = rx.await.expect("answer");
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
        let spawn = |group: &str, driver: &str| {
            let (tx, rx) = oneshot();
            host.cast(HostMsg::Spawn {
                driver: driver.to_string(),
                trial: TrialId(1),
                game: GameId(0),
                spec: GameSpec::soup(16, 1),
                group: group.to_string(),
                reply: tx.into(),
            })
            .expect("cast");
            rx
        };
        assert_eq!(spawn("g/a", "d1").await.expect("answer"), Ok(()));
        assert_eq!(spawn("g/b", "d2").await.expect("answer"), Ok(()));
        assert!(
            spawn("g/a", "d1").await.expect("answer").is_err(),
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
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        while colony.resources().live_actors > 0 {
            assert!(tokio::time::Instant::now() < deadline, "games still live");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        host.stop(None);
    }
}
