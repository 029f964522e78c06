//! The server's bounds on connections, over real loopback sockets with short timeouts: a cap on
//! open connections, request heads that must arrive in time, silent connections closed, a cap
//! on dashboards, and a dashboard that stops reading dropped rather than queued for.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use colony_web::{app, Config, ConnectionLimits};
use common::{call, serve, state_with_config};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;

/// A server on a free loopback port with these connection bounds (loopback access).
async fn server(connections: ConnectionLimits) -> (SocketAddr, colony_web::AppState) {
    let state = state_with_config(Config {
        connections,
        ..Config::default()
    })
    .await;
    (serve(state.clone()).await, state)
}

/// Everything the server sends until it closes the connection, and how long that took; `None`
/// if it is still open after `seconds`.
async fn until_closed(stream: &mut TcpStream, seconds: u64) -> Option<(String, Duration)> {
    let started = Instant::now();
    let mut reply = Vec::new();
    match tokio::time::timeout(Duration::from_secs(seconds), stream.read_to_end(&mut reply)).await {
        // A reset after the server's close is a close too.
        Ok(_) => Some((String::from_utf8_lossy(&reply).into_owned(), started.elapsed())),
        Err(_) => None,
    }
}

/// A connection that starts a request and never finishes its head.
async fn partial_head(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /api/trial HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    stream
}

/// The status of `GET /api/trial` on a new connection, if it is answered within 5 s.
async fn status(addr: SocketAddr) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream
        .write_all(b"GET /api/trial HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .ok()?;
    let (reply, _) = until_closed(&mut stream, 5).await?;
    reply.get(9..12)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_are_refused_at_once() {
    let (addr, _state) = server(ConnectionLimits {
        max_connections: 8,
        ..ConnectionLimits::default()
    })
    .await;
    let mut hogs = Vec::new();
    for _ in 0..7 {
        hogs.push(partial_head(addr).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(status(addr).await, Some(200), "the eighth connection is served");

    hogs.push(partial_head(addr).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..3 {
        // Says nothing first, so the refusal is read cleanly rather than reset.
        let mut refused = TcpStream::connect(addr).await.unwrap();
        let (reply, took) = until_closed(&mut refused, 5).await.expect("closed at once");
        assert!(reply.starts_with("HTTP/1.1 503"), "{reply:?}");
        assert!(reply.contains("too many connections"), "{reply:?}");
        assert!(took < Duration::from_secs(2), "refused in {took:?}");
    }

    drop(hogs);
    let deadline = Instant::now() + Duration::from_secs(5);
    while status(addr).await != Some(200) {
        assert!(Instant::now() < deadline, "the slots of closed connections come back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_must_arrive_in_time_and_idle_keep_alive_ends() {
    let (addr, _state) = server(ConnectionLimits {
        header_timeout: Duration::from_millis(400),
        ..ConnectionLimits::default()
    })
    .await;
    let mut slow = partial_head(addr).await;
    let (_, took) = until_closed(&mut slow, 10).await.expect("a partial head is closed");
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(5),
        "closed after {took:?}"
    );

    // A complete request is answered; the connection, kept alive, is closed once idle.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /api/trial HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let (reply, took) = until_closed(&mut kept, 10).await.expect("an idle connection is closed");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply:?}");
    assert!(took < Duration::from_secs(5), "closed after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_stops_sending_its_body_is_closed() {
    let (addr, _state) = server(ConnectionLimits {
        idle_timeout: Duration::from_millis(400),
        ..ConnectionLimits::default()
    })
    .await;
    let mut stalled = TcpStream::connect(addr).await.unwrap();
    stalled
        .write_all(
            b"POST /api/trials HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n\
content-length: 100\r\n\r\n{\"games\": ",
        )
        .await
        .unwrap();
    let (_, took) = until_closed(&mut stalled, 10).await.expect("a stalled body is closed");
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(5),
        "closed after {took:?}"
    );
    assert_eq!(status(addr).await, Some(200), "the server goes on");
}

/// A WebSocket client with a 4 KiB receive buffer that reads its handshake and nothing after.
async fn deaf_client(addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    stream
        .write_all(
            b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
        .await
        .unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 101", "upgraded");
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_are_capped_and_one_that_stops_reading_is_dropped() {
    let (addr, state) = server(ConnectionLimits {
        max_websockets: 1,
        send_timeout: Duration::from_millis(500),
        ..ConnectionLimits::default()
    })
    .await;
    // Two 1024x1024 games: 128 KiB frames, far more than the deaf client's buffers take.
    let body = json!({"games": 2, "size": 1024, "steps": 1_000_000_000u64, "pause": 0.01, "seed": 3});
    let started = call(&app(state), "POST", "/api/trials", Some(body), &[]).await;
    assert_eq!(started.status.as_u16(), 201, "{}", started.text);

    let mut deaf = deaf_client(addr).await;
    match tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 503, "a second dashboard is refused")
        }
        other => panic!("expected a 503, got {other:?}"),
    }
    // The deaf client is dropped after its frame waited 500 ms; its slot is free again.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await {
            Ok(_) => break,
            Err(error) => assert!(Instant::now() < deadline, "the stuck client was never dropped: {error}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The server closed its side: what it had sent drains, then the stream ends.
    let mut sink = Vec::new();
    let drained = tokio::time::timeout(Duration::from_secs(10), deaf.read_to_end(&mut sink)).await;
    assert!(drained.is_ok(), "the dropped client's connection is closed");
}
