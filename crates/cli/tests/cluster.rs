//! Multi-process cluster tests on loopback: real `colony node` processes and a real driver.
//!
//! Timing-sensitive (deadlines of a few seconds on a shared 2-core machine): the tests of this
//! binary take a lock, so they run one at a time whatever `--test-threads` says; CI runs this
//! binary on its own, after the CPU-bound suites: `cargo test -p colony --test cluster`.
//! Every wait is bounded, and every child is killed when its guard drops.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

mod common;

const COLONY: &str = env!("CARGO_BIN_EXE_colony");

/// One test at a time: their deadlines assume the machine is not also running the others.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

fn cookie(dir: &Path, name: &str, secret: &str, mode: u32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{secret}\n")).expect("write cookie");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod cookie");
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A `colony node` process, killed when dropped; what it wrote to stderr is kept.
struct NodeProc {
    child: Child,
    addr: String,
    stderr: Arc<Mutex<String>>,
}

impl NodeProc {
    /// Starts a node on a free loopback port and waits (bounded) until it says it listens.
    fn start(cookie: &Path, name: &str) -> NodeProc {
        NodeProc::start_with(cookie, name, &[])
    }

    /// The same, with more flags (TLS).
    fn start_with(cookie: &Path, name: &str, extra: &[&Path]) -> NodeProc {
        // A port found free may be taken before the node binds it: try another.
        for _ in 0..5 {
            let addr = format!("127.0.0.1:{}", free_port());
            let mut child = Command::new(COLONY)
                .args([
                    "node",
                    "--listen",
                    &addr,
                    "--workers",
                    "1",
                    "--name",
                    name,
                    "--cookie-file",
                ])
                .arg(cookie)
                .args(extra)
                // Each spawn is logged at debug level: the tests count them.
                .env("RUST_LOG", "warn,ractor_cluster=error,colony_cluster=debug")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn colony node");
            let stderr = Arc::new(Mutex::new(String::new()));
            let err_pipe = child.stderr.take().expect("stderr piped");
            let sink = stderr.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(err_pipe).lines().map_while(Result::ok) {
                    let mut s = sink.lock().unwrap_or_else(|p| p.into_inner());
                    s.push_str(&line);
                    s.push('\n');
                }
            });
            let out = child.stdout.take().expect("stdout piped");
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let mut lines = BufReader::new(out).lines().map_while(Result::ok);
                let _ = tx.send(lines.by_ref().find(|l| l.contains("listening on")));
                // Keep reading: a closed pipe would end the node at its next line.
                lines.for_each(drop);
            });
            let mut node = NodeProc { child, addr, stderr };
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(Some(_)) => return node,
                Ok(None) => {
                    let _ = node.child.wait();
                    eprintln!("node did not start (retrying): {}", node.stderr());
                }
                Err(_) => panic!("node {name} did not start within 30 s: {}", node.stderr()),
            }
        }
        panic!("no node could start");
    }

    /// What it logged so far, without the terminal's colour codes.
    fn stderr(&self) -> String {
        plain(&self.stderr.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

/// A log without the terminal's colour codes.
fn plain(raw: &str) -> String {
    let mut plain = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|&c| c == 'm');
        } else {
            plain.push(c);
        }
    }
    plain
}

impl Drop for NodeProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `colony ARGS` to its end, killing it past `limit`; its output and how long it took.
fn colony(args: &[&str], limit: Duration) -> (Output, Duration) {
    let start = Instant::now();
    let mut child = Command::new(COLONY)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn colony");
    let mut pipes = (
        child.stdout.take().expect("stdout"),
        child.stderr.take().expect("stderr"),
    );
    let out_reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = pipes.0.read_to_end(&mut out);
        (out, pipes.1)
    });
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let (stdout, mut err_pipe) = out_reader.join().expect("reader");
            let mut stderr = Vec::new();
            let _ = err_pipe.read_to_end(&mut stderr);
            return (Output { status, stdout, stderr }, start.elapsed());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("colony {args:?} ran past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The games of a `--report` file, without what differs between runs (times, CPU).
fn results(report: &Path) -> Vec<serde_json::Value> {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).expect("report written")).expect("report is JSON");
    let runs = json["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "one run");
    let games = runs[0]["results"].as_array().expect("results").clone();
    assert!(!games.is_empty());
    games
}

const TRIAL: &[&str] = &[
    "trial",
    "--games",
    "12",
    "--size",
    "40",
    "--steps",
    "90",
    "--batch-size",
    "7",
    "--seed",
    "20261201",
];

#[test]
fn a_trial_over_three_nodes_reports_what_a_local_run_reports() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "three-node-secret", 0o600);
    let mut nodes: Vec<NodeProc> = ["n1", "n2", "n3"].iter().map(|n| NodeProc::start(&cookie, n)).collect();
    let addrs = nodes.iter().map(|n| n.addr.as_str()).collect::<Vec<_>>().join(",");

    let remote = dir.path().join("remote.json");
    let cookie_arg = cookie.to_str().expect("utf-8 path");
    let mut args = TRIAL.to_vec();
    args.extend(["--cluster", &addrs, "--cookie-file", cookie_arg, "--report"]);
    args.push(remote.to_str().expect("utf-8 path"));
    let (out, took) = colony(&args, Duration::from_secs(60));
    assert!(out.status.success(), "cluster trial failed: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("cluster of 3 nodes"), "{stdout}");
    assert!(stdout.contains("3 workers"), "one worker per node: {stdout}");
    eprintln!("cluster trial took {took:?}");

    let local = dir.path().join("local.json");
    let mut args = TRIAL.to_vec();
    args.extend(["--mode", "actors", "--report", local.to_str().expect("utf-8 path")]);
    let (out, _) = colony(&args, Duration::from_secs(60));
    assert!(out.status.success(), "local trial failed: {}", text(&out.stderr));

    let (remote, local) = (results(&remote), results(&local));
    assert_eq!(remote, local, "same seeds, same games, same boards");
    assert!(remote.iter().all(|g| g["generation"] == 90), "{remote:?}");
    assert!(remote.iter().all(|g| g["fingerprint"].is_string()), "{remote:?}");
    for node in &mut nodes {
        assert!(node.is_running(), "node stopped: {}", node.stderr());
        // 12 games on three nodes of one worker each: four apiece.
        let spawned = node.stderr().matches("game spawned").count();
        assert_eq!(spawned, 4, "games per node: {}", node.stderr());
    }

    // Games on the plane travel as trees (macrocell) and end as they do locally.
    let shape = [
        "--topology",
        "plane",
        "--pattern",
        "r-pentomino",
        "--games",
        "3",
        "--steps",
        "1200",
        "--batch-size",
        "300",
    ];
    let remote = dir.path().join("plane.json");
    let mut args = vec!["trial"];
    args.extend(shape);
    args.extend(["--cluster", &addrs, "--cookie-file", cookie_arg, "--report"]);
    args.push(remote.to_str().expect("utf-8 path"));
    let (out, _) = colony(&args, Duration::from_secs(60));
    assert!(out.status.success(), "plane trial failed: {}", text(&out.stderr));
    let (remote, local, restarted) = against_local(dir.path(), &shape, &remote);
    assert_eq!((remote.clone(), restarted), (local, 0), "plane games end as locally");
    // The r-pentomino's ash and gliders: 116 cells from generation 1103 on.
    assert!(
        remote.iter().all(|g| g["generation"] == 1200 && g["population"] == 116),
        "{remote:?}"
    );
}

#[test]
fn a_node_killed_mid_trial_loses_no_result() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "sigkill-secret", 0o600);
    let mut nodes: Vec<NodeProc> = ["n1", "n2", "n3"].iter().map(|n| NodeProc::start(&cookie, n)).collect();
    let addrs = nodes.iter().map(|n| n.addr.as_str()).collect::<Vec<_>>().join(",");
    let remote = dir.path().join("remote.json");
    // Paused between batches so the trial is still running when the node dies.
    let shape = [
        "--games", "6", "--size", "32", "--steps", "60", "--seed", "77", "--pause", "0.03",
    ];
    let mut trial = Command::new(COLONY)
        .arg("trial")
        .args(shape)
        .args(["--cluster", &addrs, "--cookie-file"])
        .arg(&cookie)
        .arg("--report")
        .arg(&remote)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn trial");
    let out = trial.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(out).lines().map_while(Result::ok);
        let _ = tx.send(lines.by_ref().find(|l| l.contains("games of")));
        lines.for_each(drop);
    });
    let started = rx.recv_timeout(Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(400));
    let _ = nodes[1].child.kill();
    let _ = nodes[1].child.wait();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = trial.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = trial.kill();
            panic!("the trial did not end after its node died");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    let _ = trial.stderr.take().expect("stderr").read_to_string(&mut stderr);
    assert!(matches!(started, Ok(Some(_))), "the trial did not start: {stderr}");
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("node disconnected"), "{stderr}");

    let local = dir.path().join("local.json");
    let mut args = vec!["trial", "--mode", "actors"];
    args.extend(shape);
    args.extend(["--report", local.to_str().expect("utf-8 path")]);
    let (out, _) = colony(&args, Duration::from_secs(60));
    assert!(out.status.success(), "local trial failed: {}", text(&out.stderr));

    let mut remote = results(&remote);
    let restarted = remote
        .iter_mut()
        .filter_map(|g| g.as_object_mut().and_then(|g| g.remove("restarts")))
        .count();
    assert_eq!(
        restarted, 2,
        "the dead node's two games restarted elsewhere: {remote:?}"
    );
    assert_eq!(
        remote,
        results(&local),
        "restarted from generation 0, they end as if never lost"
    );
}

#[test]
fn a_node_stops_the_games_of_a_driver_killed_mid_trial() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "driver-secret", 0o600);
    let node = NodeProc::start(&cookie, "n1");
    let mut trial = Command::new(COLONY)
        .args([
            "trial", "--games", "3", "--size", "32", "--steps", "1000", "--pause", "0.05",
        ])
        .args(["--cluster", &node.addr, "--cookie-file"])
        .arg(&cookie)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn trial");
    let out = trial.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(out).lines().map_while(Result::ok);
        let _ = tx.send(lines.by_ref().find(|l| l.contains("games of")));
        lines.for_each(drop);
    });
    let started = rx.recv_timeout(Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    let _ = trial.kill();
    let _ = trial.wait();
    assert!(matches!(started, Ok(Some(_))), "the trial did not start");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !node.stderr().contains("driver gone: its games stopped") {
        assert!(Instant::now() < deadline, "the node kept the games: {}", node.stderr());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(node.stderr().contains("stopped=3"), "{}", node.stderr());
}

#[test]
fn a_game_killed_from_the_dashboard_stops_on_its_node() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "kill-secret", 0o600);
    let node = NodeProc::start(&cookie, "n1");
    let report = dir.path().join("report.json");
    let child = Command::new(COLONY)
        .args([
            "trial", "--games", "3", "--size", "32", "--steps", "150", "--pause", "0.02", "--seed", "5",
        ])
        .args(["--cluster", &node.addr, "--cookie-file"])
        .arg(&cookie)
        .args(["--serve", "--bind", "127.0.0.1:0", "--report"])
        .arg(&report)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn trial");
    let (_server, addr) = common::Server::started(child);
    std::thread::sleep(Duration::from_millis(500));
    let (status, body) = common::http(&addr, "DELETE", "/api/games/1", None);
    assert_eq!(status, 200, "{body}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !report.exists() {
        assert!(Instant::now() < deadline, "no report: the trial did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    let games = results(&report);
    // Had only the stand-in stopped, the game would have gone on answering to generation 150.
    assert_eq!(games[1]["outcome"], "killed", "{games:?}");
    assert!(games[1]["generation"].as_u64().is_some_and(|g| g < 150), "{games:?}");
    assert!(
        games[0]["generation"] == 150 && games[2]["generation"] == 150,
        "{games:?}"
    );
}

#[test]
fn a_wrong_cookie_fails_within_5_s_on_both_sides() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let right = cookie(dir.path(), "right", "the-right-one", 0o600);
    let wrong = cookie(dir.path(), "wrong", "not-the-right-one", 0o600);
    let node = NodeProc::start(&right, "n1");
    let mut args = TRIAL.to_vec();
    args.extend([
        "--cluster",
        &node.addr,
        "--cookie-file",
        wrong.to_str().expect("utf-8 path"),
    ]);
    let (out, took) = colony(&args, Duration::from_secs(20));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(stderr.contains(&node.addr), "{stderr}");
    assert!(stderr.contains("wrong cookie"), "{stderr}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !node.stderr().contains("before authenticating") {
        assert!(Instant::now() < deadline, "the node said nothing: {}", node.stderr());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_cookie_file_others_can_read_is_refused() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let exposed = cookie(dir.path(), "cookie", "secret", 0o644);
    let exposed = exposed.to_str().expect("utf-8 path");
    let (out, _) = colony(
        &["node", "--listen", "127.0.0.1:1", "--cookie-file", exposed],
        Duration::from_secs(20),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("mode 0644") && stderr.contains("chmod 600"), "{stderr}");

    let (out, _) = colony(
        &["trial", "--cluster", "127.0.0.1:1", "--cookie-file", exposed],
        Duration::from_secs(20),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("mode 0644"), "{stderr}");

    let empty = cookie(dir.path(), "empty", "  ", 0o600);
    let (out, _) = colony(
        &[
            "node",
            "--listen",
            "127.0.0.1:1",
            "--cookie-file",
            empty.to_str().expect("utf-8 path"),
        ],
        Duration::from_secs(20),
    );
    assert!(text(&out.stderr).contains("empty"), "{}", text(&out.stderr));
}

#[test]
fn garbage_on_the_node_port_does_not_crash_the_node() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "garbage-secret", 0o600);
    let mut node = NodeProc::start(&cookie, "n1");
    let frames: Vec<Vec<u8>> = vec![
        vec![0xff; 64 * 1024], // a huge length prefix, then noise
        [&8u64.to_be_bytes()[..], &[0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]].concat(), // a frame of non-protobuf
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        [&0u64.to_be_bytes()[..], &[0u8; 16]].concat(), // empty frames
        vec![],                                         // connect and close
    ];
    for frame in &frames {
        let mut stream = TcpStream::connect(&node.addr).expect("connect");
        let _ = stream.write_all(frame);
        let _ = stream.flush();
        drop(stream);
    }
    // One that connects and says nothing, held open while a driver comes.
    let _silent = TcpStream::connect(&node.addr).expect("connect");
    std::thread::sleep(Duration::from_millis(300));
    assert!(node.is_running(), "the node died of garbage: {}", node.stderr());

    let mut args = TRIAL.to_vec();
    args.extend([
        "--cluster",
        &node.addr,
        "--cookie-file",
        cookie.to_str().expect("utf-8 path"),
    ]);
    let (out, _) = colony(&args, Duration::from_secs(60));
    assert!(
        out.status.success(),
        "a driver after the garbage: {}",
        text(&out.stderr)
    );
    assert!(node.is_running(), "{}", node.stderr());
}

#[test]
fn a_peer_that_is_no_colony_node_fails_within_5_s() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "secret", 0o600);
    // Accepts and says nothing: ractor_cluster's handshake would wait forever.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = silent.local_addr().expect("addr").to_string();
    let held = std::thread::spawn(move || silent.accept().map(|(s, _)| s));
    let mut args = TRIAL.to_vec();
    args.extend([
        "--cluster",
        &addr,
        "--cookie-file",
        cookie.to_str().expect("utf-8 path"),
    ]);
    let (out, took) = colony(&args, Duration::from_secs(20));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(took < Duration::from_secs(7), "took {took:?}");
    assert!(stderr.contains("no cluster handshake within 5s"), "{stderr}");
    drop(held);
}

/// Sends `signal` (`STOP`, `CONT`) to process `pid`.
fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} {pid}");
}

/// Polls `done` every 20 ms until it holds, failing with `what` past `limit`.
fn wait_until(limit: Duration, what: impl Fn() -> String, done: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{}", what());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `colony trial` running in the background, its stderr kept as it comes.
struct Driver {
    child: Child,
    stderr: Arc<Mutex<String>>,
    started: mpsc::Receiver<Option<String>>,
}

impl Driver {
    fn start(args: &[&str]) -> Driver {
        let mut child = Command::new(COLONY)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn trial");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (err_pipe, sink) = (child.stderr.take().expect("stderr"), stderr.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(err_pipe).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap_or_else(|p| p.into_inner());
                s.push_str(&line);
                s.push('\n');
            }
        });
        let out = child.stdout.take().expect("stdout");
        let (tx, started) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(out).lines().map_while(Result::ok);
            let _ = tx.send(lines.by_ref().find(|l| l.contains("games of")));
            lines.for_each(drop);
        });
        Driver { child, stderr, started }
    }

    /// Waits (bounded) until the trial has started its games.
    fn wait_started(&self) {
        let started = self.started.recv_timeout(Duration::from_secs(30));
        assert!(
            matches!(started, Ok(Some(_))),
            "the trial did not start: {}",
            self.stderr()
        );
    }

    /// What it logged so far, without the terminal's colour codes.
    fn stderr(&self) -> String {
        plain(&self.stderr.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Waits (bounded) for the trial's end; whether it succeeded.
    fn wait(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Let the reader take the last lines.
                std::thread::sleep(Duration::from_millis(100));
                return status.success();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the trial did not end within {limit:?}: {}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The results of a local actor run of `shape`, and the cluster's `remote` report's results
/// with each game's `restarts` taken out, and how many games had restarted.
fn against_local(dir: &Path, shape: &[&str], remote: &Path) -> (Vec<serde_json::Value>, Vec<serde_json::Value>, usize) {
    let local = dir.join("local.json");
    let mut args = vec!["trial", "--mode", "actors"];
    args.extend(shape);
    args.extend(["--report", local.to_str().expect("utf-8 path")]);
    let (out, _) = colony(&args, Duration::from_secs(60));
    assert!(out.status.success(), "local trial failed: {}", text(&out.stderr));
    let mut remote = results(remote);
    let restarted = remote
        .iter_mut()
        .filter_map(|g| g.as_object_mut().and_then(|g| g.remove("restarts")))
        .count();
    (remote, results(&local), restarted)
}

/// Games the node at `addr` hosts now, for every driver, as its host reports them.
fn hosted_games(cookie: &Path, addr: &str) -> u64 {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let cookie = colony_cluster::Cookie::read(cookie).expect("cookie");
        let options = colony_cluster::ConnectOptions::default();
        let cluster = colony_cluster::Cluster::connect(&[addr.to_string()], &cookie, options)
            .await
            .expect("connect to the node");
        let report = cluster.nodes()[0].report(Duration::from_secs(10)).await;
        report.expect("the host's report").games
    })
}

#[test]
fn a_frozen_node_is_lost_its_checkpointed_games_end_as_a_local_run_and_it_stops_them_when_thawed() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "sigstop-secret", 0o600);
    let nodes: Vec<NodeProc> = ["n1", "n2", "n3"].iter().map(|n| NodeProc::start(&cookie, n)).collect();
    let addrs = nodes.iter().map(|n| n.addr.as_str()).collect::<Vec<_>>().join(",");
    let remote = dir.path().join("remote.json");
    let shape = [
        "--games", "6", "--size", "32", "--steps", "60", "--seed", "78", "--pause", "0.03",
    ];
    let db = dir.path().join("trial.db");
    let mut args = vec!["trial"];
    args.extend(shape);
    let cookie_arg = cookie.to_str().expect("utf-8 path");
    args.extend(["--cluster", &addrs, "--cookie-file", cookie_arg]);
    args.extend(["--report", remote.to_str().expect("utf-8 path")]);
    args.extend([
        "--checkpoint",
        db.to_str().expect("utf-8 path"),
        "--checkpoint-every",
        "10",
    ]);
    let mut trial = Driver::start(&args);
    trial.wait_started();
    // Frozen once every game has a checkpoint past generation 0, so the restarts start there.
    wait_until(
        Duration::from_secs(30),
        || format!("no game reached generation 10: {}", trial.stderr()),
        || {
            colony_store::Store::open_read_only(&db)
                .and_then(|store| store.list_trials())
                .is_ok_and(|trials| trials.first().is_some_and(|t| t.min_generation >= 10))
        },
    );
    let frozen = Instant::now();
    signal(nodes[1].child.id(), "STOP");
    // Its games' calls hang until the heartbeat (3 s by default) finds the node out.
    wait_until(
        Duration::from_secs(20),
        || format!("the frozen node was never lost: {}", trial.stderr()),
        || trial.stderr().contains("node lost"),
    );
    let detected = frozen.elapsed();
    signal(nodes[1].child.id(), "CONT");
    let stderr = trial.stderr();
    assert!(
        stderr.contains("node=n2") && stderr.contains("stopped answering"),
        "{stderr}"
    );
    assert!(
        detected > Duration::from_millis(1500) && detected < Duration::from_secs(10),
        "lost after {detected:?}, with a timeout of 3 s"
    );
    eprintln!("frozen node lost after {detected:?}");

    // Thawed, it finds the driver has closed its session, and stops the stale games.
    wait_until(
        Duration::from_secs(10),
        || format!("the thawed node kept its games: {}", nodes[1].stderr()),
        || nodes[1].stderr().contains("driver gone: its games stopped"),
    );
    assert!(nodes[1].stderr().contains("stopped=2"), "{}", nodes[1].stderr());
    assert_eq!(
        hosted_games(&cookie, &nodes[1].addr),
        0,
        "the thawed node hosts nothing"
    );

    assert!(trial.wait(Duration::from_secs(60)), "{}", trial.stderr());
    let stderr = trial.stderr();
    let resumed: Vec<u64> = stderr
        .lines()
        .filter_map(|l| l.split("restarted from its checkpoint at generation ").nth(1))
        .filter_map(|g| g.trim().parse().ok())
        .collect();
    assert_eq!(resumed.len(), 2, "{stderr}");
    // The calls in flight to its games failed naming it, which is what the restarts give as cause.
    assert!(stderr.contains("is lost: node n2 ("), "{stderr}");
    assert!(
        resumed.iter().all(|&g| g >= 10),
        "restarted from their checkpoints: {stderr}"
    );
    eprintln!("the frozen node's games restarted from generations {resumed:?}");
    let (remote, local, restarted) = against_local(dir.path(), &shape, &remote);
    assert_eq!(
        restarted, 2,
        "the frozen node's two games restarted elsewhere: {remote:?}"
    );
    assert_eq!(
        remote, local,
        "restarted from their checkpoints, they end as if never lost"
    );
}

#[test]
fn a_node_stops_the_games_of_a_frozen_driver_which_restarts_them_when_thawed() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "frozen-driver-secret", 0o600);
    let node = NodeProc::start(&cookie, "n1");
    let remote = dir.path().join("remote.json");
    let shape = [
        "--games", "3", "--size", "32", "--steps", "100", "--seed", "79", "--pause", "0.03",
    ];
    let mut args = vec!["trial"];
    args.extend(shape);
    let cookie_arg = cookie.to_str().expect("utf-8 path");
    args.extend(["--cluster", &node.addr, "--cookie-file", cookie_arg]);
    args.extend(["--report", remote.to_str().expect("utf-8 path")]);
    let mut trial = Driver::start(&args);
    trial.wait_started();
    std::thread::sleep(Duration::from_millis(300));
    signal(trial.child.id(), "STOP");
    wait_until(
        Duration::from_secs(20),
        || format!("the node kept a frozen driver's games: {}", node.stderr()),
        || node.stderr().contains("driver stopped answering"),
    );
    assert!(node.stderr().contains("stopped=3"), "{}", node.stderr());
    // Thawed, the driver blames its own silence, not the node's, and restarts its games there.
    signal(trial.child.id(), "CONT");
    assert!(trial.wait(Duration::from_secs(60)), "{}", trial.stderr());
    assert!(!trial.stderr().contains("node lost"), "{}", trial.stderr());
    let (remote, local, restarted) = against_local(dir.path(), &shape, &remote);
    assert_eq!(restarted, 3, "each game restarted once: {remote:?}");
    assert_eq!(
        remote, local,
        "restarted from generation 0, they end as if never stopped"
    );
}

#[test]
fn a_heartbeat_timeout_out_of_bounds_is_refused_in_one_line() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "secret", 0o600);
    let cookie = cookie.to_str().expect("utf-8 path");
    for bad in ["0.5", "601", "NaN"] {
        let (out, _) = colony(
            &[
                "trial",
                "--cluster",
                "127.0.0.1:1",
                "--cookie-file",
                cookie,
                "--heartbeat-timeout",
                bad,
            ],
            Duration::from_secs(20),
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("--heartbeat-timeout must be between 1 and 600 seconds"),
            "{stderr}"
        );
    }
}

/// Certificates for the TLS tests, made in-process (no openssl needed): a CA, and certificates it
/// signs for 127.0.0.1, as PEM files with keys of mode 0600.
mod pki {
    use std::os::unix::fs::PermissionsExt;
    use std::path::{Path, PathBuf};

    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };

    pub struct Ca {
        dir: PathBuf,
        name: String,
        issuer: Issuer<'static, KeyPair>,
    }

    /// A certificate and its key.
    pub struct Identity {
        pub cert: PathBuf,
        pub key: PathBuf,
    }

    impl Ca {
        pub fn new(dir: &Path, name: &str) -> Ca {
            let key = KeyPair::generate().expect("CA key");
            let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.distinguished_name.push(DnType::CommonName, name);
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            let cert = params.self_signed(&key).expect("CA cert");
            std::fs::write(dir.join(format!("{name}.pem")), cert.pem()).expect("write CA");
            Ca {
                dir: dir.to_path_buf(),
                name: name.to_string(),
                issuer: Issuer::new(params, key),
            }
        }

        pub fn pem(&self) -> PathBuf {
            self.dir.join(format!("{}.pem", self.name))
        }

        /// A certificate for 127.0.0.1, good for serving and for clients.
        pub fn issue(&self, name: &str) -> Identity {
            let key = KeyPair::generate().expect("key");
            let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
            params.distinguished_name.push(DnType::CommonName, name);
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
            let cert = params.signed_by(&key, &self.issuer).expect("sign");
            let id = Identity {
                cert: self.dir.join(format!("{}-{name}.pem", self.name)),
                key: self.dir.join(format!("{}-{name}.key", self.name)),
            };
            std::fs::write(&id.cert, cert.pem()).expect("write cert");
            std::fs::write(&id.key, key.serialize_pem()).expect("write key");
            std::fs::set_permissions(&id.key, std::fs::Permissions::from_mode(0o600)).expect("chmod key");
            id
        }
    }
}

/// `--tls-cert C --tls-key K` and, if given, `--tls-ca CA`, as arguments.
fn tls_flags<'a>(id: Option<&'a pki::Identity>, ca: Option<&'a Path>) -> Vec<&'a Path> {
    let mut flags: Vec<&Path> = Vec::new();
    if let Some(id) = id {
        flags.extend([Path::new("--tls-cert"), &id.cert, Path::new("--tls-key"), &id.key]);
    }
    if let Some(ca) = ca {
        flags.extend([Path::new("--tls-ca"), ca]);
    }
    flags
}

fn strs<'a>(paths: &'a [&'a Path]) -> Vec<&'a str> {
    paths.iter().map(|p| p.to_str().expect("utf-8 path")).collect()
}

/// Polls (bounded) until the node has logged `what`.
fn wait_for_log(node: &NodeProc, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !node.stderr().contains(what) {
        assert!(
            Instant::now() < deadline,
            "the node never logged {what:?}: {}",
            node.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_trial_over_two_tls_nodes_reports_what_a_local_run_reports() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "tls-secret", 0o600);
    let ca = pki::Ca::new(dir.path(), "ca");
    let (node_id, driver_id) = (ca.issue("node"), ca.issue("driver"));
    let ca_pem = ca.pem();
    let node_flags = tls_flags(Some(&node_id), Some(&ca_pem));
    let nodes: Vec<NodeProc> = ["n1", "n2"]
        .iter()
        .map(|n| NodeProc::start_with(&cookie, n, &node_flags))
        .collect();
    // A peer that connects and never speaks TLS: its handshake must hold up no one else.
    let _silent = TcpStream::connect(&nodes[0].addr).expect("connect");
    let addrs = nodes.iter().map(|n| n.addr.as_str()).collect::<Vec<_>>().join(",");

    let remote = dir.path().join("remote.json");
    let driver_flags = tls_flags(Some(&driver_id), Some(&ca_pem));
    let mut args = TRIAL.to_vec();
    args.extend([
        "--cluster",
        &addrs,
        "--cookie-file",
        cookie.to_str().expect("utf-8 path"),
    ]);
    args.extend(strs(&driver_flags));
    args.extend(["--report", remote.to_str().expect("utf-8 path")]);
    let (out, took) = colony(&args, Duration::from_secs(60));
    assert!(out.status.success(), "TLS trial failed: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("cluster of 2 nodes over TLS"),
        "{}",
        text(&out.stdout)
    );
    eprintln!("TLS trial took {took:?}");

    let local = dir.path().join("local.json");
    let mut args = TRIAL.to_vec();
    args.extend(["--mode", "actors", "--report", local.to_str().expect("utf-8 path")]);
    let (out, _) = colony(&args, Duration::from_secs(60));
    assert!(out.status.success(), "local trial failed: {}", text(&out.stderr));
    assert_eq!(results(&remote), results(&local), "same seeds, same games, same boards");
    for mut node in nodes {
        assert!(node.is_running(), "node stopped: {}", node.stderr());
        assert_eq!(node.stderr().matches("game spawned").count(), 6, "{}", node.stderr());
    }
}

#[test]
fn a_plaintext_driver_and_a_tls_node_refuse_each_other_within_5_s() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "tls-secret", 0o600);
    let ca = pki::Ca::new(dir.path(), "ca");
    let node_id = ca.issue("node");
    let ca_pem = ca.pem();
    let mut tls_node = NodeProc::start_with(&cookie, "tls", &tls_flags(Some(&node_id), None));
    let cookie_arg = cookie.to_str().expect("utf-8 path");

    let mut args = TRIAL.to_vec();
    args.extend(["--cluster", &tls_node.addr, "--cookie-file", cookie_arg]);
    let (out, took) = colony(&args, Duration::from_secs(20));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(
        stderr.contains(&tls_node.addr) && stderr.contains("a node that requires TLS"),
        "{stderr}"
    );
    wait_for_log(&tls_node, "TLS handshake failed");
    assert!(tls_node.is_running(), "{}", tls_node.stderr());

    // The other way round: a TLS driver at a plaintext node.
    let mut plain_node = NodeProc::start(&cookie, "plain");
    let driver_flags = tls_flags(None, Some(&ca_pem));
    let mut args = TRIAL.to_vec();
    args.extend(["--cluster", &plain_node.addr, "--cookie-file", cookie_arg]);
    args.extend(strs(&driver_flags));
    let (out, took) = colony(&args, Duration::from_secs(20));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(
        stderr.contains(&format!("{}: TLS handshake failed", plain_node.addr)),
        "{stderr}"
    );
    assert!(plain_node.is_running(), "{}", plain_node.stderr());

    // And the TLS node still serves a TLS driver (one-way: no certificate of the driver's own).
    let mut args = vec!["trial", "--games", "2", "--size", "16", "--steps", "5"];
    args.extend(["--cluster", &tls_node.addr, "--cookie-file", cookie_arg]);
    args.extend(strs(&driver_flags));
    let (out, _) = colony(&args, Duration::from_secs(60));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(tls_node.is_running(), "{}", tls_node.stderr());
}

#[test]
fn under_mutual_tls_a_driver_of_another_ca_is_refused() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "tls-secret", 0o600);
    let ca = pki::Ca::new(dir.path(), "ca");
    let other = pki::Ca::new(dir.path(), "other");
    let node_id = ca.issue("node");
    let stranger = other.issue("driver");
    let (ca_pem, other_pem) = (ca.pem(), other.pem());
    let mut node = NodeProc::start_with(&cookie, "n1", &tls_flags(Some(&node_id), Some(&ca_pem)));
    let cookie_arg = cookie.to_str().expect("utf-8 path");

    // It trusts the node's CA, but its own certificate is another CA's.
    let flags = tls_flags(Some(&stranger), Some(&ca_pem));
    let mut args = TRIAL.to_vec();
    args.extend(["--cluster", &node.addr, "--cookie-file", cookie_arg]);
    args.extend(strs(&flags));
    let (out, took) = colony(&args, Duration::from_secs(20));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(stderr.contains("refused this driver's certificate"), "{stderr}");
    wait_for_log(&node, "invalid peer certificate");

    // No certificate at all.
    let flags = tls_flags(None, Some(&ca_pem));
    let mut args = TRIAL.to_vec();
    args.extend(["--cluster", &node.addr, "--cookie-file", cookie_arg]);
    args.extend(strs(&flags));
    let (out, _) = colony(&args, Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    wait_for_log(&node, "peer sent no certificates");

    // A driver that trusts only the other CA refuses the node before the node judges it.
    let flags = tls_flags(Some(&stranger), Some(&other_pem));
    let mut args = TRIAL.to_vec();
    args.extend(["--cluster", &node.addr, "--cookie-file", cookie_arg]);
    args.extend(strs(&flags));
    let (out, took) = colony(&args, Duration::from_secs(20));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(
        stderr.contains("TLS handshake failed") && stderr.contains("not signed by --tls-ca"),
        "{stderr}"
    );
    assert!(node.is_running(), "{}", node.stderr());
}

#[test]
fn half_configured_tls_is_refused_with_one_line() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "tls-secret", 0o600);
    let ca = pki::Ca::new(dir.path(), "ca");
    let id = ca.issue("node");
    let (c, cert, key, ca_pem) = (
        cookie.to_str().expect("utf-8"),
        id.cert.to_str().expect("utf-8"),
        id.key.to_str().expect("utf-8"),
        ca.pem(),
    );
    let ca_arg = ca_pem.to_str().expect("utf-8");
    let node = ["node", "--listen", "127.0.0.1:1", "--cookie-file", c];
    let driver = ["trial", "--cluster", "127.0.0.1:1", "--cookie-file", c];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        ([&node[..], &["--tls-cert", cert]].concat(), "--tls-key"),
        ([&node[..], &["--tls-key", key]].concat(), "--tls-cert"),
        (
            [&node[..], &["--tls-ca", ca_arg]].concat(),
            "needs --tls-cert and --tls-key",
        ),
        ([&driver[..], &["--tls-cert", cert]].concat(), "--tls-key"),
        (
            [&driver[..], &["--tls-cert", cert, "--tls-key", key]].concat(),
            "need --tls-ca",
        ),
        (vec!["trial", "--tls-ca", ca_arg], "add --cluster"),
        (
            [&node[..], &["--tls-cert", ca_arg, "--tls-key", key]].concat(),
            "not the certificate's key",
        ),
    ];
    for (args, expected) in cases {
        let (out, _) = colony(&args, Duration::from_secs(20));
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn colony_nodes_shows_each_node_and_why_one_is_unreachable() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "nodes-secret", 0o600);
    let ca = pki::Ca::new(dir.path(), "ca");
    let (node_id, driver_id) = (ca.issue("node"), ca.issue("driver"));
    let ca_pem = ca.pem();
    let node_flags = tls_flags(Some(&node_id), Some(&ca_pem));
    let mut nodes: Vec<NodeProc> = ["n1", "n2"]
        .iter()
        .map(|n| NodeProc::start_with(&cookie, n, &node_flags))
        .collect();
    let driver_flags = tls_flags(Some(&driver_id), Some(&ca_pem));
    let nobody = format!("127.0.0.1:{}", free_port());
    let addrs = format!("{},{},{nobody}", nodes[0].addr, nodes[1].addr);

    // A trial holds three games while we look: two on n1 and one on n2 (fewest per worker, ties
    // to the node listed first).
    let trial = Command::new(COLONY)
        .args([
            "trial", "--games", "3", "--size", "32", "--steps", "100000", "--pause", "0.05",
        ])
        .args([
            "--cluster",
            &format!("{},{}", nodes[0].addr, nodes[1].addr),
            "--cookie-file",
        ])
        .arg(&cookie)
        .args(&driver_flags)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn trial");
    let mut trial = common::Server(trial);
    let out = trial.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(out).lines().map_while(Result::ok);
        let _ = tx.send(lines.by_ref().find(|l| l.contains("games of")));
        lines.for_each(drop);
    });
    assert!(
        matches!(rx.recv_timeout(Duration::from_secs(30)), Ok(Some(_))),
        "the trial did not start"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while nodes
        .iter()
        .map(|n| n.stderr().matches("game spawned").count())
        .sum::<usize>()
        < 3
    {
        assert!(Instant::now() < deadline, "the games were not placed");
        std::thread::sleep(Duration::from_millis(20));
    }

    let cookie_arg = cookie.to_str().expect("utf-8 path");
    let mut args = vec!["nodes", "--cluster", &addrs, "--cookie-file", cookie_arg];
    args.extend(strs(&driver_flags));
    let (out, took) = colony(&args, Duration::from_secs(30));
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", text(&out.stderr));
    eprintln!("colony nodes took {took:?}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for (line, (name, addr, games)) in lines.iter().zip([("n1", &nodes[0].addr, 2), ("n2", &nodes[1].addr, 1)]) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(&words[..3], [name, addr.as_str(), "up"], "{stdout}");
        assert!(line.contains(&format!("1 workers  {games} games")), "{stdout}");
        assert!(line.contains("MiB") && line.contains("cores"), "{stdout}");
    }
    assert!(
        lines[2].starts_with('-') && lines[2].contains(&format!("{nobody}  unreachable: cannot connect")),
        "{stdout}"
    );

    args.push("--json");
    let (out, _) = colony(&args, Duration::from_secs(30));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let listed = json["nodes"].as_array().expect("nodes");
    assert_eq!(listed.len(), 3, "{json}");
    assert_eq!(listed[0]["name"], "n1", "{json}");
    assert_eq!(listed[0]["state"], "up", "{json}");
    assert_eq!(listed[0]["workers"], 1, "{json}");
    assert_eq!(listed[0]["games"], 2, "{json}");
    assert!(
        listed[0]["memory_bytes"].as_u64().is_some_and(|b| b > 1 << 20),
        "{json}"
    );
    // The node steps its games: some CPU, and no more than its one worker and its I/O threads.
    assert!(
        listed[0]["cpu_cores"].as_f64().is_some_and(|c| (0.0..4.0).contains(&c)),
        "{json}"
    );
    assert_eq!(listed[2]["state"], "unreachable", "{json}");
    assert!(
        listed[2]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("cannot connect")),
        "{json}"
    );
    drop(trial);

    // Nobody left: exit status 1, each node's reason still printed.
    for node in &mut nodes {
        let _ = node.child.kill();
        let _ = node.child.wait();
    }
    args.pop();
    let (out, _) = colony(&args, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).matches("unreachable").count(),
        3,
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("none of the 3 nodes answered"),
        "{}",
        text(&out.stderr)
    );

    // A malformed address is a mistake in the command: status 2.
    let (out, _) = colony(
        &["nodes", "--cluster", "127.0.0.1", "--cookie-file", cookie_arg],
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("expected HOST:PORT"),
        "{}",
        text(&out.stderr)
    );
}

/// The dashboard's `/api/actors` (the `machine` message): its `nodes`.
fn dashboard_nodes(addr: &str) -> Vec<serde_json::Value> {
    let (status, body) = common::http(addr, "GET", "/api/actors", None);
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    json["nodes"].as_array().cloned().unwrap_or_default()
}

#[test]
fn serve_cluster_shows_its_nodes_and_the_one_lost_while_its_trial_goes_on() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "serve-secret", 0o600);
    let mut nodes: Vec<NodeProc> = ["n1", "n2"].iter().map(|n| NodeProc::start(&cookie, n)).collect();
    let addrs = nodes.iter().map(|n| n.addr.as_str()).collect::<Vec<_>>().join(",");
    let child = Command::new(COLONY)
        .args(["serve", "--bind", "127.0.0.1:0", "--cluster", &addrs, "--cookie-file"])
        .arg(&cookie)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start colony serve --cluster");
    let (_server, addr) = common::Server::started(child);
    let body = r#"{"games": 4, "size": 32, "steps": 1000000, "pause": 0.02, "seed": 3}"#;
    let (status, reply) = common::http(&addr, "POST", "/api/trials", Some(body));
    assert_eq!(status, 201, "{reply}");
    let seen = |what: &str, done: &dyn Fn(&[serde_json::Value]) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let shown = dashboard_nodes(&addr);
            if done(&shown) {
                return shown;
            }
            assert!(Instant::now() < deadline, "{what}: the dashboard shows {shown:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let both = seen("both nodes up with two games each", &|n| {
        n.len() == 2
            && n.iter()
                .all(|n| n["state"] == "up" && n["games"] == 2 && n["hosted"] == 2)
    });
    assert_eq!(
        (both[0]["name"].as_str(), both[1]["name"].as_str()),
        (Some("n1"), Some("n2"))
    );
    assert_eq!(both[1]["addr"], nodes[1].addr.as_str());
    assert!(
        both.iter()
            .all(|n| n["workers"] == 1 && n["memory_bytes"].as_u64() > Some(0)),
        "{both:?}"
    );
    seen("a CPU load for each node", &|n| {
        n.iter().all(|n| n["cores"].is_number())
    });

    let _ = nodes[1].child.kill();
    let _ = nodes[1].child.wait();
    let after = seen("n2 lost and its games on n1", &|n| {
        n.len() == 2 && n[1]["state"] == "lost" && n[0]["games"] == 4
    });
    assert!(
        after[1]["reason"].as_str().is_some_and(|r| r.contains("disconnected")),
        "{after:?}"
    );
    let (_, trial) = common::http(&addr, "GET", "/api/trial", None);
    let trial: serde_json::Value = serde_json::from_str(&trial).expect("JSON");
    assert_eq!(trial["status"], "running", "the trial goes on: {trial}");
}

#[test]
fn a_dead_drivers_trial_resumes_on_the_cluster_and_ends_as_a_local_run() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "resume-secret", 0o600);
    let nodes: Vec<NodeProc> = ["n1", "n2"].iter().map(|n| NodeProc::start(&cookie, n)).collect();
    let addrs = nodes.iter().map(|n| n.addr.as_str()).collect::<Vec<_>>().join(",");
    let shape = [
        "--games", "4", "--size", "32", "--steps", "120", "--seed", "91", "--pause", "0.03",
    ];
    let db = dir.path().join("trial.db");
    let (db_arg, cookie_arg) = (db.to_str().expect("utf-8 path"), cookie.to_str().expect("utf-8 path"));
    let mut args = vec!["trial"];
    args.extend(shape);
    args.extend(["--cluster", &addrs, "--cookie-file", cookie_arg]);
    args.extend(["--checkpoint", db_arg, "--checkpoint-every", "10"]);
    let mut driver = Driver::start(&args);
    driver.wait_started();
    wait_until(
        Duration::from_secs(30),
        || format!("no game reached generation 20: {}", driver.stderr()),
        || {
            colony_store::Store::open_read_only(&db)
                .and_then(|store| store.list_trials())
                .is_ok_and(|trials| trials.first().is_some_and(|t| t.min_generation >= 20))
        },
    );
    let _ = driver.child.kill();
    let _ = driver.child.wait();

    let report = dir.path().join("resumed.json");
    let resume = [
        "resume",
        db_arg,
        "--cluster",
        &addrs,
        "--cookie-file",
        cookie_arg,
        "--report",
        report.to_str().expect("utf-8 path"),
    ];
    let (out, _) = colony(&resume, Duration::from_secs(60));
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "resume failed: {}", text(&out.stderr));
    assert!(stdout.contains("cluster of 2 nodes"), "{stdout}");
    assert!(stdout.contains("resuming trial"), "{stdout}");
    let (remote, local, _) = against_local(dir.path(), &shape, &report);
    assert_eq!(
        remote, local,
        "resumed on the nodes, the games end as an uninterrupted local run"
    );
    for node in &nodes {
        assert!(
            node.stderr().contains("game spawned"),
            "each node took games: {}",
            node.stderr()
        );
    }
}

#[test]
fn a_node_stopped_with_sigterm_drains_its_games_move_unrestarted_and_end_as_a_local_run() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "drain-secret", 0o600);
    let mut nodes: Vec<NodeProc> = ["n1", "n2"].iter().map(|n| NodeProc::start(&cookie, n)).collect();
    let addrs = nodes.iter().map(|n| n.addr.as_str()).collect::<Vec<_>>().join(",");
    let shape = [
        "--games", "4", "--size", "32", "--steps", "150", "--seed", "92", "--pause", "0.03",
    ];
    let remote = dir.path().join("remote.json");
    let mut args = vec!["trial"];
    args.extend(shape);
    let cookie_arg = cookie.to_str().expect("utf-8 path");
    args.extend(["--cluster", &addrs, "--cookie-file", cookie_arg]);
    args.extend(["--report", remote.to_str().expect("utf-8 path")]);
    let mut driver = Driver::start(&args);
    driver.wait_started();
    std::thread::sleep(Duration::from_millis(500));
    let asked = Instant::now();
    signal(nodes[1].child.id(), "TERM");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = nodes[1].child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the node did not drain: {}",
            nodes[1].stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let drained_in = asked.elapsed();
    assert!(status.success(), "{}", nodes[1].stderr());
    // Its drain ends when no game is left, long before the 60 s timeout.
    assert!(drained_in < Duration::from_secs(15), "drained in {drained_in:?}");
    assert!(nodes[1].stderr().contains("draining"), "{}", nodes[1].stderr());
    assert!(driver.wait(Duration::from_secs(60)), "{}", driver.stderr());
    let stderr = driver.stderr();
    assert!(
        stderr.contains("node draining") && stderr.contains("node=n2"),
        "{stderr}"
    );
    let (remote, local, restarted) = against_local(dir.path(), &shape, &remote);
    assert_eq!(restarted, 0, "moved games are not restarts: {remote:?}");
    assert_eq!(remote, local, "moved from their latest states, they end as a local run");
    let spawned = nodes[0].stderr().matches("game spawned").count();
    assert_eq!(spawned, 4, "n1 took its two games and n2's two: {}", nodes[0].stderr());
}

#[test]
fn a_drain_timeout_out_of_bounds_is_refused_in_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "drain-bounds", 0o600);
    for bad in ["-1", "3601", "1e300", "NaN"] {
        let out = Command::new(COLONY)
            .args([
                "node",
                "--listen",
                "127.0.0.1:1",
                &format!("--drain-timeout={bad}"),
                "--cookie-file",
            ])
            .arg(&cookie)
            .output()
            .expect("run colony node");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("--drain-timeout"), "{bad}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{bad}: {stderr}");
    }
}

#[test]
fn a_node_that_joins_mid_trial_takes_the_games_of_a_node_killed_after() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "join-secret", 0o600);
    let mut first = NodeProc::start(&cookie, "n1");
    let listen = format!("127.0.0.1:{}", free_port());
    let shape = [
        "--games", "4", "--size", "32", "--steps", "150", "--seed", "93", "--pause", "0.03",
    ];
    let remote = dir.path().join("remote.json");
    let mut args = vec!["trial"];
    args.extend(shape);
    let cookie_arg = cookie.to_str().expect("utf-8 path");
    args.extend([
        "--cluster",
        &first.addr,
        "--cluster-listen",
        &listen,
        "--cookie-file",
        cookie_arg,
    ]);
    args.extend(["--report", remote.to_str().expect("utf-8 path")]);
    let mut driver = Driver::start(&args);
    driver.wait_started();
    let joined = NodeProc::start_with(&cookie, "n2", &[Path::new("--join"), Path::new(&listen)]);
    wait_until(
        Duration::from_secs(10),
        || format!("n2 never joined: {}", driver.stderr()),
        || driver.stderr().contains("node joined"),
    );
    let _ = first.child.kill();
    let _ = first.child.wait();
    assert!(driver.wait(Duration::from_secs(60)), "{}", driver.stderr());
    let (remote, local, restarted) = against_local(dir.path(), &shape, &remote);
    assert_eq!(restarted, 4, "n1's four games restarted: {remote:?}");
    assert_eq!(
        remote, local,
        "restarted on the node that joined, they end as a local run"
    );
    let spawned = joined.stderr().matches("game spawned").count();
    assert_eq!(spawned, 4, "the joined node took every game: {}", joined.stderr());

    // No driver there: refused at once, and the node exits non-zero.
    let lonely = format!("127.0.0.1:{}", free_port());
    let out = Command::new(COLONY)
        .args(["node", "--listen", &lonely, "--join", "127.0.0.1:1", "--cookie-file"])
        .arg(&cookie)
        .output()
        .expect("run colony node");
    assert!(!out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--join"), "{}", text(&out.stderr));

    // A wrong cookie: the driver never greets it, and it says so within the 5 s deadline.
    let listen = format!("127.0.0.1:{}", free_port());
    let serve = Command::new(COLONY)
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--cluster",
            &joined.addr,
            "--cluster-listen",
            &listen,
        ])
        .args(["--cookie-file", cookie_arg])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start colony serve");
    let (_server, _) = common::Server::started(serve);
    let wrong = self::cookie(dir.path(), "wrong", "not-the-secret", 0o600);
    let started = Instant::now();
    let out = Command::new(COLONY)
        .args(["node", "--listen", &lonely, "--join", &listen, "--cookie-file"])
        .arg(&wrong)
        .output()
        .expect("run colony node");
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(stderr.contains("wrong cookie"), "{stderr}");

    // A peer that connects to the driver's listener and says nothing is dropped, as a node drops one.
    let mut silent = TcpStream::connect(&listen).expect("connect to the driver's listener");
    silent
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("read timeout");
    let opened = Instant::now();
    let mut byte = [0u8; 1];
    let read = silent.read(&mut byte);
    let after = opened.elapsed();
    assert!(
        matches!(read, Ok(0) | Err(_)) && after >= Duration::from_secs(9) && after < Duration::from_secs(15),
        "the silent peer got {read:?} after {after:?}"
    );
}

#[test]
fn listen_addresses_are_checked_and_refused_in_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = cookie(dir.path(), "cookie", "listen-bounds", 0o600);
    let cookie_arg = cookie.to_str().expect("utf-8 path");
    let long = format!("{}:7001", "a".repeat(5000));
    let cases: [(&[&str], &str); 4] = [
        (&["node", "--listen", &long], "5005 characters"),
        // Not this machine's address: the reason, not a panic message.
        (
            &["node", "--listen", "192.0.2.1:7001"],
            "Cannot assign requested address",
        ),
        (
            &["trial", "--cluster", "127.0.0.1:1", "--cluster-listen", &long],
            "--cluster-listen",
        ),
        (
            &[
                "trial",
                "--cluster",
                "127.0.0.1:1",
                "--cluster-listen",
                "192.0.2.1:7000",
            ],
            "Cannot assign",
        ),
    ];
    for (args, says) in cases {
        let out = Command::new(COLONY)
            .args(args)
            .args(["--cookie-file", cookie_arg])
            .output()
            .expect("run colony");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(says) && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.len() < 400, "{args:?}: {} bytes", stderr.len());
    }
}
