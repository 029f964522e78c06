//! `colony serve`: the live dashboard in the browser; and the server behind `colony trial --serve`.

use std::net::SocketAddr;

use anyhow::{Context, Result};
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
  colony trial --games 15 --steps 5000 --pause 0.05 --serve   run a trial and watch it live")]
pub struct ServeArgs {
    /// Address to listen on. Off loopback, every API call needs the token.
    #[arg(long, value_name = "ADDR", default_value = colony_web::DEFAULT_BIND)]
    bind: String,
    /// Token the API requires (generated and printed when bound off loopback and none is given).
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
    /// Compute workers [default: one per core].
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
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
    /// Listens on `bind` and serves `colony` and the trials of `supervisor`; prints the URL to open.
    pub fn start(colony: Colony, supervisor: TrialSupervisor, bind: &str, token: Option<String>) -> Result<Dashboard> {
        let addr: SocketAddr = bind
            .parse()
            .with_context(|| format!("--bind wants an address like 127.0.0.1:8265 or [::1]:8265, got {bind:?}"))?;
        let access = Access::for_bind(addr, token).map_err(|e| anyhow::anyhow!("--token: {}", e.message))?;
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
            trials: None,
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
    let (runtime, colony) = crate::input::start_colony(args.workers)?;
    let supervisor = super::durable::supervisor(&runtime, &colony);
    let dashboard = Dashboard::start(colony, supervisor, &args.bind, args.token)?;
    dashboard.serve_until_ctrl_c()
}
