//! `colony trial --serve`: the trial runs on the process's supervisor and the dashboard, a client
//! of it, follows and lists it, seeds exact.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{http, Server};

const COLONY: &str = env!("CARGO_BIN_EXE_colony");

#[test]
fn the_dashboard_follows_the_cli_trial() {
    let child = Command::new(COLONY)
        .args([
            "trial",
            "--serve",
            "--bind",
            "127.0.0.1:0",
            "--games",
            "3",
            "--size",
            "24",
        ])
        .args([
            "--steps",
            "400",
            "--pause",
            "0.005",
            "--seed",
            "18446744073709551610",
            "--workers",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start colony trial --serve");
    let (server, url) = Server::started(child);
    let started = Instant::now();
    let body = loop {
        let (status, body) = http(&url, "GET", "/api/trial", None);
        assert_eq!(status, 200, "{body}");
        if body.contains(r#""status":"finished""#) {
            break body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the CLI's trial never finished: {body}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(body.contains(r#""source":"cli""#), "{body}");
    assert!(
        body.contains(r#""seed":"18446744073709551610""#),
        "the exact seed: {body}"
    );
    let (_, games) = http(&url, "GET", "/api/games", None);
    assert_eq!(
        games.matches(r#""generation":400"#).count(),
        3,
        "every game at the end: {games}"
    );
    let (_, listed) = http(&url, "GET", "/api/trials", None);
    assert_eq!(listed.matches(r#""type":"trial""#).count(), 1, "{listed}");
    drop(server);
}

/// `colony ARGS` exits 2 with one line on stderr; returns that line.
fn refused(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = Command::new(COLONY)
        .args(args)
        .env_remove("COLONY_TOKEN")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run colony");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_short_token_is_refused_naming_the_flag_and_the_minimum() {
    for args in [
        &["serve", "--bind", "127.0.0.1:0", "--token", "x"][..],
        &[
            "trial",
            "--serve",
            "--bind",
            "127.0.0.1:0",
            "--token",
            "x",
            "--games",
            "1",
        ][..],
    ] {
        let line = refused(args, &[]);
        assert!(
            line.contains("--token") && line.contains("at least 16 characters"),
            "{line}"
        );
    }
    let line = refused(&["serve", "--bind", "127.0.0.1:0"], &[("COLONY_TOKEN", "short")]);
    assert!(line.contains("COLONY_TOKEN") && line.contains("at least 16"), "{line}");
    let line = refused(&["trial", "--token", "0123456789abcdef0123"], &[]);
    assert!(line.contains("--serve"), "{line}");
}

#[cfg(unix)]
#[test]
fn a_token_file_others_may_read_is_refused_and_a_private_one_is_used() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("token");
    std::fs::write(&path, "  file-token-0123456789abcdef\n").expect("write the token");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let file = path.to_str().expect("a UTF-8 path");
    let line = refused(&["serve", "--bind", "127.0.0.1:0", "--token-file", file], &[]);
    assert!(line.contains("--token-file") && line.contains("chmod 600"), "{line}");
    let line = refused(&["serve", "--token-file", "/nonexistent/token"], &[]);
    assert!(line.contains("--token-file /nonexistent/token"), "{line}");

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let child = Command::new(COLONY)
        .args(["serve", "--bind", "127.0.0.1:0", "--workers", "1", "--token-file", file])
        .env("COLONY_TOKEN", "the-file-wins-over-this-one")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start colony serve");
    let (server, url) = Server::started(child);
    let (addr, token) = url.split_once("/?token=").expect("the URL carries the token");
    assert_eq!(token, "file-token-0123456789abcdef", "trimmed");
    assert_eq!(http(addr, "GET", "/api/trial", None).0, 401);
    assert_eq!(http(addr, "GET", &format!("/api/trial?token={token}"), None).0, 200);
    drop(server);
}

#[test]
fn the_token_may_come_from_the_environment() {
    let child = Command::new(COLONY)
        .args(["serve", "--bind", "127.0.0.1:0", "--workers", "1"])
        .env("COLONY_TOKEN", "env-token-0123456789abcdef")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start colony serve");
    let (server, url) = Server::started(child);
    let (addr, token) = url.split_once("/?token=").expect("the URL carries the token");
    assert_eq!(token, "env-token-0123456789abcdef");
    assert_eq!(http(addr, "GET", "/api/trial", None).0, 401);
    assert_eq!(
        http(addr, "GET", "/api/trial?token=env-token-0123456789abcdef", None).0,
        200
    );
    drop(server);
}

/// The resident memory of process `pid`, in bytes.
#[cfg(target_os = "linux")]
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/PID/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS");
    kib * 1024
}

/// A dashboard client with a small receive buffer (so the server, not the kernel, would have to
/// hold what it does not read) that reads its handshake's status and nothing after; the status.
#[cfg(target_os = "linux")]
fn deaf_client(runtime: &tokio::runtime::Runtime, addr: &str) -> (std::net::TcpStream, String) {
    use std::io::{Read, Write};
    let addr: std::net::SocketAddr = addr.parse().expect("host:port");
    let mut stream = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
        let stream = socket.connect(addr).await.expect("connect");
        stream.into_std().expect("a std stream")
    });
    stream.set_nonblocking(false).expect("blocking");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let request = format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("handshake");
    let mut status = [0u8; 12];
    stream.read_exact(&mut status).expect("a status line");
    (stream, String::from_utf8_lossy(&status).into_owned())
}

/// Issue 9, finding 12: non-reading dashboards grew the server by gigabytes and kept it.
#[cfg(target_os = "linux")]
#[test]
fn dashboards_that_never_read_hold_bounded_memory_and_give_it_back() {
    const MIB: u64 = 1 << 20;
    let child = Command::new(COLONY)
        .args(["serve", "--bind", "127.0.0.1:0", "--workers", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start colony serve");
    let pid = child.id();
    let (server, url) = Server::started(child);
    // Four 2048x2048 games: 512 KiB frames, 2 MiB a sweep, changing 20 times a second.
    let body = r#"{"games": 4, "size": 2048, "steps": 1000000000, "pause": 0.05, "seed": 1}"#;
    let (status, reply) = http(&url, "POST", "/api/trials", Some(body));
    assert_eq!(status, 201, "{reply}");
    std::thread::sleep(Duration::from_secs(2));
    let before = rss(pid);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("a runtime");
    let (mut clients, mut statuses) = (Vec::new(), Vec::new());
    for _ in 0..70 {
        let (stream, status) = deaf_client(&runtime, &url);
        statuses.push(status);
        clients.push(stream);
    }
    let upgraded = statuses.iter().filter(|s| s.as_str() == "HTTP/1.1 101").count();
    let busy = statuses.iter().filter(|s| s.as_str() == "HTTP/1.1 503").count();
    assert_eq!((upgraded, busy), (64, 6), "64 dashboards at most: {statuses:?}");
    let mut peak = 0;
    for _ in 0..16 {
        peak = peak.max(rss(pid));
        std::thread::sleep(Duration::from_millis(250));
    }
    drop(clients);
    // Each holds one frame at most (512 KiB); allow twice that, and room for the allocator.
    let bound = 64 * MIB + 48 * MIB;
    assert!(
        peak.saturating_sub(before) < bound,
        "64 stuck dashboards took {} MiB (from {} MiB)",
        (peak - before) / MIB,
        before / MIB
    );
    let started = std::time::Instant::now();
    let after = loop {
        let now = rss(pid);
        if now < before + 32 * MIB || started.elapsed() > Duration::from_secs(10) {
            break now;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(
        after < before + 32 * MIB,
        "memory not given back: {} MiB before, {} MiB at the peak, {} MiB after",
        before / MIB,
        peak / MIB,
        after / MIB
    );
    assert_eq!(http(&url, "GET", "/api/trial", None).0, 200, "the server goes on");
    drop(server);
}
