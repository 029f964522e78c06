//! Hostile requests against the real binary under a memory cap (`prlimit --as`, 1 GiB): the
//! requests that used to abort the server or the CLI (a batch of a billion generations made one
//! reply allocate gigabytes) are served in bounded memory or refused with a clear error, and the
//! process lives on.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{http, Server};

/// Address space the process may map: far below what the old replies needed (8 GiB and more).
const CAP_BYTES: u64 = 1 << 30;

fn capped() -> Option<Command> {
    common::capped(CAP_BYTES)
}

#[test]
fn a_huge_batch_does_not_abort_the_server() {
    let Some(mut command) = capped() else { return };
    let child = command
        .args(["serve", "--bind", "127.0.0.1:0", "--workers", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start colony serve");
    let (server, url) = Server::started(child);
    // The issue's request: one 1x1 game, a billion generations in one batch. The reply is one
    // summary, and the game, settled at once, jumps to the end.
    let huge = r#"{"games":1,"size":1,"steps":1000000000,"batch_size":1000000000}"#;
    let (status, body) = http(&url, "POST", "/api/trials", Some(huge));
    assert_eq!(status, 201, "{body}");
    let started = Instant::now();
    loop {
        let (status, body) = http(&url, "GET", "/api/trial", None);
        assert_eq!(status, 200, "{body}");
        if body.contains(r#""status":"finished""#) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{body}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, games) = http(&url, "GET", "/api/games", None);
    assert!(games.contains(r#""generation":1000000000"#), "{games}");
    // A board that keeps running through a billion-generation batch: the server keeps answering,
    // and the game can be killed mid-batch.
    let long = r#"{"games":1,"size":2048,"steps":1000000000,"batch_size":1000000000,"seed":1}"#;
    let (status, body) = http(&url, "POST", "/api/trials", Some(long));
    assert_eq!(status, 201, "{body}");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(1) {
        let (status, body) = http(&url, "GET", "/api/trial", None);
        assert_eq!(status, 200, "{body}");
        assert!(body.contains(r#""status":"running""#), "{body}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, body) = http(&url, "POST", "/api/trials", Some(r#"{"games":1024,"size":2048}"#));
    assert_eq!(status, 422, "refused, naming the limit: {body}");
    assert!(body.contains("limit"), "{body}");
    let (status, body) = http(&url, "GET", "/api/trials", None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.matches(r#""status":"running""#).count(), 1, "{body}");
    assert_eq!(body.matches(r#""status":"finished""#).count(), 1, "{body}");
    let (status, body) = http(&url, "DELETE", "/api/games/0", None);
    assert_eq!(status, 200, "a game stepping a huge batch can be killed: {body}");
    let started = Instant::now();
    loop {
        let (_, body) = http(&url, "GET", "/api/trial", None);
        if body.contains(r#""status":"finished""#) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the killed game ends its trial: {body}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);
}

#[test]
fn the_cli_bounds_huge_batches_and_refuses_what_cannot_fit() {
    let Some(mut command) = capped() else { return };
    // The issue's command with a million generations instead of a billion (same code path,
    // test-sized): it used to allocate a summary per generation in both modes.
    let out = command
        .args([
            "trial",
            "--games",
            "1",
            "--size",
            "1",
            "--steps",
            "1000000",
            "--batch-size",
            "1000000",
        ])
        .args(["--mode", "both", "--seed", "3"])
        .output()
        .expect("run colony trial");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("Total time for 1 games").count(), 2, "{text}");

    let Some(mut command) = capped() else { return };
    let out = command
        .args(["trial", "--games", "100000", "--size", "4096", "--steps", "1"])
        .output()
        .expect("run colony trial");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the limit is"), "names the limit: {err}");

    // Flags that used to panic or abort: one line naming the bound, exit 2. A 24-byte RLE declaring
    // 2^36 cells used to be allocated before it was found not to fit.
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.rle");
    std::fs::write(&big, "x = 262144, y = 262144\n3o!\n").expect("write");
    for (args, bound) in [
        (&["trial", "--workers", "3000"][..], "between 1 and 256"),
        (
            &["trial", "--games", "1000000", "--size", "1"][..],
            "between 1 and 100000",
        ),
        (&["trial", "--pause", "1e300"][..], "pause must be between 0 and 3600"),
        (
            &["trial", "--checkpoint", "x.db", "--checkpoint-interval", "1e300"][..],
            "checkpoint-interval",
        ),
        (
            &["trial", "--size", "8", "--pattern", big.to_str().expect("utf-8 path")][..],
            "262144",
        ),
    ] {
        let Some(mut command) = capped() else { return };
        let out = command.args(args).output().expect("run colony");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(bound) && err.lines().count() == 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
