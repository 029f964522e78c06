//! Argument types that several commands share.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use colony_cluster::{ClientTls, ServerTls};
use colony_life::Topology;

/// Topology as a command-line value (of commands that run dense boards only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TopologyArg {
    /// Edges wrap around (the tutorial's board).
    Torus,
    /// Cells past the edges are always dead.
    Bounded,
}

impl From<TopologyArg> for Topology {
    fn from(t: TopologyArg) -> Topology {
        match t {
            TopologyArg::Torus => Topology::Torus,
            TopologyArg::Bounded => Topology::Bounded,
        }
    }
}

/// `1.23e10`-style rates, readable at any magnitude.
pub fn format_rate(rate: f64) -> String {
    format!("{rate:.3e}")
}

/// Where a driver's games run: the nodes of `--cluster`, or this process without it. The same
/// flags on `colony trial`, `colony serve` and `colony resume`.
#[derive(Debug, Clone, Default, Args)]
pub struct ClusterArgs {
    /// Place the actor runs' games on these nodes (`colony node`), e.g. 10.0.0.2:7001,10.0.0.3:7001.
    #[arg(long, value_name = "HOST:PORT,...", value_delimiter = ',', requires = "cookie_file")]
    pub cluster: Vec<String>,
    /// With --cluster: the file holding the cluster's cookie.
    #[arg(long, value_name = "FILE", requires = "cluster")]
    pub cookie_file: Option<PathBuf>,
    /// With --cluster: seconds a node may leave the heartbeat unanswered before it is lost and
    /// its games restart on the others (nodes give this driver as long); 1 to 600.
    #[arg(long, value_name = "SECONDS", default_value_t = 3.0, requires = "cluster")]
    pub heartbeat_timeout: f64,
    /// With --cluster: also take nodes that join while it runs (`colony node --join HOST:PORT`),
    /// listening for them here (plaintext; 0.0.0.0 only if every interface is meant).
    #[arg(long, value_name = "HOST:PORT", requires = "cluster")]
    pub cluster_listen: Option<String>,
    #[command(flatten, next_help_heading = "TLS, with --cluster")]
    pub tls: TlsArgs,
}

impl ClusterArgs {
    /// Whether the games go to nodes.
    pub fn given(&self) -> bool {
        !self.cluster.is_empty()
    }

    /// Refuses TLS flags without nodes to secure the sessions with.
    pub fn check(&self) -> Result<()> {
        if self.tls.given() && self.cluster.is_empty() {
            bail!("--tls-cert, --tls-key and --tls-ca secure the sessions with nodes: add --cluster");
        }
        if self.tls.given() && self.cluster_listen.is_some() {
            bail!("--cluster-listen takes plaintext nodes only for now: without TLS, or every node in --cluster");
        }
        Ok(())
    }
}

/// TLS between a driver and its nodes: the same flags on `colony node`, `colony trial --cluster`
/// and `colony nodes`.
#[derive(Debug, Clone, Default, Args)]
pub struct TlsArgs {
    /// PEM certificate chain, leaf first: a node's (it must name the host drivers dial, e.g.
    /// IP:127.0.0.1), or a driver's for nodes started with --tls-ca. Needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert (readable by its owner only).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// PEM CA certificates. On a node: drivers must present a certificate they signed (mutual
    /// TLS). On a driver: required with TLS, the nodes' certificates must be signed by them.
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Option<PathBuf>,
}

impl TlsArgs {
    /// Whether any TLS flag was given.
    pub fn given(&self) -> bool {
        self.tls_cert.is_some() || self.tls_key.is_some() || self.tls_ca.is_some()
    }

    /// A node's TLS: none without flags, else its certificate and key, and a CA for mutual TLS.
    pub fn node(&self) -> Result<Option<ServerTls>> {
        match (&self.tls_cert, &self.tls_key, &self.tls_ca) {
            (None, None, None) => Ok(None),
            (Some(cert), Some(key), ca) => Ok(Some(ServerTls::load(cert, key, ca.as_deref())?)),
            _ => bail!("--tls-ca on a node needs --tls-cert and --tls-key: a node presents a certificate"),
        }
    }

    /// A driver's TLS: none without flags, else the CA its nodes' certificates must be signed
    /// by, and its own certificate and key for nodes that require one.
    pub fn driver(&self) -> Result<Option<ClientTls>> {
        let identity = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some((cert.as_path(), key.as_path())),
            _ => None,
        };
        match (&self.tls_ca, identity) {
            (None, None) => Ok(None),
            (Some(ca), identity) => Ok(Some(ClientTls::load(ca, identity)?)),
            (None, Some(_)) => bail!(
                "--tls-cert and --tls-key on a driver need --tls-ca: the CA that signed the nodes' certificates, \
                 which the driver verifies"
            ),
        }
    }

    /// How sessions are protected, for the line a command prints.
    pub fn describe_node(&self) -> &'static str {
        match (&self.tls_cert, &self.tls_ca) {
            (None, _) => "plaintext",
            (Some(_), None) => "TLS",
            (Some(_), Some(_)) => "mutual TLS",
        }
    }
}
