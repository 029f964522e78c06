//! `colony node`: host games for drivers elsewhere; and the cluster wiring of `colony trial
//! --cluster`. The policies live in `colony_cluster`; this is wiring.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use colony_actors::supervisor::SupervisorConfig;
use colony_actors::{Colony, TrialSupervisor};
use colony_cluster::{Cluster, ClusterPlacement, ConnectOptions, Cookie, Heartbeat, Node, NodeConfig, PlacementConfig};
use tokio::runtime::Runtime;

use crate::args::{ClusterArgs, TlsArgs};
use crate::input;

/// Arguments of `colony node`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  umask 077; head -c 32 /dev/urandom | base64 > cookie     a cookie only you can read
  colony node --listen 127.0.0.1:7001 --cookie-file cookie
  colony node --listen 127.0.0.1:7002 --cookie-file cookie --workers 1 --name second
  colony trial --cluster 127.0.0.1:7001,127.0.0.1:7002 --cookie-file cookie --games 8
  colony trial --cluster 127.0.0.1:7001 --cluster-listen 127.0.0.1:7000 --cookie-file cookie ...
  colony node --listen 127.0.0.1:7003 --cookie-file cookie --join 127.0.0.1:7000   joins it
  scripts/tls-test-ca.sh certs 127.0.0.1                   a test CA, node and driver certificates
  colony node --listen 127.0.0.1:7001 --cookie-file cookie \\
      --tls-cert certs/node.pem --tls-key certs/node.key --tls-ca certs/ca.pem

Ctrl-C or SIGTERM drains the node: it takes no new games, its drivers move their games to their
other nodes (from each game's latest state, nothing lost or recomputed), and it stops once none
is left or --drain-timeout has passed; a second Ctrl-C stops it at once.

Without --tls-cert sessions are plaintext (ractor_cluster's cookie challenge authenticates, it
does not encrypt): listen on loopback or a private network. With --tls-cert and --tls-key every
session is TLS; with --tls-ca too, drivers must present a certificate that CA signed.")]
pub struct NodeArgs {
    /// Address and port to listen on (0.0.0.0 or [::] only if every interface is meant).
    #[arg(long, value_name = "HOST:PORT")]
    listen: String,
    /// File holding the cluster's cookie (readable by its owner only, as ssh requires of keys).
    #[arg(long, value_name = "FILE")]
    cookie_file: PathBuf,
    /// Compute workers [default: one per core].
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// The node's name in the cluster [default: node-PORT]; unique among a driver's nodes.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Offer this node to a running driver that takes nodes at DRIVER:PORT (its
    /// --cluster-listen); plaintext only.
    #[arg(long, value_name = "DRIVER:PORT", conflicts_with = "tls_cert")]
    join: Option<String>,
    /// Seconds a stopping node waits for its drivers to move its games away (0: stop at once);
    /// at most 3600.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    drain_timeout: f64,
    #[command(flatten)]
    tls: TlsArgs,
}

/// Longest --drain-timeout: an hour (a node that cannot drain by then has nowhere to drain to).
const MAX_DRAIN_SECONDS: f64 = 3600.0;

/// Runs `colony node` until Ctrl-C or SIGTERM, then drains it.
pub fn run(args: NodeArgs) -> Result<()> {
    if !(0.0..=MAX_DRAIN_SECONDS).contains(&args.drain_timeout) {
        anyhow::bail!(
            "--drain-timeout must be between 0 and {MAX_DRAIN_SECONDS} seconds, got {}",
            colony_actors::trial::shown(args.drain_timeout)
        );
    }
    let drain_limit = Duration::from_secs_f64(args.drain_timeout);
    let cookie = Cookie::read(&args.cookie_file)?;
    let tls = args.tls.node()?;
    let listen = listen_addr("--listen", &args.listen)?;
    let (runtime, colony) = input::start_colony(args.workers)?;
    let config = NodeConfig {
        name: args.name.clone(),
        tls,
        ..NodeConfig::new(listen)
    };
    let node = runtime.block_on(Node::start(colony, config, &cookie))?;
    let node_name = node.name().to_string();
    say!(
        "node {} listening on {}, {} workers, {} (protocol version {}); Ctrl-C stops it",
        node.name(),
        node.listen(),
        node.workers(),
        args.tls.describe_node(),
        colony_cluster::PROTOCOL_VERSION
    )?;
    if let Some(driver) = &args.join {
        let addr = runtime
            .block_on(node.join(driver, colony_cluster::DEFAULT_CONNECT_TIMEOUT))
            .context("--join")?;
        say!("joined the driver at {addr}: it places games here too")?;
    }
    runtime.block_on(until_stopped())?;
    if !drain_limit.is_zero() {
        runtime.block_on(drain(&node, drain_limit))?;
    }
    node.stop();
    say!("node {} stopped", node_name)?;
    Ok(())
}

/// Drains `node` until its games have moved, `limit` passes, or a second signal comes.
async fn drain(node: &Node, limit: Duration) -> Result<()> {
    say!(
        "draining: no new games; the drivers move this node's games away (for up to {limit:?}; Ctrl-C again stops at once)"
    )?;
    tokio::select! {
        left = node.drain(limit) => match left? {
            0 => say!("drained: no games left")?,
            left => say!("drain timed out with {left} games left: their drivers lose them and restart them elsewhere")?,
        },
        stopped = until_stopped() => {
            stopped?;
            say!("stopped again: leaving without draining")?;
        }
    }
    Ok(())
}

/// `HOST:PORT` as the one address to listen on (a name must resolve to exactly one).
fn listen_addr(flag: &str, text: &str) -> Result<SocketAddr> {
    // Checked first, so a huge or shapeless value is refused, quoted in part, before any lookup.
    colony_cluster::check_address(text).context(flag.to_string())?;
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let found: Vec<SocketAddr> = text
        .to_socket_addrs()
        .with_context(|| format!("{flag} {text}: expected HOST:PORT"))?
        .collect();
    match found.as_slice() {
        [addr] => Ok(*addr),
        [] => anyhow::bail!("{flag} {text}: the name resolves to no address"),
        many => anyhow::bail!(
            "{flag} {text}: the name resolves to {} addresses; give one of them",
            many.len()
        ),
    }
}

async fn until_stopped() -> Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).context("cannot wait for SIGTERM")?;
        tokio::select! {
            signal = tokio::signal::ctrl_c() => signal.context("cannot wait for Ctrl-C")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
    Ok(())
}

/// Bounds of `--heartbeat-timeout`, in seconds: under a second a loaded machine's pauses would
/// pass for lost nodes; past ten minutes a frozen node holds its games longer than the call
/// timeout would.
const HEARTBEAT_TIMEOUT_SECONDS: (f64, f64) = (1.0, 600.0);

/// `--heartbeat-timeout`, checked.
pub fn heartbeat(seconds: f64) -> Result<Heartbeat> {
    let (min, max) = HEARTBEAT_TIMEOUT_SECONDS;
    if !(min..=max).contains(&seconds) {
        anyhow::bail!(
            "--heartbeat-timeout must be between {min} and {max} seconds, got {}",
            colony_actors::trial::shown(seconds)
        );
    }
    Ok(Heartbeat::with_timeout(Duration::from_secs_f64(seconds)))
}

/// The supervisor of a driver (`trial`, `serve`, `resume`): its games placed on the nodes of
/// `--cluster`, or in `colony` without it.
pub fn supervisor(
    runtime: &Runtime,
    colony: &Colony,
    cluster: &ClusterArgs,
    heartbeat: Heartbeat,
) -> Result<TrialSupervisor> {
    let listen = match &cluster.cluster_listen {
        Some(text) => Some(listen_addr("--cluster-listen", text)?),
        None => None,
    };
    match &cluster.cookie_file {
        Some(cookie) if cluster.given() => {
            cluster_supervisor(runtime, &cluster.cluster, cookie, heartbeat, &cluster.tls, listen)
        }
        _ => Ok(super::durable::supervisor(runtime, colony)),
    }
}

/// The supervisor of a driver whose games are placed on the nodes at `addrs`.
fn cluster_supervisor(
    runtime: &Runtime,
    addrs: &[String],
    cookie_file: &Path,
    heartbeat: Heartbeat,
    tls: &TlsArgs,
    listen: Option<SocketAddr>,
) -> Result<TrialSupervisor> {
    let cookie = Cookie::read(cookie_file)?;
    let options = ConnectOptions {
        heartbeat,
        tls: tls.driver()?,
        listen,
        ..ConnectOptions::default()
    };
    let over = if options.tls.is_some() { " over TLS" } else { "" };
    let cluster = runtime.block_on(Cluster::connect(addrs, &cookie, options))?;
    let nodes: Vec<String> = cluster
        .nodes()
        .iter()
        .map(|n| format!("{} at {} ({} workers)", n.name, n.addr, n.workers))
        .collect();
    let joins = match cluster.listen() {
        Some(addr) => format!("; nodes may join at {addr}"),
        None => String::new(),
    };
    say!(
        "cluster of {} nodes{over}: {}; a node silent for {:?} is lost{joins}",
        nodes.len(),
        nodes.join(", "),
        heartbeat.timeout()
    )?;
    let placement = ClusterPlacement::new(cluster, PlacementConfig::default());
    Ok(TrialSupervisor::new(
        Arc::new(placement),
        SupervisorConfig {
            runtime: Some(runtime.handle().clone()),
            ..SupervisorConfig::default()
        },
    ))
}
