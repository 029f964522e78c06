//! Errors of nodes and drivers.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

/// What can go wrong starting a node, or meeting one.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// The cookie file could not be read.
    #[error("cookie file {}: {source}", path.display())]
    CookieUnreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The cookie file can be read (or written) by others than its owner.
    #[error(
        "cookie file {} is accessible by group or others (mode {mode:04o}); \
         allow its owner only: chmod 600 {}",
        path.display(),
        path.display()
    )]
    CookieExposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The cookie file holds no cookie (or one Colony will not use).
    #[error("cookie file {}: {reason}", path.display())]
    CookieInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with its content.
        reason: String,
    },
    /// An address is not `HOST:PORT`, or names no host.
    #[error("address {}: {reason}", quoted(addr))]
    Address {
        /// The address as given.
        addr: String,
        /// Why it is no address.
        reason: String,
    },
    /// A node, or a driver taking joins, could not start (listen, spawn its actors).
    #[error("cannot start on {addr}: {reason}")]
    Start {
        /// Where it was to listen.
        addr: SocketAddr,
        /// Why.
        reason: String,
    },
    /// No TCP connection to the node.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The node's address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The peer closed the session before it was ready.
    #[error("{addr} closed the connection {stage}: {hint}")]
    Closed {
        /// The node's address.
        addr: SocketAddr,
        /// When: during authentication, or after it.
        stage: &'static str,
        /// What it likely means.
        hint: &'static str,
    },
    /// The peer did not become ready in time.
    #[error("{addr}: {stage} within {after:?}: {hint}")]
    Timeout {
        /// The node's address.
        addr: SocketAddr,
        /// What did not happen.
        stage: &'static str,
        /// How long it was given.
        after: Duration,
        /// What it likely means.
        hint: &'static str,
    },
    /// The peer speaks another version of Colony's protocol.
    #[error(
        "{addr}: protocol version mismatch: the node speaks version {node}, this driver version {driver} \
         (run the same colony release on every machine)"
    )]
    Version {
        /// The node's address.
        addr: SocketAddr,
        /// The node's version.
        node: u32,
        /// Ours.
        driver: u32,
    },
    /// A node declined a request, or answered with something undecodable.
    #[error("node {node}: {reason}")]
    Refused {
        /// The node's name or address.
        node: String,
        /// Why.
        reason: String,
    },
    /// Two addresses lead to nodes of the same name (ractor_cluster would merge their sessions).
    #[error("{first} and {second} are both called {name:?}: give each node its own --name")]
    DuplicateName {
        /// The name.
        name: String,
        /// One address.
        first: SocketAddr,
        /// The other.
        second: SocketAddr,
    },
    /// No node to place games on.
    #[error("no cluster nodes given")]
    NoNodes,
    /// Certificates or keys could not be read or used.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// The TLS handshake with a node failed.
    #[error("{addr}: TLS handshake failed: {reason} ({hint})")]
    Handshake {
        /// The node's address.
        addr: SocketAddr,
        /// What rustls said.
        reason: String,
        /// What it likely means.
        hint: &'static str,
    },
    /// The actor runtime failed.
    #[error("runtime: {0}")]
    Runtime(String),
}

/// `text` quoted for an error message, at most its first 64 characters: it may be anything a
/// user typed.
pub(crate) fn quoted(text: &str) -> String {
    const SHOWN: usize = 64;
    let shown: String = text.chars().take(SHOWN).collect();
    let more = if text.chars().count() > SHOWN { "..." } else { "" };
    format!("{shown:?}{more}")
}
