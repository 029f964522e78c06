//! `Node`: a process that hosts games for drivers — a ractor_cluster `NodeServer` on an explicit
//! address, a [`Host`] actor, and a [`Colony`] to run the games on.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use colony_actors::Colony;
use ractor::rpc::CallResult;
use ractor::{Actor, ActorId, ActorRef};
use ractor_cluster::node::{NodeConnectionMode, NodeServerSessionInformation};
use ractor_cluster::{NodeEventSubscription, NodeServer, NodeServerMessage};

use crate::host::Host;
use crate::protocol::HostMsg;
use crate::tls::{ServerTls, TlsListener};
use crate::{ClusterError, Cookie};

/// Largest inbound frame a node or driver accepts unless configured otherwise (ractor_cluster's
/// default): a game's spawn carries its board, a step reply the newest board.
pub const DEFAULT_MAX_FRAME_BYTES: u64 = ractor_cluster::DEFAULT_MAX_INBOUND_FRAME_SIZE;

/// How long a connection may take to authenticate before the node drops it: ractor_cluster
/// keeps a silent peer's session forever otherwise.
pub const AUTH_DEADLINE: Duration = Duration::from_secs(10);

/// How to start a node.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Where to listen: an explicit address and port (nothing binds all interfaces unless this
    /// says `0.0.0.0` or `[::]`).
    pub listen: SocketAddr,
    /// The node's name in the cluster [default: `node-PORT`]; unique among a driver's nodes.
    pub name: Option<String>,
    /// Largest inbound frame, in bytes.
    pub max_frame_bytes: u64,
    /// TLS for every connection [default: none, sessions are plaintext].
    pub tls: Option<ServerTls>,
}

impl NodeConfig {
    /// A node listening on `listen` with every other setting at its default.
    pub fn new(listen: SocketAddr) -> NodeConfig {
        NodeConfig {
            listen,
            name: None,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            tls: None,
        }
    }
}

/// How often a draining node checks whether its games have gone.
const DRAIN_POLL: Duration = Duration::from_millis(100);

/// A running node. Dropping it (or [`Node::stop`]) stops the server, its sessions and its games.
pub struct Node {
    server: ActorRef<NodeServerMessage>,
    /// Drivers its host has greeted.
    greeted: Arc<AtomicU64>,
    tls_on: bool,
    host: ActorRef<HostMsg>,
    colony: Colony,
    name: String,
    listen: SocketAddr,
    /// With TLS, the node's own listener on `listen` (ractor_cluster's refuses every handshake).
    _tls: Option<TlsListener>,
}

impl Node {
    /// Starts a node: listens on `config.listen`, accepts drivers that prove `cookie`, and hosts
    /// their games on `colony`. Must run inside a Tokio runtime.
    pub async fn start(colony: Colony, config: NodeConfig, cookie: &Cookie) -> Result<Node, ClusterError> {
        let listen = config.listen;
        let failed = |reason: String| ClusterError::Start { addr: listen, reason };
        if listen.port() == 0 {
            return Err(failed("a node needs a fixed port: drivers connect to it".to_string()));
        }
        crate::cluster::check_bindable(listen)?;
        let name = config.name.clone().unwrap_or_else(|| format!("node-{}", listen.port()));
        check_name(&name).map_err(failed)?;
        let behaviour = Host::new(colony.clone(), name.clone(), listen.to_string());
        let greeted = behaviour.greeted();
        let (host, _) = Actor::spawn(None, behaviour, ())
            .await
            .map_err(|e| failed(format!("cannot start the host actor: {e}")))?;
        // With TLS, ractor_cluster's own listener goes to an ephemeral loopback port where it
        // completes no handshake, and Colony's listener takes the node's address (see `tls`).
        let (port, ip, encryption) = match &config.tls {
            Some(_) => match crate::tls::refusing() {
                Ok(refusing) => (0, std::net::Ipv4Addr::LOCALHOST.into(), Some(refusing)),
                Err(e) => {
                    host.stop(None);
                    return Err(failed(e.to_string()));
                }
            },
            None => (listen.port(), listen.ip(), None),
        };
        let server = NodeServer::new(
            port,
            cookie.secret().to_string(),
            name.clone(),
            hostname(listen),
            encryption,
            Some(NodeConnectionMode::Isolated),
        )
        .with_listen_addr(ip)
        .with_max_inbound_frame_size(config.max_frame_bytes);
        let server = match Actor::spawn(None, server, ()).await {
            Ok((server, _)) => server,
            Err(e) => {
                host.stop(None);
                return Err(failed(e.to_string()));
            }
        };
        let watch = Watch {
            host: host.clone(),
            deadline: AuthDeadline::default(),
        };
        let subscribed = server.cast(NodeServerMessage::SubscribeToEvents {
            id: "colony-node".to_string(),
            subscription: Box::new(watch),
        });
        if subscribed.is_err() {
            server.stop(None);
            host.stop(None);
            return Err(failed("the node server stopped at once".to_string()));
        }
        let tls = match &config.tls {
            Some(tls) => match TlsListener::start(listen, tls, server.clone(), AUTH_DEADLINE).await {
                Ok(listener) => Some(listener),
                Err(e) => {
                    server.stop(None);
                    host.stop(None);
                    return Err(failed(e.to_string()));
                }
            },
            None => None,
        };
        Ok(Node {
            server,
            greeted,
            tls_on: config.tls.is_some(),
            host,
            colony,
            name,
            listen,
            _tls: tls,
        })
    }

    /// The node's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where it listens.
    pub fn listen(&self) -> SocketAddr {
        self.listen
    }

    /// Its compute workers.
    pub fn workers(&self) -> usize {
        self.colony.workers()
    }

    /// The colony its games run on (live actors, memory).
    pub fn colony(&self) -> &Colony {
        &self.colony
    }

    /// Offers the node to a running driver that takes nodes at `driver` (`HOST:PORT`, its
    /// `--cluster-listen`): dials it, proves the cookie, and waits until the driver has greeted
    /// the node's host, all within `timeout`. The driver then places new and restarted games
    /// here too. Plaintext only for now.
    pub async fn join(&self, driver: &str, timeout: Duration) -> Result<SocketAddr, ClusterError> {
        if self.tls_on {
            return Err(ClusterError::Runtime(
                "a TLS node cannot join a driver yet: give it in the driver's --cluster instead".to_string(),
            ));
        }
        let addr = crate::cluster::resolve(driver).await?;
        let deadline = tokio::time::Instant::now() + timeout;
        let before = self.greeted.load(Ordering::Acquire);
        let timed_out = |stage, hint| ClusterError::Timeout {
            addr,
            stage,
            after: timeout,
            hint,
        };
        match tokio::time::timeout_at(deadline, ractor_cluster::client_connect(&self.server, addr)).await {
            Err(_) => {
                return Err(timed_out(
                    "no TCP connection",
                    "is the address right and the driver up?",
                ))
            }
            Ok(Err(ractor_cluster::ClientConnectErr::Socket(source))) => {
                return Err(ClusterError::Connect { addr, source })
            }
            Ok(Err(other)) => return Err(ClusterError::Runtime(format!("joining {addr}: {other}"))),
            Ok(Ok(())) => {}
        }
        while self.greeted.load(Ordering::Acquire) == before {
            if tokio::time::Instant::now() >= deadline {
                return Err(timed_out(
                    "no greeting from the driver",
                    "a wrong cookie, or no Colony driver takes nodes there (its --cluster-listen)",
                ));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(addr)
    }

    /// Drains the node: it takes no new games, and the next heartbeat tells each driver, which
    /// moves its games here to its other nodes. Resolves once the node hosts no games, or when
    /// `limit` has passed; how many games are left.
    pub async fn drain(&self, limit: Duration) -> Result<u64, ClusterError> {
        let gone = || ClusterError::Runtime("the node's host actor has stopped".to_string());
        let deadline = tokio::time::Instant::now() + limit;
        let mut games = match self.host.call(HostMsg::Drain, Some(Duration::from_secs(5))).await {
            Ok(CallResult::Success(games)) => games,
            _ => return Err(gone()),
        };
        while games > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(DRAIN_POLL).await;
            games = match self.host.call(HostMsg::Report, Some(Duration::from_secs(5))).await {
                Ok(CallResult::Success(Ok(report))) => report.games,
                _ => return Err(gone()),
            };
        }
        Ok(games)
    }

    /// Stops the server, its sessions and every hosted game.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.server.stop(None);
        self.host.stop(None);
    }
}

/// A node's name goes into ractor_cluster's handshake as `name@host`: keep it printable and short.
fn check_name(name: &str) -> Result<(), String> {
    let ok =
        !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "node name {}: use 1 to 64 letters, digits, '-', '_' or '.'",
            crate::error::quoted(name)
        ))
    }
}

/// The host part of the node's cluster name: the listen address, or the machine's name when
/// it listens on every interface (so nodes on several machines get distinct names).
fn hostname(listen: SocketAddr) -> String {
    if listen.ip().is_unspecified() {
        if let Ok(name) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
            let name = name.trim();
            if !name.is_empty() {
                return name.to_string();
            }
        }
    }
    listen.ip().to_string()
}

/// Drops connections that do not authenticate within [`AUTH_DEADLINE`]: ractor_cluster keeps a
/// silent peer's session forever. Shared by a node's server and a driver's that takes joins.
#[derive(Clone, Default)]
pub(crate) struct AuthDeadline(Arc<Mutex<HashSet<ActorId>>>);

impl AuthDeadline {
    fn set(&self) -> std::sync::MutexGuard<'_, HashSet<ActorId>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A connection opened: it has until the deadline to authenticate.
    pub(crate) fn opened(&self, ses: &NodeServerSessionInformation) {
        tracing::debug!(peer = %ses.peer_addr, "connection opened");
        let authenticated = self.clone();
        let (id, session, peer) = (ses.actor.get_id(), ses.actor.clone(), ses.peer_addr.clone());
        tokio::spawn(async move {
            tokio::time::sleep(AUTH_DEADLINE).await;
            let done = authenticated.set().contains(&id);
            if !done && session.get_status() < ractor::ActorStatus::Stopping {
                tracing::warn!(%peer, "connection dropped: no authentication within {AUTH_DEADLINE:?}");
                session.stop(Some("authentication deadline".to_string()));
            }
        });
    }

    /// The connection proved the cookie.
    pub(crate) fn authenticated(&self, ses: &NodeServerSessionInformation) {
        self.set().insert(ses.actor.get_id());
    }

    /// The connection ended; whether it had authenticated.
    pub(crate) fn closed(&self, ses: &NodeServerSessionInformation) -> bool {
        self.set().remove(&ses.actor.get_id())
    }
}

/// What the node does when sessions come and go: drops connections that do not authenticate in
/// time, logs failed ones, and stops a driver's games when its session ends.
struct Watch {
    host: ActorRef<HostMsg>,
    deadline: AuthDeadline,
}

impl NodeEventSubscription for Watch {
    fn node_session_opened(&self, ses: NodeServerSessionInformation) {
        self.deadline.opened(&ses);
    }

    fn node_session_authenticated(&self, ses: NodeServerSessionInformation) {
        self.deadline.authenticated(&ses);
        let name = ses.peer_name.map(|n| n.name).unwrap_or_default();
        tracing::info!(peer = %ses.peer_addr, %name, "peer authenticated");
    }

    fn node_session_disconnected(&self, ses: NodeServerSessionInformation) {
        let was_authenticated = self.deadline.closed(&ses);
        match (was_authenticated, ses.peer_name) {
            (true, Some(name)) => {
                tracing::info!(peer = %ses.peer_addr, name = %name.name, "peer disconnected");
                let _ = self.host.cast(HostMsg::DriverLost { driver: name.name });
            }
            _ => tracing::warn!(
                peer = %ses.peer_addr,
                "connection closed before authenticating: a wrong cookie, or not a Colony driver"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check_name("node-7001").is_ok());
        assert!(check_name("a.b_c").is_ok());
        for bad in ["", "a b", "a@b", "a\nb", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_host_part_is_the_listen_address_unless_it_is_every_interface() {
        let addr: SocketAddr = "127.0.0.1:7001".parse().expect("addr");
        assert_eq!(hostname(addr), "127.0.0.1");
        let any: SocketAddr = "0.0.0.0:7001".parse().expect("addr");
        assert!(!hostname(any).is_empty());
    }
}
