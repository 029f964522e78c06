//! Crash safety of the real binary: a checkpointed trial killed with SIGKILL at random moments,
//! then resumed, ends with every board identical to an uninterrupted run; the database is readable
//! after every kill. Set COLONY_FAULT_ITERATIONS to run more rounds by hand (CI runs 10).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const COLONY: &str = env!("CARGO_BIN_EXE_colony");

fn trial_args(db: &Path, report: &Path) -> Vec<String> {
    [
        "trial",
        "--mode",
        "actors",
        "--games",
        "6",
        "--size",
        "256",
        "--steps",
        "30000",
        "--batch-size",
        "50",
        "--seed",
        "9",
        "--checkpoint-every",
        "200",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([
        "--checkpoint".to_string(),
        db.display().to_string(),
        "--report".to_string(),
        report.display().to_string(),
    ])
    .collect()
}

fn fingerprints(report: &Path) -> Vec<(u64, String)> {
    let text = std::fs::read_to_string(report).expect("report");
    let json: Value = serde_json::from_str(&text).expect("json");
    let runs = json["runs"].as_array().expect("runs");
    runs[runs.len() - 1]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["generation"].as_u64().expect("generation"),
                r["fingerprint"].as_str().expect("fingerprint").to_string(),
            )
        })
        .collect()
}

fn run_ok(args: &[String]) -> std::process::Output {
    let out = Command::new(COLONY).args(args).output().expect("run colony");
    assert!(
        out.status.success(),
        "colony {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// splitmix64, so a failing round can be replayed from its seed.
fn next(state: &mut u64) -> u64 {
    colony_life::splitmix64(state)
}

#[test]
fn sigkill_at_random_moments_then_resume_gives_identical_boards() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reference_report = dir.path().join("reference.json");
    let started = Instant::now();
    run_ok(&trial_args(&dir.path().join("reference.db"), &reference_report));
    let uninterrupted = started.elapsed();
    let reference = fingerprints(&reference_report);
    assert_eq!(reference.len(), 6);
    assert!(reference.iter().all(|(g, _)| *g == 30000));

    let iterations: u64 = std::env::var("COLONY_FAULT_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let mut rng = 0xC0_10_4E_u64;
    let mut mid_run_kills = 0;
    let mut unfinished_at_kill = 0;
    for round in 0..iterations {
        let seed = rng;
        let db = dir.path().join(format!("round{round}.db"));
        let report = dir.path().join(format!("round{round}.json"));
        let mut child = Command::new(COLONY)
            .args(trial_args(&db, &report))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        // Kill somewhere between 10% and 90% of an uninterrupted run.
        let fraction = 0.1 + (next(&mut rng) % 800) as f64 / 1000.0;
        std::thread::sleep(uninterrupted.mul_f64(fraction));
        let finished_anyway = child.try_wait().expect("try_wait").is_some();
        child.kill().ok(); // SIGKILL
        child.wait().expect("reap");
        if !finished_anyway {
            mid_run_kills += 1;
        }
        // The database is readable after every kill (or, killed before creating it, absent).
        if !db.exists() {
            continue;
        }
        let listed = Command::new(COLONY)
            .args(["checkpoints", &db.display().to_string()])
            .output()
            .expect("checkpoints");
        assert!(
            listed.status.success(),
            "round {round} (rng seed {seed:#x}): database unreadable after kill: {}",
            String::from_utf8_lossy(&listed.stderr)
        );
        let listing = String::from_utf8_lossy(&listed.stdout);
        if listing.contains("no trials") {
            continue; // killed between creating the file and recording the trial
        }
        if listing.contains("unfinished") {
            unfinished_at_kill += 1;
        }
        // Every other round, kill the resume too before resuming again.
        if round % 2 == 1 {
            let mut resume = Command::new(COLONY)
                .args(["resume", &db.display().to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn resume");
            std::thread::sleep(Duration::from_millis(next(&mut rng) % 200));
            resume.kill().ok();
            resume.wait().expect("reap resume");
        }
        run_ok(&[
            "resume".to_string(),
            db.display().to_string(),
            "--report".to_string(),
            report.display().to_string(),
        ]);
        assert_eq!(
            fingerprints(&report),
            reference,
            "round {round} (rng seed {seed:#x}, killed at {:.0}% of the run): boards differ from the uninterrupted run",
            fraction * 100.0
        );
    }
    assert!(
        mid_run_kills * 2 >= iterations,
        "most kills must land mid-run ({mid_run_kills}/{iterations})"
    );
    eprintln!(
        "{iterations} rounds: {mid_run_kills} kills before the run ended, {unfinished_at_kill} left it unfinished"
    );
    // Timing on a shared machine varies; a third of the rounds must still have caught the trial
    // mid-way, or the test would prove nothing.
    assert!(
        unfinished_at_kill * 3 >= iterations,
        "too few kills left the trial unfinished ({unfinished_at_kill}/{iterations})"
    );
}

#[test]
fn bad_databases_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = dir.path().join("notes.db");
    std::fs::write(&text, "this is not a database\n").expect("write");
    let truncated = dir.path().join("truncated.db");
    run_ok(&trial_args(&truncated, &dir.path().join("r.json")));
    let bytes = std::fs::read(&truncated).expect("read");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).expect("truncate");
    let _ = std::fs::remove_file(dir.path().join("truncated.db-wal"));
    for (path, words) in [
        (dir.path().join("missing.db"), "missing"),
        (text, "not"),
        (truncated, "truncated.db"),
    ] {
        for command in ["resume", "checkpoints"] {
            let out = Command::new(COLONY)
                .args([command, &path.display().to_string()])
                .output()
                .expect("run");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command} {}: {stderr}", path.display());
            assert!(!stderr.contains("panicked"), "{stderr}");
            assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
            assert!(
                stderr.contains(&path.display().to_string()) || stderr.contains(words),
                "{stderr}"
            );
        }
    }
}
