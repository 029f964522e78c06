//! Measures the dashboard under load, on loopback only, bounded in clients and time:
//!
//!     cargo run --release -p colony-web --example load -- --games 16 --size 256 --clients 1,100 --seconds 10
//!
//! It runs a colony in this process the way `colony serve` does: the dashboard on its own runtime
//! thread (`colony-web`), the actors on the colony's runtime (`colony-async`, where boards of up
//! to 65 536 cells step inline) and its compute pool (`colony-worker-N`). It starts a trial of
//! games stepping as fast as they can through the HTTP API, then for each client count connects
//! that many WebSocket clients (on their own `load-client` threads) and reports, per window:
//! generations per second per game, updates per second per game as the clients see them, the
//! CPU of the dashboard's thread (all of it: update ingest, HTTP, streaming) and of the actors,
//! the latency of `GET /api/games`, and the process's resident memory (clients included).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use colony_actors::{Colony, ColonyConfig};
use colony_web::{AppState, Config};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MAX_CLIENTS: usize = 1000;
const MAX_SECONDS: u64 = 120;

struct Options {
    games: usize,
    size: usize,
    batch: u64,
    fps: u32,
    clients: Vec<usize>,
    seconds: u64,
}

fn options() -> Options {
    let mut o = Options {
        games: 16,
        size: 256,
        batch: 1,
        fps: 60,
        clients: vec![1, 100],
        seconds: 10,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or("");
        let num = || {
            value
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{} wants a number, got {value:?}", pair[0]))
        };
        match pair[0].as_str() {
            "--games" => o.games = num() as usize,
            "--size" => o.size = num() as usize,
            "--batch" => o.batch = num(),
            "--fps" => o.fps = num() as u32,
            "--seconds" => o.seconds = num().clamp(1, MAX_SECONDS),
            "--clients" => {
                o.clients = value
                    .split(',')
                    .map(|c| c.parse::<usize>().expect("--clients 1,100").min(MAX_CLIENTS))
                    .collect()
            }
            other => panic!("unknown option {other}; see the file's first lines"),
        }
    }
    o
}

/// CPU seconds used so far by this process's threads whose name starts with `prefix`.
fn thread_cpu(prefix: &str) -> f64 {
    let mut total = 0.0;
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end().starts_with(prefix) {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
            total += stat
                .split_whitespace()
                .next()
                .and_then(|ns| ns.parse::<f64>().ok())
                .unwrap_or(0.0)
                / 1e9;
        }
    }
    total
}

fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok());
    kib.unwrap_or(0.0) / 1024.0
}

/// One HTTP/1.1 request on a fresh connection; returns the status and body.
async fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

async fn mean_generation(addr: SocketAddr) -> f64 {
    let (_, body) = http(addr, "GET", "/api/games", "").await;
    let games: serde_json::Value = serde_json::from_str(&body).unwrap();
    let g: Vec<f64> = games
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["generation"].as_f64().unwrap())
        .collect();
    g.iter().sum::<f64>() / g.len().max(1) as f64
}

/// A WebSocket client counting the binary frames it gets, until `stop`.
async fn client(addr: SocketAddr, fps: u32, frames: Arc<AtomicU64>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws?fps={fps}"))
        .await
        .unwrap();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            message = socket.next() => match message {
                Some(Ok(m)) if m.is_binary() => { frames.fetch_add(1, Ordering::Relaxed); }
                Some(Ok(_)) => {}
                _ => break,
            },
        }
    }
}

struct Window {
    generations_per_second: f64,
    updates_per_game: f64,
    web_cores: f64,
    actor_cores: f64,
    latency_ms: Vec<f64>,
    resident_mib: f64,
}

/// Measures `seconds` while `clients` clients (already connected) stream.
async fn window(addr: SocketAddr, seconds: u64, frames: &AtomicU64, clients: usize, games: usize) -> Window {
    let actors = || thread_cpu("colony-async") + thread_cpu("colony-worker");
    let (w0, a0, f0, g0, t0) = (
        thread_cpu("colony-web"),
        actors(),
        frames.load(Ordering::Relaxed),
        mean_generation(addr).await,
        Instant::now(),
    );
    let mut latency_ms = Vec::new();
    while t0.elapsed() < Duration::from_secs(seconds) {
        let t = Instant::now();
        let (status, _) = http(addr, "GET", "/api/games", "").await;
        assert_eq!(status, 200);
        latency_ms.push(t.elapsed().as_secs_f64() * 1e3);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let s = t0.elapsed().as_secs_f64();
    latency_ms.sort_by(f64::total_cmp);
    Window {
        generations_per_second: (mean_generation(addr).await - g0) / s,
        updates_per_game: (frames.load(Ordering::Relaxed) - f0) as f64 / s / (clients.max(1) * games) as f64,
        web_cores: (thread_cpu("colony-web") - w0) / s,
        actor_cores: (actors() - a0) / s,
        latency_ms,
        resident_mib: resident_mib(),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or(0.0)
}

fn main() {
    let o = options();
    let runtime = |threads: usize, name: &str| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name(name)
            .enable_all()
            .build()
            .unwrap()
    };
    let (web, actors, clients_rt) = (
        runtime(1, "colony-web"),
        runtime(2, "colony-async"),
        runtime(2, "load-client"),
    );
    let colony = actors.block_on(Colony::init(ColonyConfig::default())).unwrap();
    let addr = web.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Config {
            trials: Some(actors.handle().clone()),
            ..Config::default()
        };
        tokio::spawn(colony_web::serve(
            listener,
            AppState::new(colony, config),
            std::future::pending(),
        ));
        addr
    });
    clients_rt.block_on(async {
        let body = serde_json::json!({"games": o.games, "size": o.size, "steps": 1_000_000_000u64, "batch_size": o.batch, "seed": 1});
        let (status, reply) = http(addr, "POST", "/api/trials", &body.to_string()).await;
        assert_eq!(status, 201, "{reply}");
        println!("{} games of {}x{}, batch {}, as fast as they can; clients ask for {} fps; {} s windows", o.games, o.size, o.size, o.batch, o.fps, o.seconds);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let frames = Arc::new(AtomicU64::new(0));
        let base = window(addr, o.seconds, &frames, 0, o.games).await;
        println!("{:>8} {:>12} {:>14} {:>12} {:>14} {:>12} {:>10} {:>10} {:>9}", "clients", "gen/s/game", "updates/s/game", "web cores", "web - idle", "actor cores", "p50 ms", "p99 ms", "RSS MiB");
        let row = |n: usize, w: &Window| {
            println!(
                "{n:>8} {:>12.0} {:>14.1} {:>12.3} {:>14.3} {:>12.2} {:>10.2} {:>10.2} {:>9.0}",
                w.generations_per_second,
                w.updates_per_game,
                w.web_cores,
                (w.web_cores - base.web_cores).max(0.0),
                w.actor_cores,
                percentile(&w.latency_ms, 0.5),
                percentile(&w.latency_ms, 0.99),
                w.resident_mib
            )
        };
        row(0, &base);
        for &n in &o.clients {
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(client(addr, o.fps, frames.clone(), stopped.clone()))).collect();
            tokio::time::sleep(Duration::from_secs(1)).await;
            let w = window(addr, o.seconds, &frames, n, o.games).await;
            row(n, &w);
            let _ = stop.send(true);
            for t in tasks {
                let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
            }
        }
    });
}
