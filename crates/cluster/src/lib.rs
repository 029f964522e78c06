//! Colony across machines, on `ractor_cluster`: the same game actors, placed on other nodes.
//!
//! - A [`Node`] is a process that hosts games: a ractor_cluster `NodeServer` listening on an
//!   explicit address, a [`Host`] actor in the [`HOSTS`](protocol::HOSTS) process group, and a
//!   [`colony_actors::Colony`] the games run on. ractor_cluster cannot spawn remotely, so drivers
//!   ask the host, which spawns, kills and reports games.
//! - A driver connects to its nodes with [`Cluster::connect`] (cookie challenge, session sync,
//!   then a greeting that checks the [`PROTOCOL_VERSION`]), each within a deadline, so a wrong
//!   cookie or a peer that is not a Colony node fails fast with a clear error.
//! - [`ClusterPlacement`] implements [`colony_actors::Placement`], so the trial supervisor runs
//!   trials on the cluster unchanged. Its handles are ordinary [`colony_actors::GameHandle`]s:
//!   calls go straight to the game's actor on its node (its stand-in here forwards them), and
//!   kill or drop asks the game's host. The games run the same code on the same specs, so
//!   results are bit-identical to a local run.
//! - The [`Cookie`] is read from a file that only its owner may read, as ssh reads keys.
//! - Node loss: the driver beats every node's host ([`Heartbeat`]); a node that stops answering
//!   (or whose session ends) is lost: its session is closed, its games' calls fail at once with
//!   [`colony_actors::ColonyError::Lost`] naming it, and the supervisor restarts them on the
//!   others. Every placement carries an epoch, so a node that comes back never has its stale
//!   replies used. A node stops the games of a driver that stops beating.
//!
//! - [`tls`]: a node's certificate and, with a CA, mutual TLS; a driver verifies its nodes
//!   against a CA ([`ServerTls`], [`ClientTls`]).
//!
//! Not yet: reconnection, nodes joining a running driver, draining.
//!
//! ```no_run
//! use colony_cluster::{Cluster, ClusterPlacement, ConnectOptions, Cookie, PlacementConfig};
//!
//! # async fn driver() -> Result<(), Box<dyn std::error::Error>> {
//! let cookie = Cookie::read("cookie".as_ref())?;
//! let nodes = ["127.0.0.1:7001".to_string(), "127.0.0.1:7002".to_string()];
//! let cluster = Cluster::connect(&nodes, &cookie, ConnectOptions::default()).await?;
//! let placement = ClusterPlacement::new(cluster, PlacementConfig::default());
//! // TrialSupervisor::new(Arc::new(placement), ...) runs trials on the nodes.
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod cluster;
mod cookie;
mod error;
mod heartbeat;
mod host;
mod node;
mod placement;
pub mod protocol;
pub mod tls;

pub use cluster::{check_address, Cluster, ConnectOptions, NodeLink, DEFAULT_CONNECT_TIMEOUT, MAX_ADDRESS_LEN};
pub use cookie::Cookie;
pub use error::ClusterError;
pub use heartbeat::{Heartbeat, DEFAULT_HEARTBEAT_TIMEOUT};
pub use host::{Host, HostState, MAX_HOSTED_GAMES};
pub use node::{Node, NodeConfig, AUTH_DEADLINE, DEFAULT_MAX_FRAME_BYTES};
pub use placement::{ClusterPlacement, PlacementConfig, SPAWN_TIMEOUT};
pub use protocol::PROTOCOL_VERSION;
pub use tls::{ClientTls, ServerTls, TlsError};
