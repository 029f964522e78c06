//! `colony nodes`: each node of a cluster — up or not and why, workers, games, memory, CPU —
//! asked the way a driver asks, over the same sessions (cookie, TLS).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use bytesize::ByteSize;
use clap::Args;
use colony_cluster::protocol::NodeReport;
use colony_cluster::{Cluster, ClusterError, ConnectOptions, Cookie, NodeLink};
use serde::Serialize;

use crate::args::TlsArgs;

/// How long each node has to send a report.
const REPORT_TIMEOUT: Duration = Duration::from_secs(5);

/// Time between the two reports whose CPU times give each node's load.
const CPU_SAMPLE: Duration = Duration::from_millis(500);

/// Arguments of `colony nodes`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  colony nodes --cluster 127.0.0.1:7001,127.0.0.1:7002 --cookie-file cookie
  colony nodes --cluster 127.0.0.1:7001 --cookie-file cookie --json
  colony nodes --cluster 127.0.0.1:7001 --cookie-file cookie \\
      --tls-ca certs/ca.pem --tls-cert certs/driver.pem --tls-key certs/driver.key

One line per node: name, address, state (up, draining, or unreachable and why), workers, games
hosted (for every driver), the node process's resident memory and its CPU use in cores over half
a second.
Exit status 0 when at least one node answered, 1 when none did, 2 for bad flags or files.")]
pub struct NodesArgs {
    /// The nodes to ask (`colony node`), e.g. 10.0.0.2:7001,10.0.0.3:7001.
    #[arg(long, value_name = "HOST:PORT,...", value_delimiter = ',', required = true)]
    cluster: Vec<String>,
    /// The file holding the cluster's cookie.
    #[arg(long, value_name = "FILE")]
    cookie_file: PathBuf,
    /// Print one JSON document ({"nodes": [...]}) instead of lines.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    tls: TlsArgs,
}

/// No node answered: `main` exits with status 1 (2 is for bad flags and files).
#[derive(Debug)]
pub struct NoneAnswered(pub usize);

impl std::fmt::Display for NoneAnswered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            1 => f.write_str("the node did not answer"),
            n => write!(f, "none of the {n} nodes answered"),
        }
    }
}

impl std::error::Error for NoneAnswered {}

/// One node as printed.
#[derive(Debug, Serialize)]
struct NodeLine {
    address: String,
    name: Option<String>,
    /// `up`, `draining` (leaving once its games have moved) or `unreachable`.
    state: &'static str,
    /// Why it is unreachable.
    reason: Option<String>,
    workers: Option<u32>,
    games: Option<u64>,
    memory_bytes: Option<u64>,
    /// CPU use of the node's process, in cores (2.0: two cores busy).
    cpu_cores: Option<f64>,
}

impl NodeLine {
    fn unreachable(address: &str, name: Option<String>, reason: String) -> NodeLine {
        NodeLine {
            address: address.to_string(),
            name,
            state: "unreachable",
            reason: Some(reason),
            workers: None,
            games: None,
            memory_bytes: None,
            cpu_cores: None,
        }
    }

    fn up(address: &str, first: &NodeReport, second: &NodeReport) -> NodeLine {
        let elapsed = second.uptime_micros.saturating_sub(first.uptime_micros);
        // A CPU time of 0 means the node cannot tell.
        let cpu_cores = (first.cpu_micros > 0 && elapsed > 0)
            .then(|| second.cpu_micros.saturating_sub(first.cpu_micros) as f64 / elapsed as f64);
        NodeLine {
            address: address.to_string(),
            name: Some(second.name.clone()),
            state: if second.draining { "draining" } else { "up" },
            reason: None,
            workers: Some(second.workers),
            games: Some(second.games),
            memory_bytes: (second.memory_bytes > 0).then_some(second.memory_bytes),
            cpu_cores,
        }
    }
}

/// Runs `colony nodes`.
pub fn run(args: NodesArgs) -> Result<()> {
    let cookie = Cookie::read(&args.cookie_file)?;
    let options = ConnectOptions {
        tls: args.tls.driver()?,
        ..ConnectOptions::default()
    };
    let mut addrs: Vec<String> = Vec::new();
    for addr in &args.cluster {
        // A malformed address is a mistake in the command, not a node that is down.
        colony_cluster::check_address(addr).context("--cluster")?;
        if !addrs.contains(addr) {
            addrs.push(addr.clone());
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let lines = runtime.block_on(survey(&addrs, &cookie, options))?;
    if args.json {
        #[derive(Serialize)]
        struct Document<'a> {
            nodes: &'a [NodeLine],
        }
        let json = serde_json::to_string_pretty(&Document { nodes: &lines })?;
        say!("{json}")?;
    } else {
        print_lines(&lines)?;
    }
    match lines.iter().any(|l| l.state != "unreachable") {
        true => Ok(()),
        false => Err(NoneAnswered(lines.len()).into()),
    }
}

async fn survey(addrs: &[String], cookie: &Cookie, options: ConnectOptions) -> Result<Vec<NodeLine>> {
    let (cluster, met) = Cluster::survey(addrs, cookie, options).await?;
    let reports = || futures_util::future::join_all(met.iter().map(report));
    let first = reports().await;
    tokio::time::sleep(CPU_SAMPLE).await;
    let second = reports().await;
    let lines = addrs
        .iter()
        .zip(&met)
        .zip(first.into_iter().zip(second))
        .map(|((addr, meeting), answers)| match (meeting, answers) {
            (Err(err), _) => NodeLine::unreachable(addr, None, err.to_string()),
            (Ok(_), (Some(Ok(first)), Some(Ok(second)))) => NodeLine::up(addr, &first, &second),
            (Ok(link), (Some(Err(err)), _) | (_, Some(Err(err)))) => {
                NodeLine::unreachable(addr, Some(link.name.clone()), err.to_string())
            }
            (Ok(link), _) => NodeLine::unreachable(addr, Some(link.name.clone()), "no report".to_string()),
        })
        .collect();
    drop(cluster);
    Ok(lines)
}

/// The node's report, if it was met.
async fn report(meeting: &Result<Arc<NodeLink>, ClusterError>) -> Option<Result<NodeReport, ClusterError>> {
    match meeting {
        Ok(link) => Some(link.report(REPORT_TIMEOUT).await),
        Err(_) => None,
    }
}

fn print_lines(lines: &[NodeLine]) -> Result<()> {
    let name = |l: &NodeLine| l.name.clone().unwrap_or_else(|| "-".to_string());
    let name_width = lines.iter().map(|l| name(l).len()).max().unwrap_or(1);
    let addr_width = lines.iter().map(|l| l.address.len()).max().unwrap_or(1);
    for line in lines {
        let state = match (&line.reason, line.workers, line.games) {
            (Some(reason), _, _) => format!("unreachable: {reason}"),
            (None, Some(workers), Some(games)) => {
                let memory = line
                    .memory_bytes
                    .map_or("memory ?".to_string(), |b| ByteSize::b(b).display().iec().to_string());
                let cpu = line.cpu_cores.map_or("cpu ?".to_string(), |c| format!("{c:.2} cores"));
                format!("{}  {workers} workers  {games} games  {memory}  {cpu}", line.state)
            }
            _ => line.state.to_string(),
        };
        say!("{:<name_width$}  {:<addr_width$}  {state}", name(line), line.address)?;
    }
    Ok(())
}
