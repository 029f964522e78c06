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
