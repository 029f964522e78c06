//! `Cluster`: a driver's sessions with its nodes — connected, authenticated, synced and greeted
//! within a deadline, or a clear error.

use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use ractor::rpc::CallResult;
use ractor::{Actor, ActorCell, ActorRef};
use ractor_cluster::node::{NodeConnectionMode, NodeServerSessionInformation};
use ractor_cluster::{ClientConnectErr, NodeEventSubscription, NodeServer, NodeServerMessage, NodeSessionMessage};
use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::heartbeat::{Heartbeat, Liveness, Verdict};
use crate::node::AuthDeadline;
use crate::protocol::{HostMsg, NodeReport, Welcome, HOSTS, PROTOCOL_VERSION, SCOPE};
use crate::tls::ClientTls;
use crate::{ClusterError, Cookie, DEFAULT_MAX_FRAME_BYTES};

/// How long a node has, from the first byte to its host's welcome, unless configured otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How a driver meets its nodes.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Deadline for each node to connect, authenticate, sync and answer the greeting.
    pub timeout: Duration,
    /// Largest inbound frame, in bytes (a step reply carries a board).
    pub max_frame_bytes: u64,
    /// How often the driver beats, and how long a silent node has before it is lost (the
    /// nodes judge the driver by the same terms).
    pub heartbeat: Heartbeat,
    /// TLS to every node [default: none, sessions are plaintext].
    pub tls: Option<ClientTls>,
    /// Where nodes may join the running driver (`colony node --join`) [default: none; the
    /// driver's server then listens on an ephemeral loopback port that nodes never dial].
    pub listen: Option<SocketAddr>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            timeout: DEFAULT_CONNECT_TIMEOUT,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            heartbeat: Heartbeat::default(),
            tls: None,
            listen: None,
        }
    }
}

/// One node, as a driver knows it.
pub struct NodeLink {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The session's peer address as ractor_cluster reports it (a joined node's is the port it
    /// dialled from): what session events are matched by.
    peer: String,
    /// Whether it joined the running driver (`colony node --join`) rather than being dialled.
    pub joined: bool,
    /// Its name.
    pub name: String,
    /// Its compute workers.
    pub workers: usize,
    /// Games it hosted (for every driver) when it was greeted.
    pub games_at_hello: u64,
    /// What placement counts there: the games at hello, plus this driver's placed and not ended.
    load: AtomicU64,
    /// ractor_cluster's id of the session (remote actors' ids carry it).
    session: u64,
    /// The session's actor here (stopping it closes the connection and every stand-in).
    session_actor: ActorRef<NodeSessionMessage>,
    host: ActorRef<HostMsg>,
    /// Why the node was declared lost, once it was (never cleared: no session comes back).
    lost: OnceLock<String>,
    /// The node said it is leaving: it takes no new games, and its games move away.
    draining: AtomicBool,
    liveness: Mutex<Liveness>,
}

impl NodeLink {
    /// Whether its session still stands and it answers its heartbeat. The host's stand-in stops
    /// with the session, which may be before the news of the session's end has gone round.
    pub fn is_alive(&self) -> bool {
        self.lost.get().is_none() && self.host.get_status() < ractor::ActorStatus::Stopping
    }

    /// Why the node was declared lost (it stopped answering, or its session ended), if it was.
    pub fn lost(&self) -> Option<&str> {
        self.lost.get().map(String::as_str)
    }

    /// Whether the node is leaving (it said so in a heartbeat or a refusal): no new games go
    /// there, and the trials move theirs away.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// Notes that the node is leaving (logged once).
    pub(crate) fn mark_draining(&self) {
        if !self.draining.swap(true, Ordering::AcqRel) {
            tracing::warn!(node = %self.name, addr = %self.addr, "node draining: its games move to the other nodes");
        }
    }

    /// Declares the node lost for `reason` (the first reason stands): its games' replies are
    /// refused from now on, and its session is closed, so every call in flight to it fails at
    /// once and the node, if it comes back, finds the session gone and stops its games.
    pub(crate) fn declare_lost(&self, reason: String) {
        if self.lost.set(reason.clone()).is_ok() {
            tracing::warn!(node = %self.name, addr = %self.addr, %reason, "node lost: its games restart on the others");
            self.session_actor.stop(Some("node lost".to_string()));
        }
    }

    /// Games placement counts there (see [`NodeLink::games_at_hello`]).
    pub fn load(&self) -> u64 {
        self.load.load(Ordering::Acquire)
    }

    /// One more game placed there.
    pub(crate) fn placed(&self) {
        self.load.fetch_add(1, Ordering::AcqRel);
    }

    /// One game fewer there (it ended, or was never started).
    pub(crate) fn unplaced(&self) {
        let _ = self
            .load
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| Some(n.saturating_sub(1)));
    }

    /// The node's host actor (its stand-in here).
    pub(crate) fn host(&self) -> &ActorRef<HostMsg> {
        &self.host
    }

    /// The members of `group` that live on this node.
    pub(crate) fn members(&self, group: &str) -> Vec<ActorCell> {
        members_on(self.session, group)
    }

    /// Asks the node's host for its report.
    pub async fn report(&self, timeout: Duration) -> Result<NodeReport, ClusterError> {
        let refused = |reason: String| ClusterError::Refused {
            node: self.name.clone(),
            reason,
        };
        match self.host.call(HostMsg::Report, Some(timeout)).await {
            Ok(CallResult::Success(Ok(report))) => Ok(report),
            Ok(CallResult::Success(Err(refused_by))) => Err(refused(refused_by.reason)),
            Ok(CallResult::Timeout) => Err(refused(format!("no report within {timeout:?}"))),
            Ok(CallResult::SenderError) | Err(_) => Err(refused("the session has ended".to_string())),
        }
    }
}

/// The members of `group` in Colony's scope whose ids say they live on session `session`
/// (a local actor's id says node 0 too, hence the check that it is remote).
fn members_on(session: u64, group: &str) -> Vec<ActorCell> {
    ractor::pg::get_scoped_members(&SCOPE.to_string(), &group.to_string())
        .into_iter()
        .filter(|cell| !cell.get_id().is_local() && cell.get_id().node() == session)
        .collect()
}

/// A session event, as the driver's subscription passes it on.
#[derive(Clone)]
enum Event {
    Authenticated(NodeServerSessionInformation),
    Ready(NodeServerSessionInformation),
    Disconnected(NodeServerSessionInformation),
}

impl Event {
    fn info(&self) -> &NodeServerSessionInformation {
        match self {
            Event::Authenticated(i) | Event::Ready(i) | Event::Disconnected(i) => i,
        }
    }
}

/// Passes session events on; a driver that takes joins also drops incoming connections that do
/// not authenticate in time, as a node does.
struct Relay {
    events: broadcast::Sender<Event>,
    deadline: Option<AuthDeadline>,
}

impl NodeEventSubscription for Relay {
    fn node_session_opened(&self, ses: NodeServerSessionInformation) {
        if let Some(deadline) = self.deadline.as_ref().filter(|_| ses.is_server) {
            deadline.opened(&ses);
        }
    }

    fn node_session_authenticated(&self, ses: NodeServerSessionInformation) {
        if let Some(deadline) = &self.deadline {
            deadline.authenticated(&ses);
        }
        let _ = self.events.send(Event::Authenticated(ses));
    }

    fn node_session_ready(&self, ses: NodeServerSessionInformation) {
        let _ = self.events.send(Event::Ready(ses));
    }

    fn node_session_disconnected(&self, ses: NodeServerSessionInformation) {
        if let Some(deadline) = &self.deadline {
            deadline.closed(&ses);
        }
        let _ = self.events.send(Event::Disconnected(ses));
    }
}

/// A driver's nodes. Dropping it ends every session (the nodes then stop this driver's games).
pub struct Cluster {
    server: ActorRef<NodeServerMessage>,
    driver: String,
    /// Every node met, in the order given, then those that joined; lost ones stay (and say so).
    nodes: Nodes,
    /// Set when the driver ends its sessions itself: they are not lost then.
    closing: Arc<AtomicBool>,
    /// Where nodes may join, if they may.
    listen: Option<SocketAddr>,
}

/// The driver's nodes, shared with the tasks that beat them, watch their sessions and take
/// joining ones.
type Nodes = Arc<RwLock<Vec<Arc<NodeLink>>>>;

fn read(nodes: &Nodes) -> Vec<Arc<NodeLink>> {
    nodes.read().unwrap_or_else(|p| p.into_inner()).clone()
}

impl Cluster {
    /// Connects to every node at `addrs` (`HOST:PORT`), proving `cookie`, and greets each node's
    /// host: each must be ready within `options.timeout`, or the error says what went wrong (a
    /// refused connection, a wrong cookie, a peer that is not a Colony node, another protocol
    /// version). Must run inside a Tokio runtime.
    pub async fn connect(addrs: &[String], cookie: &Cookie, options: ConnectOptions) -> Result<Cluster, ClusterError> {
        if addrs.is_empty() {
            return Err(ClusterError::NoNodes);
        }
        let mut resolved: Vec<(&str, SocketAddr)> = Vec::new();
        for addr in addrs {
            let found = resolve(addr).await?;
            if !resolved.iter().any(|(_, a)| *a == found) {
                resolved.push((addr, found));
            }
        }
        let (cluster, events) = Cluster::start(cookie, &options).await?;
        let meetings = resolved
            .iter()
            .map(|&(text, addr)| cluster.meet(text, addr, &events, &options));
        // On any error `cluster` drops, which ends the sessions that did open.
        let links = futures_util::future::try_join_all(meetings).await?;
        for (i, a) in links.iter().enumerate() {
            if let Some(b) = links[..i].iter().find(|b| b.name == a.name) {
                return Err(ClusterError::DuplicateName {
                    name: a.name.clone(),
                    first: b.addr,
                    second: a.addr,
                });
            }
        }
        *cluster.nodes.write().unwrap_or_else(|p| p.into_inner()) = links.into_iter().map(Arc::new).collect();
        watch_sessions(&cluster.nodes, events.subscribe(), cluster.closing.clone());
        beat(&cluster, options.heartbeat);
        if cluster.listen.is_some() {
            accept_joins(&cluster, events, options);
        }
        Ok(cluster)
    }

    /// Meets each node at `addrs` on its own, for a view of the cluster where one node down must
    /// not hide the others (`colony nodes`): each address's node, or why it could not be met, in
    /// the order given. The cluster holds the nodes that were met.
    pub async fn survey(
        addrs: &[String],
        cookie: &Cookie,
        options: ConnectOptions,
    ) -> Result<(Cluster, Vec<Result<Arc<NodeLink>, ClusterError>>), ClusterError> {
        if addrs.is_empty() {
            return Err(ClusterError::NoNodes);
        }
        let (cluster, events) = Cluster::start(cookie, &options).await?;
        let meetings = addrs.iter().map(|text| {
            let (cluster, events, options) = (&cluster, &events, &options);
            async move {
                let addr = resolve(text).await?;
                cluster.meet(text, addr, events, options).await
            }
        });
        let met: Vec<Result<Arc<NodeLink>, ClusterError>> = futures_util::future::join_all(meetings)
            .await
            .into_iter()
            .map(|r| r.map(Arc::new))
            .collect();
        *cluster.nodes.write().unwrap_or_else(|p| p.into_inner()) =
            met.iter().filter_map(|r| r.as_ref().ok().cloned()).collect();
        watch_sessions(&cluster.nodes, events.subscribe(), cluster.closing.clone());
        beat(&cluster, options.heartbeat);
        Ok((cluster, met))
    }

    /// The driver's own node server, with no node met yet.
    async fn start(
        cookie: &Cookie,
        options: &ConnectOptions,
    ) -> Result<(Cluster, broadcast::Sender<Event>), ClusterError> {
        let driver_name = format!(
            "driver-{:016x}",
            getrandom::u64().unwrap_or_else(|_| std::process::id().into())
        );
        // The driver's server must listen somewhere: where nodes may join, or else loopback and
        // an ephemeral port, since no node connects back (sessions are isolated, not
        // transitive). With TLS it completes no handshake, so nobody reaches the driver without
        // TLS (and joining needs plaintext for now).
        let encryption = match options.tls {
            Some(_) if options.listen.is_some() => {
                return Err(ClusterError::Runtime(
                    "nodes cannot join a driver over TLS yet: give every node in --cluster instead".to_string(),
                ))
            }
            Some(_) => Some(crate::tls::refusing()?),
            None => None,
        };
        let listen = options
            .listen
            .unwrap_or_else(|| SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)));
        if options.listen.is_some_and(|l| l.port() == 0) {
            return Err(ClusterError::Start {
                addr: listen,
                reason: "nodes join a fixed port: give one".to_string(),
            });
        }
        if options.listen.is_some() {
            check_bindable(listen)?;
        }
        let server = NodeServer::new(
            listen.port(),
            cookie.secret().to_string(),
            driver_name.clone(),
            "localhost".to_string(),
            encryption,
            Some(NodeConnectionMode::Isolated),
        )
        .with_listen_addr(listen.ip())
        .with_max_inbound_frame_size(options.max_frame_bytes);
        let (server, _) = Actor::spawn(None, server, ())
            .await
            .map_err(|e| ClusterError::Runtime(format!("cannot start the driver's node server: {e}")))?;

        let (events, _) = broadcast::channel(1024);
        if server
            .cast(NodeServerMessage::SubscribeToEvents {
                id: "colony-driver".to_string(),
                subscription: Box::new(Relay {
                    events: events.clone(),
                    deadline: options.listen.map(|_| AuthDeadline::default()),
                }),
            })
            .is_err()
        {
            server.stop(None);
            return Err(ClusterError::Runtime(
                "the driver's node server stopped at once".to_string(),
            ));
        }
        let cluster = Cluster {
            server,
            driver: format!("{driver_name}@localhost"),
            nodes: Arc::new(RwLock::new(Vec::new())),
            closing: Arc::new(AtomicBool::new(false)),
            listen: options.listen.map(|_| listen),
        };
        Ok((cluster, events))
    }

    /// The nodes as they are now: those given, in their order, then those that joined (lost
    /// ones included, saying so).
    pub fn nodes(&self) -> Vec<Arc<NodeLink>> {
        read(&self.nodes)
    }

    /// Where nodes may join this driver (`colony node --join`), if they may.
    pub fn listen(&self) -> Option<SocketAddr> {
        self.listen
    }

    /// This driver's name in the cluster (`driver-…@localhost`).
    pub fn driver(&self) -> &str {
        &self.driver
    }

    /// Connects to one node and waits for its session to be ready and its host to welcome us.
    async fn meet(
        &self,
        text: &str,
        addr: SocketAddr,
        events: &broadcast::Sender<Event>,
        options: &ConnectOptions,
    ) -> Result<NodeLink, ClusterError> {
        let timeout = options.timeout;
        let deadline = Instant::now() + timeout;
        let timed_out = |stage, hint| ClusterError::Timeout {
            addr,
            stage,
            after: timeout,
            hint,
        };
        // Subscribed before connecting, so no event of this session is missed.
        let mut events = events.subscribe();
        let connected = match &options.tls {
            Some(tls) => {
                let name = crate::tls::server_name(text, addr).map_err(|reason| ClusterError::Address {
                    addr: text.to_string(),
                    reason,
                })?;
                let connect = ractor_cluster::client_connect_enc(&self.server, addr, tls.connector(), name);
                tokio::time::timeout_at(deadline, connect).await
            }
            None => tokio::time::timeout_at(deadline, ractor_cluster::client_connect(&self.server, addr)).await,
        };
        match connected {
            Err(_) if options.tls.is_some() => {
                return Err(timed_out(
                    "no TLS session",
                    "is the address right, the node up, and does it speak TLS?",
                ))
            }
            Err(_) => return Err(timed_out("no TCP connection", "is the address right and the node up?")),
            Ok(Err(ClientConnectErr::Socket(source))) => return Err(ClusterError::Connect { addr, source }),
            Ok(Err(ClientConnectErr::Encryption(err))) => return Err(crate::tls::handshake_failed(addr, err)),
            Ok(Err(other)) => return Err(ClusterError::Runtime(format!("connecting to {addr}: {other}"))),
            Ok(Ok(())) => {}
        }
        let peer = addr.to_string();
        let mut authenticated = false;
        let session = loop {
            let event = match tokio::time::timeout_at(deadline, events.recv()).await {
                Err(_) if authenticated => {
                    return Err(timed_out(
                        "the session did not become ready",
                        "the node is overloaded, or not a Colony node",
                    ))
                }
                Err(_) => {
                    return Err(timed_out(
                        "no cluster handshake",
                        "not a Colony node (nothing answered ractor_cluster's handshake), or a wrong cookie",
                    ))
                }
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
                Ok(Err(broadcast::error::RecvError::Closed)) => {
                    return Err(ClusterError::Runtime("the driver's node server stopped".to_string()))
                }
                Ok(Ok(event)) => event,
            };
            if event.info().peer_addr != peer {
                continue;
            }
            match event {
                Event::Authenticated(_) => authenticated = true,
                Event::Ready(info) => break info,
                Event::Disconnected(_) if authenticated => {
                    return Err(ClusterError::Closed {
                        addr,
                        stage: "after authenticating",
                        hint: "the node dropped the session (its log says why)",
                    })
                }
                Event::Disconnected(_) => {
                    return Err(ClusterError::Closed {
                        addr,
                        stage: "during authentication",
                        hint: match options.tls {
                            // Under TLS 1.3 a node refuses a client's certificate after the
                            // client has finished its handshake: the refusal arrives here.
                            Some(_) => {
                                "a wrong cookie, or the node refused this driver's certificate \
                                        (mutual TLS: --tls-cert signed by the node's --tls-ca)"
                            }
                            None => {
                                "a wrong cookie, a node that requires TLS (--tls-ca, --tls-cert, --tls-key), \
                                     or not a Colony node"
                            }
                        },
                    });
                }
            }
        };
        greet(&self.driver, session, addr, deadline, options, false).await
    }
}

/// Finds the host of a node whose session is ready and greets it: the node as the driver knows
/// it, or why not (its session is closed then).
async fn greet(
    driver: &str,
    session: NodeServerSessionInformation,
    addr: SocketAddr,
    deadline: Instant,
    options: &ConnectOptions,
    joined: bool,
) -> Result<NodeLink, ClusterError> {
    let timed_out = |stage, hint| ClusterError::Timeout {
        addr,
        stage,
        after: options.timeout,
        hint,
    };
    // Every group the node had was announced before its side of the session said ready; a
    // short wait covers news still being handled here.
    let host = loop {
        if let Some(cell) = members_on(session.node_id, HOSTS).into_iter().next() {
            break ActorRef::<HostMsg>::from(cell);
        }
        if Instant::now() >= deadline {
            session.actor.stop(Some("no Colony host".to_string()));
            return Err(timed_out(
                "no Colony host actor",
                "a ractor_cluster node, but not a Colony node",
            ));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let welcome = match hello(driver, addr, &host, deadline, options).await {
        Ok(welcome) => welcome,
        Err(err) => {
            session.actor.stop(Some("greeting failed".to_string()));
            return Err(err);
        }
    };
    // A joined node is known by where it listens (it dialled from another port).
    let listens = if joined {
        welcome.listen.parse().unwrap_or(addr)
    } else {
        addr
    };
    Ok(NodeLink {
        addr: listens,
        peer: session.peer_addr.clone(),
        joined,
        name: welcome.name,
        workers: (welcome.workers as usize).max(1),
        games_at_hello: welcome.games,
        load: AtomicU64::new(welcome.games),
        session: session.node_id,
        session_actor: session.actor,
        host,
        lost: OnceLock::new(),
        draining: AtomicBool::new(false),
        liveness: Mutex::new(Liveness::new(Instant::now(), options.heartbeat.timeout())),
    })
}

/// Greets a node's host: its welcome, or why it would not have us (a host of another protocol
/// version refuses, naming both versions).
async fn hello(
    driver: &str,
    addr: SocketAddr,
    host: &ActorRef<HostMsg>,
    deadline: Instant,
    options: &ConnectOptions,
) -> Result<Welcome, ClusterError> {
    let timeout = options.timeout;
    let left = deadline.saturating_duration_since(Instant::now());
    let answer = host
        .call(
            |reply| HostMsg::Hello {
                version: PROTOCOL_VERSION,
                driver: driver.to_string(),
                heartbeat: options.heartbeat,
                reply,
            },
            Some(left),
        )
        .await;
    match answer {
        Ok(CallResult::Success(Ok(welcome))) if welcome.version == PROTOCOL_VERSION => Ok(welcome),
        Ok(CallResult::Success(Ok(welcome))) => Err(ClusterError::Version {
            addr,
            node: welcome.version,
            driver: PROTOCOL_VERSION,
        }),
        Ok(CallResult::Success(Err(refused))) => Err(ClusterError::Refused {
            node: addr.to_string(),
            reason: refused.reason,
        }),
        Ok(CallResult::Timeout) => Err(ClusterError::Timeout {
            addr,
            stage: "no greeting from the node's host",
            after: timeout,
            hint: "the node is overloaded, or not a Colony node",
        }),
        Ok(CallResult::SenderError) | Err(_) => Err(ClusterError::Closed {
            addr,
            stage: "before greeting",
            hint: "the node's host actor is gone",
        }),
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.closing.store(true, Ordering::Relaxed);
        self.server.stop(None);
    }
}

/// Marks nodes lost when their sessions end, while the driver's server runs.
fn watch_sessions(nodes: &Nodes, mut events: broadcast::Receiver<Event>, closing: Arc<AtomicBool>) {
    let nodes = nodes.clone();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(Event::Disconnected(_)) if closing.load(Ordering::Relaxed) => break,
                Ok(Event::Disconnected(info)) => {
                    for node in read(&nodes).iter().filter(|n| n.peer == info.peer_addr) {
                        node.declare_lost(
                            "node disconnected: its session ended (it died or closed the connection)".to_string(),
                        );
                    }
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// Takes the nodes that join (`colony node --join`) while the driver's server runs: each
/// session that a node opened and that became ready is greeted as a dialled node is, and the
/// node is placed on from then on. A node whose name a live node already has is turned away.
fn accept_joins(cluster: &Cluster, events: broadcast::Sender<Event>, options: ConnectOptions) {
    let (nodes, driver, closing) = (cluster.nodes.clone(), cluster.driver.clone(), cluster.closing.clone());
    let mut incoming = events.subscribe();
    tokio::spawn(async move {
        loop {
            let info = match incoming.recv().await {
                Ok(Event::Ready(info)) if info.is_server => info,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            };
            if closing.load(Ordering::Relaxed) {
                break;
            }
            let (nodes, driver, options) = (nodes.clone(), driver.clone(), options.clone());
            tokio::spawn(async move {
                let peer = info.peer_addr.clone();
                let addr = peer
                    .parse()
                    .unwrap_or_else(|_| SocketAddr::from((std::net::Ipv4Addr::UNSPECIFIED, 0)));
                let deadline = Instant::now() + options.timeout;
                let session = info.actor.clone();
                let link = match greet(&driver, info, addr, deadline, &options, true).await {
                    Ok(link) => Arc::new(link),
                    Err(err) => {
                        tracing::warn!(%peer, %err, "a joining node was not taken");
                        return;
                    }
                };
                let mut all = nodes.write().unwrap_or_else(|p| p.into_inner());
                if let Some(twin) = all.iter().find(|n| n.name == link.name && n.is_alive()) {
                    tracing::warn!(node = %link.name, addr = %link.addr, first = %twin.addr, "a joining node was turned away: a live node has its name");
                    session.stop(Some("duplicate node name".to_string()));
                    return;
                }
                tracing::warn!(node = %link.name, addr = %link.addr, workers = link.workers, "node joined: it takes new and restarted games");
                all.push(link);
            });
        }
    });
}

/// Beats every node's host every `heartbeat.interval()`, and declares lost a node that has not
/// answered for `heartbeat.timeout()`, while the driver's server runs. Beats do not wait for one
/// another: a frozen node's unanswered beats pile up (a few per timeout) until it is lost.
fn beat(cluster: &Cluster, heartbeat: Heartbeat) {
    let nodes = cluster.nodes.clone();
    let server = cluster.server.get_cell();
    let driver = cluster.driver.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(heartbeat.interval());
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while server.get_status() < ractor::ActorStatus::Stopping {
            every.tick().await;
            let now = Instant::now();
            for node in read(&nodes).iter().filter(|n| n.is_alive()) {
                let verdict = node.liveness.lock().unwrap_or_else(|p| p.into_inner()).check(now);
                if let Verdict::Silent(after) = verdict {
                    node.declare_lost(format!(
                        "stopped answering: no heartbeat reply for {after:.1?} (timeout {:?})",
                        heartbeat.timeout()
                    ));
                    continue;
                }
                let (node, driver) = (node.clone(), driver.clone());
                tokio::spawn(async move {
                    let answer = node
                        .host
                        .call(|reply| HostMsg::Beat { driver, reply }, Some(heartbeat.timeout()))
                        .await;
                    // A refusal is an answer too: the node is there.
                    if let Ok(CallResult::Success(answer)) = answer {
                        node.liveness
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .heard(Instant::now());
                        if answer.is_ok_and(|pulse| pulse.draining) {
                            node.mark_draining();
                        }
                    }
                });
            }
        }
    });
}

/// Longest `HOST:PORT`: a host name has at most 253 characters (an IPv6 address in brackets
/// fewer), a port at most 5 digits.
pub const MAX_ADDRESS_LEN: usize = 253 + 6;

/// Checks that `addr` has the shape `HOST:PORT` (a port from 1 to 65535, a bounded length)
/// without resolving it, so a mistyped address is told apart from a node that is down.
pub fn check_address(addr: &str) -> Result<(), ClusterError> {
    let bad = |reason: String| ClusterError::Address {
        addr: addr.to_string(),
        reason,
    };
    if addr.len() > MAX_ADDRESS_LEN {
        return Err(bad(format!(
            "{} characters; HOST:PORT has at most {MAX_ADDRESS_LEN}",
            addr.len()
        )));
    }
    match addr.rsplit_once(':').map(|(host, port)| (host, port.parse::<u16>())) {
        Some((host, Ok(port))) if port > 0 && !host.is_empty() => Ok(()),
        _ => Err(bad("expected HOST:PORT (a port from 1 to 65535)".to_string())),
    }
}

/// Whether this process may listen on `addr` (the address is this machine's and the port is
/// free), tried with a socket of its own: ractor_cluster's server binds in its start-up, where a
/// failure becomes a panic message instead of the reason.
pub(crate) fn check_bindable(addr: SocketAddr) -> Result<(), ClusterError> {
    std::net::TcpListener::bind(addr)
        .map(drop)
        .map_err(|e| ClusterError::Start {
            addr,
            reason: e.to_string(),
        })
}

/// `HOST:PORT` to one socket address (the first the resolver gives).
pub(crate) async fn resolve(addr: &str) -> Result<SocketAddr, ClusterError> {
    let bad = |reason: String| ClusterError::Address {
        addr: addr.to_string(),
        reason,
    };
    check_address(addr)?;
    if let Ok(parsed) = addr.parse::<SocketAddr>() {
        return Ok(parsed);
    }
    let mut found = tokio::net::lookup_host(addr).await.map_err(|e| bad(e.to_string()))?;
    found
        .next()
        .ok_or_else(|| bad("the name resolves to no address".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn addresses_are_checked() {
        assert_eq!(
            resolve("127.0.0.1:7001").await.expect("addr"),
            "127.0.0.1:7001".parse::<SocketAddr>().expect("addr")
        );
        assert!(matches!(resolve("7001").await, Err(ClusterError::Address { .. })));
        assert!(matches!(
            resolve("127.0.0.1:notaport").await,
            Err(ClusterError::Address { .. })
        ));
        for bad in ["127.0.0.1:0", ":7001", "127.0.0.1:65536"] {
            assert!(check_address(bad).is_err(), "{bad}");
        }
        assert!(check_address("[::1]:7001").is_ok());
        // A huge address is refused before any lookup, and quoted only in part.
        let long = format!("{}:7001", "a".repeat(5000));
        let err = resolve(&long).await.expect_err("too long").to_string();
        assert!(err.contains("5005 characters"), "{err}");
        assert!(err.len() < 200, "{err}");
    }
}
