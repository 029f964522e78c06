//! Serving sockets: every accepted connection counts against a cap, must send its request head
//! within a deadline, and is closed once it stops moving bytes.
//!
//! `axum::serve` has neither a cap nor a header timeout, so each connection is served with
//! hyper's HTTP/1 builder directly (axum's `serve-with-hyper` way), whose `header_read_timeout`
//! covers both a slow first request head and an idle keep-alive connection waiting for its next
//! one. The permit of the cap travels inside the socket, so a connection upgraded to a WebSocket
//! keeps counting until the socket is dropped; WebSockets also have their own, smaller cap
//! ([`ConnectionLimits::max_websockets`]) so that open dashboards never crowd out the API.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

/// Connections open at once (HTTP and WebSocket together); one more is answered `503` and closed
/// at once, before anything of it is read, so clients that never finish a request cannot exhaust
/// the process's file descriptors.
pub const MAX_CONNECTIONS: usize = 256;

/// A request head (request line and headers) must arrive within this long, counted from the
/// connection's start (hyper starts reading at once); an idle keep-alive connection waiting for
/// its next request is closed after it too.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// An HTTP connection that moves no byte either way for this long (a stalled body, a client
/// that stopped reading its response) is closed. WebSockets have [`SEND_TIMEOUT`] instead.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Dashboard WebSockets open at once; one more is answered `503`. Each holds at most one frame
/// (a board of the trial, 512 KiB at the API's largest) beyond what the kernel buffers.
pub const MAX_WEBSOCKETS: usize = 64;

/// A frame a WebSocket client does not take within this long means it is gone or stuck: it is
/// dropped (and its memory freed). Until then a slow client only skips generations.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// The server's bounds on connections; [`Default`] gives the documented constants. Tests use
/// short timeouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once ([`MAX_CONNECTIONS`]).
    pub max_connections: usize,
    /// Time to send a request head ([`HEADER_TIMEOUT`]).
    pub header_timeout: Duration,
    /// Time an HTTP connection may move no byte ([`IDLE_TIMEOUT`]).
    pub idle_timeout: Duration,
    /// WebSockets open at once ([`MAX_WEBSOCKETS`]).
    pub max_websockets: usize,
    /// Time a WebSocket client has to take one frame ([`SEND_TIMEOUT`]).
    pub send_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: MAX_CONNECTIONS,
            header_timeout: HEADER_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
            max_websockets: MAX_WEBSOCKETS,
            send_timeout: SEND_TIMEOUT,
        }
    }
}

/// What a connection over the cap is told before it is closed (written without waiting).
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
content-length: 49\r\nconnection: close\r\n\r\n{\"error\":\"too many connections, try again later\"}";

/// Serves `router` on `listener` within `limits` until `shutdown` completes, then waits for the
/// HTTP connections in progress to finish their requests (open WebSockets are not waited for).
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let (closing, closed) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut over_cap = false;
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // Out of file descriptors or memory, a connection reset before it was
                    // taken: nothing to do but wait a moment and go on accepting.
                    tracing::warn!(%error, "accepting a connection failed; retrying");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            if !over_cap {
                tracing::warn!(%peer, limit = limits.max_connections, "too many connections: refusing new ones");
            }
            over_cap = true;
            let _ = stream.try_write(BUSY);
            drop(stream);
            continue;
        };
        over_cap = false;
        // Frames are written whole, then flushed: no reason to wait for more bytes to pack.
        let _ = stream.set_nodelay(true);
        connections.spawn(connection(
            stream,
            permit,
            router.clone(),
            http.clone(),
            limits.idle_timeout,
            closed.clone(),
        ));
    }
    let _ = closing.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// One connection, until it ends, idles out, upgrades to a WebSocket or the server shuts down.
async fn connection(
    stream: TcpStream,
    permit: OwnedSemaphorePermit,
    router: Router,
    http: http1::Builder,
    idle_timeout: Duration,
    mut closing: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = Metered {
        io: stream,
        activity: activity.clone(),
        _permit: permit,
    };
    let conn = http
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(router))
        .with_upgrades();
    tokio::pin!(conn);
    let mut check = tokio::time::interval((idle_timeout / 4).max(Duration::from_millis(10)));
    let mut shutting_down = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
                return;
            }
            changed = closing.changed(), if !shutting_down => {
                shutting_down = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
            _ = check.tick() => if activity.idle() >= idle_timeout {
                tracing::debug!(?idle_timeout, "closing a connection that moved no byte");
                return;
            },
        }
    }
}

/// When a connection last moved a byte.
struct Activity {
    start: Instant,
    last_millis: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last_millis: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let now = self.start.elapsed().as_millis() as u64;
        self.last_millis.store(now, Ordering::Relaxed);
    }

    fn idle(&self) -> Duration {
        let last = Duration::from_millis(self.last_millis.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }
}

/// A socket that records its progress and holds its connection's permit until it is dropped
/// (by hyper, or by a WebSocket it was upgraded to).
struct Metered {
    io: TcpStream,
    activity: Arc<Activity>,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Metered {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Metered {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_one_whole_response() {
        let text = std::str::from_utf8(BUSY).expect("ASCII");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        assert!(head.starts_with("HTTP/1.1 503 "));
        assert!(head.contains(&format!("content-length: {}\r\n", body.len())), "{head}");
        assert!(serde_json::from_str::<serde_json::Value>(body).is_ok(), "{body}");
    }
}
