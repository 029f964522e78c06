//! `/ws`: live frames for one browser, latest-wins.
//!
//! The client gets, as soon as it connects, the trial (`{"type":"trial",…}`), the machine
//! (`{"type":"machine",…}`) and one binary frame per game; after that, whenever something
//! changes, the newest frame of each game that changed. Sends are capped at `fps` sweeps per
//! second (`?fps=N`, default [`DEFAULT_FPS`]) and wait for the socket: a slow browser is simply
//! visited less often and skips generations, so the server holds at most one sweep per client.

use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde::Deserialize;
use tokio::time::Instant;

use crate::hub::{Cursor, Hub, Outgoing};
use crate::state::{AppState, DEFAULT_FPS, MAX_FPS};

/// A sweep that cannot be written within this long means the client is gone or stuck.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Query parameters of `/ws` (the token, if any, is checked by the access guard).
#[derive(Debug, Deserialize)]
pub(crate) struct WsParams {
    fps: Option<u32>,
}

/// What the client said, as far as the stream cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientEvent {
    /// It closed the connection (or the connection broke).
    Closed,
    /// Anything else (ignored; pings are answered by the WebSocket layer).
    Other,
}

pub(crate) async fn upgrade(
    State(state): State<AppState>,
    params: Result<Query<WsParams>, QueryRejection>,
    ws: WebSocketUpgrade,
) -> Response {
    let fps = params
        .ok()
        .and_then(|Query(p)| p.fps)
        .unwrap_or(DEFAULT_FPS)
        .clamp(1, MAX_FPS);
    let hub = state.inner.hub.clone();
    // One sweep is bounded by the trial limits (total cells / 8 bytes); refuse more from a peer
    // that never reads, and take nothing big from the browser, which only ever says goodbye.
    ws.max_message_size(64 * 1024)
        .max_write_buffer_size(state.inner.limits.max_total_cells as usize / 8 + (1 << 20))
        .on_upgrade(move |socket: WebSocket| async move {
            let (sink, incoming) = socket.split();
            let sink = sink.with(|out: Outgoing| async move {
                Ok::<_, axum::Error>(match out {
                    Outgoing::Text(text) => Message::Text(text),
                    Outgoing::Binary(bytes) => Message::Binary(bytes),
                })
            });
            let incoming = incoming.map(|m| match m {
                Ok(Message::Close(_)) | Err(_) => ClientEvent::Closed,
                Ok(_) => ClientEvent::Other,
            });
            tracing::debug!(fps, "dashboard client connected");
            stream(hub, Box::pin(sink), Box::pin(incoming), fps).await;
            tracing::debug!("dashboard client left");
        })
}

/// Streams the hub's changes to one client until it leaves. Generic over the transport so it can
/// be tested with channels.
pub async fn stream<S, R>(hub: Hub, mut sink: S, mut incoming: R, fps: u32)
where
    S: Sink<Outgoing> + Unpin,
    R: Stream<Item = ClientEvent> + Unpin,
{
    let period = Duration::from_secs_f64(1.0 / f64::from(fps.max(1)));
    let mut cursor = Cursor::default();
    let mut changes = hub.changes();
    changes.mark_changed(); // the first sweep goes out at once
    let mut next_sweep = Instant::now();
    loop {
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { break },
            event = incoming.next() => match event {
                None | Some(ClientEvent::Closed) => break,
                Some(ClientEvent::Other) => continue,
            },
        }
        tokio::time::sleep_until(next_sweep).await;
        // Marks everything up to now as seen; changes during the send wake the next sweep.
        changes.borrow_and_update();
        let batch = hub.collect(&mut cursor);
        let send = async {
            for message in batch {
                sink.feed(message).await?;
            }
            sink.flush().await
        };
        match tokio::time::timeout(SEND_TIMEOUT, send).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => break,
            Err(_) => {
                tracing::info!("dropping a dashboard client that stopped reading");
                break;
            }
        }
        next_sweep = Instant::now() + period;
    }
}
