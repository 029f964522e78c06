//! `colony serve`: the live dashboard in the browser; and the server behind `colony trial --serve`.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use colony_actors::{Colony, TrialSupervisor};
use colony_web::{Access, AppState, Config, Limits};

use crate::budget::Budget;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Arguments of `colony serve`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  colony serve                                 open http://127.0.0.1:8265/ and start a trial from the page
  colony serve --bind 127.0.0.1:0              any free port (printed)
  colony serve --bind 0.0.0.0:8265             reachable from other machines: API calls need the printed token
  colony serve --bind 0.0.0.0:8265 --token-file token.txt   your own token (chmod 600 token.txt)
  COLONY_TOKEN=$(cat secret) colony serve --bind 0.0.0.0:8265
  colony trial --games 15 --steps 5000 --pause 0.05 --serve   run a trial and watch it live

Environment:
  COLONY_TOKEN   the token, when neither --token nor --token-file is given

Limits: 256 connections at once (one more is answered 503), request heads within 10 s (an idle
keep-alive connection is closed after 10 s too), 60 s of silence ends an HTTP connection; 64
dashboards stream at once, each holding at most one board frame; one that takes no frame for
30 s is dropped.")]
pub struct ServeArgs {
    /// Address to listen on. Off loopback, every API call needs the token.
    #[arg(long, value_name = "ADDR", default_value = colony_web::DEFAULT_BIND)]
    bind: String,
    #[command(flatten)]
    token: TokenArgs,
    /// Compute workers [default: one per core].
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    #[command(flatten)]
    cluster: crate::args::ClusterArgs,
}

/// The environment variable a token may come from.
pub const TOKEN_VARIABLE: &str = "COLONY_TOKEN";

/// A token file larger than this is not a token file.
const MAX_TOKEN_FILE: u64 = 4096;

/// Where the dashboard's token comes from (shared by `colony serve` and `colony trial --serve`).
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Token the API requires, at least 16 characters [default: $COLONY_TOKEN; off loopback,
    /// else one is generated and printed]. Other users can read it in the process list: prefer
    /// --token-file or COLONY_TOKEN.
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    token: Option<String>,
    /// Read the token from FILE (surrounding whitespace trimmed). Like ssh with its keys, a file
    /// that group or others may read is refused: chmod 600 FILE.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
}

impl TokenArgs {
    /// Whether a token was given by a flag.
    pub fn given(&self) -> bool {
        self.token.is_some() || self.token_file.is_some()
    }

    /// The token and where it came from (for error messages): a flag, the file, the variable.
    fn resolve(&self) -> Result<Option<(String, String)>> {
        if let Some(token) = &self.token {
            return Ok(Some((token.clone(), "--token".to_string())));
        }
        if let Some(path) = &self.token_file {
            let source = format!("--token-file {}", path.display());
            let token = read_token_file(path).with_context(|| source.clone())?;
            return Ok(Some((token, source)));
        }
        match std::env::var(TOKEN_VARIABLE) {
            Ok(token) if token.is_empty() => Ok(None),
            Ok(token) => Ok(Some((token, TOKEN_VARIABLE.to_string()))),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => bail!("{TOKEN_VARIABLE}: the token must be printable ASCII"),
        }
    }

    /// The access policy for a dashboard on `bind`, checked before anything starts.
    pub fn access(&self, bind: &str) -> Result<(SocketAddr, Access)> {
        let addr: SocketAddr = bind
            .parse()
            .with_context(|| format!("--bind wants an address like 127.0.0.1:8265 or [::1]:8265, got {bind:?}"))?;
        let access = match self.resolve()? {
            Some((token, source)) => {
                Access::for_bind(addr, Some(token)).map_err(|e| anyhow::anyhow!("{source}: {}", e.message))?
            }
            None => Access::for_bind(addr, None).map_err(|e| anyhow::anyhow!("{}", e.message))?,
        };
        Ok((addr, access))
    }
}

/// A token file's content, trimmed; refused when others may read it, when it is not a regular
/// file (a FIFO or /dev/zero would never end) or is too large to be a token.
fn read_token_file(path: &Path) -> Result<String> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        bail!("not a regular file");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            bail!(
                "group or others may read it (mode {mode:04o}); keep it private: chmod 600 {}",
                path.display()
            );
        }
    }
    if meta.len() > MAX_TOKEN_FILE {
        bail!("{} bytes is no token (the limit is {MAX_TOKEN_FILE})", meta.len());
    }
    let mut text = String::new();
    file.take(MAX_TOKEN_FILE)
        .read_to_string(&mut text)
        .context("the token must be printable ASCII")?;
    let token = text.trim();
    if token.is_empty() {
        bail!("the file is empty");
    }
    Ok(token.to_string())
}

/// A running dashboard: its own runtime thread (`colony-web`) serves the page, the API and the
/// streams, so it stays responsive while the actors keep the colony's runtime busy. It is a
/// client of the process's trial supervisor: it shows the newest trial, whoever started it.
pub struct Dashboard {
    web: tokio::runtime::Runtime,
    state: AppState,
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
}

impl Dashboard {
    /// Listens on `addr` and serves `colony` and the trials of `supervisor` to whom `access`
    /// lets in ([`TokenArgs::access`]); prints the URL to open.
    pub fn start(colony: Colony, supervisor: TrialSupervisor, addr: SocketAddr, access: Access) -> Result<Dashboard> {
        let web = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("colony-web")
            .enable_all()
            .build()
            .context("cannot start the dashboard's runtime")?;
        let listener = web.block_on(tokio::net::TcpListener::bind(addr)).with_context(|| {
            format!("cannot listen on {addr} (is another dashboard running? --bind 127.0.0.1:0 picks a free port)")
        })?;
        let addr = listener.local_addr().context("cannot read the bound address")?;
        let config = Config {
            access,
            limits: Limits::default(),
            ..Config::default()
        };
        let state = web.block_on(async { AppState::with_supervisor(colony, supervisor, config) });
        let (stop, stopped) = oneshot::channel::<()>();
        let server = web.spawn(colony_web::serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        say!("Colony dashboard: {}", colony_web::url(addr, state.access()))?;
        if !addr.ip().is_loopback() {
            say!("  listening on {addr}: API calls need the token (Authorization: Bearer TOKEN or ?token=TOKEN)")?;
        }
        tracing::info!(%addr, "dashboard listening");
        Ok(Dashboard {
            web,
            state,
            addr,
            stop,
            server,
        })
    }

    /// Keeps serving until Ctrl-C, then shuts the server down. Call it outside any runtime.
    pub fn serve_until_ctrl_c(self) -> Result<()> {
        let Dashboard {
            web,
            state,
            addr,
            stop,
            mut server,
        } = self;
        say!("Serving {} until Ctrl-C.", colony_web::url(addr, state.access()))?;
        web.block_on(async {
            tokio::select! {
                signal = tokio::signal::ctrl_c() => signal.context("cannot wait for Ctrl-C")?,
                result = &mut server => return result.context("the dashboard server stopped")?.context("the dashboard server failed"),
            }
            let _ = stop.send(());
            // Open WebSockets do not hold the exit up for long.
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), &mut server).await;
            Ok(())
        })?;
        drop(state);
        web.shutdown_timeout(std::time::Duration::from_secs(1));
        say!("dashboard stopped")?;
        Ok(())
    }
}

/// Runs `colony serve`.
pub fn run(args: ServeArgs, _budget: &Budget) -> Result<()> {
    args.cluster.check()?;
    let heartbeat = super::node::heartbeat(args.cluster.heartbeat_timeout)?;
    let (addr, access) = args.token.access(&args.bind)?;
    let (runtime, colony) = crate::input::start_colony(args.workers)?;
    let supervisor = super::node::supervisor(&runtime, &colony, &args.cluster, heartbeat)?;
    super::durable::print_failures(&runtime, supervisor.placement().updates());
    let dashboard = Dashboard::start(colony, supervisor, addr, access)?;
    dashboard.serve_until_ctrl_c()
}
