//! Colony's live dashboard: an axum server that shows every game of a trial as it evolves, the
//! actors that own them and the machine's load, and lets you start, pause and kill from the page.
//!
//! - [`app`] builds the whole [`Router`] from an [`AppState`] (the colony, the runtime's trial
//!   supervisor it is a client of, and a hub of each game's latest state), so tests drive it
//!   without a socket. The dashboard supervises no trial: it starts and steers them through the
//!   supervisor, follows the newest, and lists them all.
//! - The page (HTML, plain JavaScript and canvas, no build step) is embedded in the binary.
//! - The JSON API under `/api/` is what the page itself uses: `POST /api/trials`,
//!   `GET /api/trials`, `GET /api/trial`, `POST /api/trial/pause` and `/resume`,
//!   `DELETE /api/trial`, `DELETE /api/trials/{id}`,
//!   `GET /api/games`, `GET|DELETE /api/games/{id}`, `GET /api/games/{id}/rle`,
//!   `GET /api/actors`, `GET /api/patterns`. Errors are `{"error": "..."}` with a 4xx code.
//! - `/ws` streams boards bit-packed in binary frames ([`frame`] documents the layout) and the
//!   trial and actors tables as JSON text; a slow browser skips frames (latest wins).
//! - [`Access`]: open on loopback; anywhere else every API call needs a token.
//! - [`serve`] bounds connections ([`ConnectionLimits`]): how many are open, how long a request
//!   head or a silent connection may take, how many dashboards stream; a client's memory is one
//!   frame, and is given back when it leaves.
//!
//! ```
//! use colony_actors::{Colony, ColonyConfig};
//! use colony_web::{app, AppState, Config};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let colony = Colony::init(ColonyConfig { workers: Some(1), ..Default::default() }).await?;
//! let state = AppState::new(colony, Config::default());
//! let router = app(state.clone()); // in-process, as tests call it
//! // On a socket, within the connection limits (axum::serve would have none):
//! // colony_web::serve(tokio::net::TcpListener::bind("127.0.0.1:8265").await?, state, shutdown).await?;
//! # drop((router, state));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
#![deny(missing_docs)]

mod access;
mod api;
mod assets;
mod connections;
mod error;
mod follow;
pub mod frame;
mod hub;
mod machine;
mod memory;
mod state;
mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub use access::{Access, MIN_TOKEN_LEN};
pub use colony_actors::trial::{Limits, Plan, TrialRequest};
pub use connections::{ConnectionLimits, HEADER_TIMEOUT, IDLE_TIMEOUT, MAX_CONNECTIONS, MAX_WEBSOCKETS, SEND_TIMEOUT};
pub use error::AppError;
pub use follow::{SpecView, TrialView, ViewStatus};
pub use frame::GameStatus;
pub use hub::{GameRow, Outgoing};
pub use machine::{ActorLine, MachineReport, NodeLine};
pub use state::{AppState, Config, DEFAULT_FPS, MAX_FPS};
pub use ws::{stream, ClientEvent};

/// The dashboard's default address: loopback only, Ray's dashboard port.
pub const DEFAULT_BIND: &str = "127.0.0.1:8265";

/// The dashboard: page, assets, JSON API and WebSocket, with the access guard and body limit.
pub fn app(state: AppState) -> Router {
    let access = state.inner.access.clone();
    let body_limit = state.inner.limits.max_body;
    Router::new()
        .merge(assets::routes())
        .merge(api::routes())
        .route("/ws", get(ws::upgrade))
        .fallback(|| async { AppError::not_found("no such page or API endpoint") })
        .method_not_allowed_fallback(|| async {
            AppError::new(axum::http::StatusCode::METHOD_NOT_ALLOWED, "method not allowed here")
        })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(access, access::guard))
        .layer(middleware::from_fn(log))
        .with_state(state)
}

/// Logs every request (path only: a query may hold the token).
async fn log(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    let micros = started.elapsed().as_micros() as u64;
    tracing::debug!(%method, %path, status = response.status().as_u16(), micros, "request");
    response
}

/// The address to open in a browser (with the token, if one is needed).
pub fn url(addr: SocketAddr, access: &Access) -> String {
    let host = if addr.ip().is_unspecified() {
        // Bound to every interface: this machine's loopback reaches it too.
        match addr {
            SocketAddr::V4(_) => format!("127.0.0.1:{}", addr.port()),
            SocketAddr::V6(_) => format!("[::1]:{}", addr.port()),
        }
    } else {
        addr.to_string()
    };
    match access.token() {
        Some(token) => format!("http://{host}/?token={token}"),
        None => format!("http://{host}/"),
    }
}

/// Serves `state` on `listener` until `shutdown` completes, within the state's
/// [`ConnectionLimits`]; then lets the requests in progress finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.connections().clone();
    connections::serve(listener, app(state), limits, shutdown).await
}
