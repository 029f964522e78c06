//! `/ws`: live frames for one browser, latest-wins.
//!
//! The client gets, as soon as it connects, the trial (`{"type":"trial",…}`), the machine
//! (`{"type":"machine",…}`) and one binary frame per game; after that, whenever something
//! changes, the newest frame of each game that changed. Sends are capped at `fps` sweeps per
//! second (`?fps=N`, default [`DEFAULT_FPS`]) and wait for the socket, one message at a time: a
//! slow browser is simply visited less often and skips generations, so the server holds at most
//! one frame per client (the one being written, taken from the hub when its turn came), and a
//! client that takes none for [`SEND_TIMEOUT`](crate::SEND_TIMEOUT) is dropped. At most
//! [`MAX_WEBSOCKETS`](crate::MAX_WEBSOCKETS) clients are served at once.

use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde::Deserialize;
use tokio::time::Instant;

use crate::error::AppError;
use crate::hub::{Cursor, Hub, Outgoing};
use crate::state::{AppState, DEFAULT_FPS, MAX_FPS};

/// What a browser sends is a close or a pong: a little room for a polite client, none for more.
const MAX_INCOMING: usize = 4 * 1024;

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
    let Ok(permit) = state.inner.websockets.clone().try_acquire_owned() else {
        let limit = state.inner.connections.max_websockets;
        tracing::debug!(limit, "refused a dashboard client: too many open");
        return AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("too many dashboard clients: the limit is {limit}, try again later"),
        )
        .into_response();
    };
    let hub = state.inner.hub.clone();
    let send_timeout = state.inner.connections.send_timeout;
    // Messages go out one at a time and are flushed before the next is taken, so the socket's
    // buffer holds one frame (the trial limits bound it: total cells / 8); nothing is batched
    // before writing. Nothing big is read from the browser, which only ever says goodbye.
    ws.read_buffer_size(MAX_INCOMING)
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
        .write_buffer_size(0)
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
            stream(hub, Box::pin(sink), Box::pin(incoming), fps, send_timeout).await;
            drop(permit);
            tracing::debug!("dashboard client left");
            // Its socket and buffers are gone now; give their pages back rather than keep the peak.
            crate::memory::release_soon();
        })
}

/// Streams the hub's changes to one client until it leaves, or takes no message for
/// `send_timeout`. Generic over the transport so it can be tested with channels.
pub async fn stream<S, R>(hub: Hub, mut sink: S, mut incoming: R, fps: u32, send_timeout: Duration)
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
        if !sweep(&hub, &mut cursor, &mut sink, send_timeout).await {
            break;
        }
        next_sweep = Instant::now() + period;
    }
}

/// Sends what changed, one message at a time, each taken from the hub just before it is sent;
/// false when the client is gone or stuck.
async fn sweep<S>(hub: &Hub, cursor: &mut Cursor, sink: &mut S, send_timeout: Duration) -> bool
where
    S: Sink<Outgoing> + Unpin,
{
    let mut from = 0;
    let mut texts = hub.texts(cursor).into_iter();
    loop {
        let message = match texts.next() {
            Some(text) => text,
            None => match hub.next_frame(cursor, from) {
                Some((index, frame)) => {
                    from = index + 1;
                    frame
                }
                None => return true,
            },
        };
        match tokio::time::timeout(send_timeout, sink.send(message)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return false,
            Err(_) => {
                tracing::info!(?send_timeout, "dropping a dashboard client that stopped reading");
                return false;
            }
        }
    }
}
