//! The bad-input suite (issue 9, findings 6 to 14): every command under a memory cap
//! (`prlimit --as`, 1 GiB) with extreme values of its flags exits 2 with one line naming the
//! problem, never a panic or an abort; output to a closed pipe ends quietly; outputs are checked
//! before the work and never left half-written; long runs stream instead of piling up.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const COLONY: &str = env!("CARGO_BIN_EXE_colony");

/// Address space a command may map: far below what the refused commands would need.
const CAP_BYTES: u64 = 1 << 30;

fn refused(out: &Output, what: &str) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
    // One line a person reads: no value echoed at length (1e300 is not 301 digits).
    assert!(err.len() < 400, "{what}: {} bytes: {err}", err.len());
    assert!(
        !err.contains("panicked") && err.starts_with("colony: error: "),
        "{what}: {err}"
    );
    err
}

#[test]
fn extreme_flags_are_refused_in_one_line_under_a_memory_cap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = |name: &str| dir.path().join(name).to_string_lossy().to_string();
    // 24 bytes declaring 2^36 cells; a 30-byte RLE whose one run is 10^10 cells long; a run of
    // 10^10 cells inside a declared extent as wide; a pattern with a UTF-8 byte-order mark.
    std::fs::write(path("big.rle"), "x = 262144, y = 262144\n3o!\n").expect("write");
    std::fs::write(path("run.rle"), "x = 10000000000, y = 1\n10000000000o!\n").expect("write");
    let cookie = path("cookie");
    std::fs::write(&cookie, "a cookie of sixteen or more characters\n").expect("write");
    std::fs::set_permissions(&cookie, std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("chmod");
    let long_address = format!("{}:7001", "a".repeat(5000));
    let big = path("big.rle");
    let run = path("run.rle");
    let nowhere = "/nonexistent-colony-dir";
    let report = format!("{nowhere}/r.json");
    let out_rle = format!("{nowhere}/x.rle");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        // Finding 9: one memory budget, the figure and the limit named.
        (
            vec!["play", "--width", "4294967296", "--height", "1", "--steps", "1"],
            "memory budget",
        ),
        (
            vec!["play", "--size", "8192", "--history", "100000", "--steps", "100000"],
            "memory budget",
        ),
        (
            vec!["play", "--pattern", &big, "--size", "262144", "--steps", "1"],
            "memory budget",
        ),
        (
            vec!["render", "--size", "262144", "--steps", "1", "--plot", "p.png"],
            "memory budget",
        ),
        (
            vec!["render", "--size", "262144", "--steps", "1", "--gif", "x.gif"],
            "too wide",
        ),
        (vec!["bench", "actors", "--actors", "100000000"], "memory budget"),
        (vec!["bench", "engine", "--size", "262144"], "memory budget"),
        (
            vec!["trial", "--games", "100000", "--size", "1024", "--steps", "1"],
            "the limit is",
        ),
        (
            vec!["trial", "--games", "30000", "--size", "512", "--steps", "1"],
            "memory budget",
        ),
        (
            vec!["--max-memory", "64MiB", "play", "--size", "8192", "--steps", "10"],
            "64.0 MiB (--max-memory)",
        ),
        (vec!["--max-memory", "lots", "play"], "not a size"),
        (vec!["--max-memory", "1K", "play"], "less than 1 MiB"),
        (vec!["play", "--pattern", &run, "--steps", "1"], "live cells"),
        // Threads for one board: bounded like --workers, refused before any work.
        (vec!["play", "--threads", "0"], "--threads must be between 1 and 256"),
        (
            vec!["play", "--topology", "plane", "--threads", "100000"],
            "--threads must be between 1 and 256",
        ),
        (
            vec!["render", "--threads", "3000", "--png", "t.png"],
            "--threads must be between 1 and 256",
        ),
        (
            vec!["bench", "engine", "--threads", "0"],
            "--threads must be between 1 and 256",
        ),
        // Finding 14: output paths checked before the work; sizes compared before reading.
        (
            vec!["trial", "--games", "2", "--size", "8", "--report", &report],
            "does not exist",
        ),
        (vec!["play", "--steps", "10", "--out", &out_rle], "does not exist"),
        (
            vec!["play", "--size", "100", "--pattern", &big],
            "does not fit on a 100x100 board",
        ),
        (vec!["play", "--pattern", "/dev/zero"], "not a regular file"),
        (
            vec!["play", "--algo", "hashlife", "--size", "10"],
            "--algo hashlife runs the unbounded plane",
        ),
        (
            vec!["play", "--algo", "bitwise", "--topology", "plane"],
            "runs on hashlife",
        ),
        (vec!["trial", "--workers", "0"], "between 1 and 256"),
        (vec!["bench", "actors", "--workers", "3000"], "between 1 and 256"),
        // Finding 13: each cause once.
        (vec!["play", "--history", "0"], "history capacity must be at least 1"),
        (
            vec!["trial", "--checkpoint", "/nonexistent-colony-dir/x.db"],
            "/nonexistent-colony-dir",
        ),
        // Finding 6 and the bounds of issue 8.
        (
            vec!["trial", "--pause", "1e300"],
            "pause must be between 0 and 3600 seconds, got 1e300",
        ),
        (
            vec!["trial", "--checkpoint", "x.db", "--checkpoint-interval", "1e300"],
            "--checkpoint-interval must be a positive number of seconds, got 1e300",
        ),
        (
            vec![
                "trial",
                "--cluster",
                "127.0.0.1:1",
                "--cookie-file",
                &cookie,
                "--heartbeat-timeout",
                "1e300",
            ],
            "--heartbeat-timeout must be between 1 and 600 seconds, got 1e300",
        ),
        (
            vec!["trial", "--density", "1e300"],
            "density must be between 0 and 1, got 1e300",
        ),
        // Addresses are bounded before any lookup, and quoted only in part.
        (
            vec!["trial", "--cluster", &long_address, "--cookie-file", &cookie],
            "5005 characters; HOST:PORT has at most 259",
        ),
        (
            vec!["nodes", "--cluster", &long_address, "--cookie-file", &cookie],
            "5005 characters; HOST:PORT has at most 259",
        ),
        (vec!["play", "--steps=-1"], "--steps"),
        (vec!["play", "--steps", "2^64"], "larger than 18446744073709551615"),
        (
            vec!["play", "--topology", "klein"],
            "possible values: torus, bounded, plane",
        ),
    ];
    for (args, expected) in cases {
        let Some(mut command) = common::capped(CAP_BYTES) else {
            return;
        };
        let started = Instant::now();
        let out = command
            .args(&args)
            .current_dir(dir.path())
            .output()
            .expect("run colony");
        let err = refused(&out, &format!("{args:?}"));
        assert!(err.contains(expected), "{args:?}: expected {expected:?} in {err}");
        // Refused before the work, not after it.
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{args:?} took {:?}",
            started.elapsed()
        );
        // Each cause once (finding 13): no clause of the message repeats.
        let clauses: Vec<&str> = err.trim_end().split(": ").collect();
        for (i, c) in clauses.iter().enumerate() {
            assert!(!clauses[i + 1..].contains(c), "{args:?}: {c:?} repeats in {err}");
        }
    }
}

/// A command whose reader goes away after one line (`| head -1`) ends with success and no panic.
fn reader_leaves_after_one_line(args: &[&str], cwd: &std::path::Path) {
    let mut child = Command::new(COLONY)
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start colony");
    let stdout = child.stdout.take().expect("piped");
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).expect("first line");
    // The pipe's read end is closed here: the next line the command writes fails.
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert!(out.status.success(), "{args:?}: {:?} {err}", out.status);
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let status = Command::new(COLONY)
        .args(["trial", "--games", "3", "--size", "8", "--steps", "5", "--seed", "1"])
        .args(["--checkpoint", "c.db"])
        .current_dir(dir.path())
        .output()
        .expect("run colony trial");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    reader_leaves_after_one_line(&["checkpoints", "c.db"], dir.path());
    reader_leaves_after_one_line(&["resume", "c.db"], dir.path());
    reader_leaves_after_one_line(
        &[
            "trial", "--games", "40", "--size", "8", "--steps", "3", "--mode", "both",
        ],
        dir.path(),
    );
    reader_leaves_after_one_line(&["bench", "engine", "--size", "64", "--steps", "10"], dir.path());
}

#[test]
fn print_every_streams_states_instead_of_holding_them() {
    // Eight million 1x1 states: held at once (the old chunked stepping) they need about 900 MB,
    // more than the cap; streamed, a few kilobytes.
    let Some(mut command) = common::capped(768 << 20) else {
        return;
    };
    let out = command
        .args([
            "play", "--size", "1", "--steps", "8000000", "--print", "every", "--seed", "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run colony play");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn stop_when_settled_stops_where_the_game_settles() {
    // A block is still from the start: the game knows it after one generation (finding 11: it
    // used to run on to 167,773).
    for print in ["none", "every"] {
        let out = Command::new(COLONY)
            .args(["play", "--pattern", "block", "--size", "10", "--steps", "1000000"])
            .args(["--stop-when-settled", "--print", print])
            .output()
            .expect("run colony play");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success());
        assert!(
            text.contains("generation 1, population 4, outcome still life"),
            "{text}"
        );
    }
    // A blinker repeats from generation 2 on (period 2), and a glider on a 16x16 torus returns
    // after 64 generations: it settles there, not at a chunk boundary.
    let out = Command::new(COLONY)
        .args([
            "play",
            "--pattern",
            "glider",
            "--size",
            "16",
            "--steps",
            "10^6",
            "--stop-when-settled",
        ])
        .args(["--print", "none"])
        .output()
        .expect("run colony play");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("generation 64,") && text.contains("period 64"), "{text}");
}

#[test]
fn outputs_appear_whole_or_not_at_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The PNG's folder is missing: refused before the GIF is written (finding 14).
    let out = Command::new(COLONY)
        .args([
            "render",
            "--steps",
            "5",
            "--gif",
            "ok.gif",
            "--png",
            "/nonexistent-colony-dir/a.png",
        ])
        .current_dir(dir.path())
        .output()
        .expect("run colony render");
    refused(&out, "render");
    assert!(
        !dir.path().join("ok.gif").exists(),
        "the GIF was written before the PNG was refused"
    );
    // A render killed mid-way leaves no file where the GIF belongs.
    let mut child = Command::new(COLONY)
        .args([
            "render", "--size", "512", "--scale", "4", "--steps", "100000", "--every", "10",
        ])
        .args(["--gif", "slow.gif", "--seed", "3"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start colony render");
    std::thread::sleep(Duration::from_millis(700));
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert!(
        !dir.path().join("slow.gif").exists(),
        "a killed render left a partial GIF"
    );
    // Past 2^64 - 1 generations, a settled game's pictures still come quickly.
    let started = Instant::now();
    let out = Command::new(COLONY)
        .args([
            "render",
            "--pattern",
            "block",
            "--size",
            "8",
            "--steps",
            "18446744073709551615",
        ])
        .args(["--every", "18446744073709551615", "--gif", "b.gif", "--plot", "p.png"])
        .current_dir(dir.path())
        .output()
        .expect("run colony render");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(dir.path().join("b.gif").exists() && dir.path().join("p.png").exists());
}

#[test]
fn patterns_with_a_byte_order_mark_read_like_any_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bom.rle");
    std::fs::write(&file, "\u{feff}x = 3, y = 1, rule = B3/S23\n3o!\n").expect("write");
    let out = Command::new(COLONY)
        .args([
            "play",
            "--pattern",
            file.to_str().expect("utf-8"),
            "--steps",
            "2",
            "--print",
            "none",
        ])
        .output()
        .expect("run colony play");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("population 3, outcome oscillating (period 2)"), "{text}");
}

#[test]
fn a_trial_of_no_steps_reports_a_possible_cpu_use() {
    let out = Command::new(COLONY)
        .args(["trial", "--games", "4", "--size", "8", "--steps", "0", "--mode", "both"])
        .output()
        .expect("run colony trial");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for line in text
        .lines()
        .filter(|l| l.starts_with("sequential") || l.starts_with("actors"))
    {
        let cpu: f64 = line
            .split_whitespace()
            .last()
            .and_then(|p| p.trim_end_matches('%').parse().ok())
            .unwrap_or(f64::NAN);
        assert!((0.0..=100.0).contains(&cpu), "{line}");
    }
}

#[test]
fn the_last_generation_number_still_has_an_outcome() {
    // The plane's look-ahead used to ask for generation 2^64, which has no number.
    let out = Command::new(COLONY)
        .args([
            "play",
            "--pattern",
            "blinker",
            "--steps",
            "18446744073709551615",
            "--print",
            "none",
        ])
        .output()
        .expect("run colony play");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        text.contains("generation 18446744073709551615, population 3, outcome oscillating (period 2)"),
        "{text}"
    );
    // A glider that far would fly 2^62 cells: past the plane, said so in one line.
    let out = Command::new(COLONY)
        .args(["play", "--pattern", "glider", "--steps", "18446744073709551615"])
        .output()
        .expect("run colony play");
    let err = refused(&out, "glider");
    assert!(err.contains("2^59"), "{err}");
}

#[test]
fn ctrl_c_stops_a_long_run_and_says_where_it_got_to() {
    for args in [
        &[
            "play", "--size", "2000", "--steps", "10^9", "--print", "none", "--seed", "1",
        ][..],
        // HashLife itself (auto moves a soup to HashLife once it settles, and may finish 2^30
        // generations before the signal comes).
        &[
            "play",
            "--topology",
            "plane",
            "--algo",
            "hashlife",
            "--size",
            "1024",
            "--seed",
            "1",
            "--steps",
            "2^30",
            "--print",
            "none",
        ][..],
    ] {
        let child = Command::new(COLONY)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start colony play");
        std::thread::sleep(Duration::from_millis(800));
        let sent = Instant::now();
        let kill = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill -INT");
        assert!(kill.success());
        let out = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&out.stderr);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            sent.elapsed() < Duration::from_secs(10),
            "{args:?}: stopped after {:?}",
            sent.elapsed()
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("interrupted by Ctrl-C at generation"), "{args:?}: {err}");
        assert!(
            text.starts_with("generation "),
            "{args:?}: the summary still comes: {text}"
        );
    }
}

#[test]
fn checkpoints_lists_a_database_in_a_folder_it_cannot_write() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("ro");
    std::fs::create_dir(&folder).expect("mkdir");
    let db = folder.join("r.db");
    let made = Command::new(COLONY)
        .args([
            "trial", "--games", "2", "--size", "8", "--steps", "5", "--seed", "4", "--mode", "actors",
        ])
        .arg("--checkpoint")
        .arg(&db)
        .output()
        .expect("run colony trial");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let mode = |path: &std::path::Path, bits: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(bits)).expect("chmod")
    };
    mode(dir.path(), 0o755);
    mode(&folder, 0o555);
    // Root ignores permissions: list as nobody, with a copy of the binary nobody may run.
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let out = if is_root {
        let binary = dir.path().join("colony");
        std::fs::copy(COLONY, &binary).expect("copy the binary");
        mode(&binary, 0o755);
        match Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&binary)
            .arg("checkpoints")
            .arg(&db)
            .output()
        {
            Ok(out) => out,
            Err(e) => {
                assert!(std::env::var_os("COLONY_REQUIRE_TOOLS").is_none(), "setpriv: {e}");
                eprintln!("setpriv (util-linux) is missing: skipping");
                return;
            }
        }
    } else {
        Command::new(COLONY)
            .arg("checkpoints")
            .arg(&db)
            .output()
            .expect("run colony")
    };
    mode(&folder, 0o755);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("finished"), "{text}");
}
