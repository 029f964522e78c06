//! End-to-end tests of `colony play` (and the help of every command): they run the built `colony`
//! binary and check what a user sees — the tutorial's text format, the summary line, seeds, pattern
//! files written and read back, placement, and one clear line with exit code 2 for each class of bad
//! input.

use std::path::Path;

use assert_cmd::Command;

/// `--seed 3 --size 100 --steps 50`: final population computed by the independent Python baseline,
/// `python3 ../shared/baseline/tutorial_baseline.py --mode sequential --games 1 --size 100 --steps 50
/// --seed 3` (`final populations: 1199`), which builds its soup with the same splitmix64 recipe.
const BASELINE_SEED3_SIZE100_STEPS50: u64 = 1199;
/// `--seed 7 --size 10 --steps 2`: same source, `tutorial_baseline.py --size 10 --steps 2 --seed 7`
/// prints `final populations: 21`.
const BASELINE_SEED7_SIZE10_STEPS2: u64 = 21;

/// What one run of the binary produced.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The last line of stdout: the summary line.
    fn summary(&self) -> &str {
        self.stdout.lines().last().unwrap_or_default()
    }

    /// Everything on stdout before the summary line (the boards).
    fn boards(&self) -> &str {
        let end = self.stdout.trim_end_matches('\n').rfind('\n').unwrap_or(0);
        &self.stdout[..end]
    }

    /// The `population N` figure of the summary line.
    fn population(&self) -> u64 {
        summary_field(self.summary(), "population ")
            .parse()
            .unwrap_or_else(|e| panic!("bad population in {:?}: {e}", self.summary()))
    }
}

fn colony() -> Command {
    Command::new(env!("CARGO_BIN_EXE_colony"))
}

fn run_in(dir: Option<&Path>, args: &[&str]) -> Run {
    let mut cmd = colony();
    cmd.args(args).env_remove("RUST_LOG");
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let out = cmd.output().expect("colony runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

fn run(args: &[&str]) -> Run {
    run_in(None, args)
}

/// Runs and demands success.
fn ok(args: &[&str]) -> Run {
    let r = run(args);
    assert_eq!(
        r.code, 0,
        "colony {args:?} failed\nstdout:\n{}\nstderr:\n{}",
        r.stdout, r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "panic in stderr: {}", r.stderr);
    r
}

/// The text after `key` in a summary line, up to the next comma.
fn summary_field<'a>(summary: &'a str, key: &str) -> &'a str {
    let start = summary.find(key).unwrap_or_else(|| panic!("no {key:?} in {summary:?}")) + key.len();
    let rest = &summary[start..];
    &rest[..rest.find(',').unwrap_or(rest.len())]
}

/// Checks the summary line's shape: `generation G, population P, outcome O, T s, R cell updates/s (...)`.
fn assert_summary(summary: &str, generation: u64) {
    assert!(
        summary.starts_with(&format!("generation {generation}, population ")),
        "summary line {summary:?} does not start with generation {generation}"
    );
    summary_field(summary, "population ")
        .parse::<u64>()
        .expect("population is a number");
    assert!(
        !summary_field(summary, "outcome ").is_empty(),
        "no outcome in {summary:?}"
    );
    let fields: Vec<&str> = summary.split(", ").collect();
    let elapsed = fields.get(3).expect("elapsed field");
    let seconds = elapsed
        .strip_suffix(" s")
        .unwrap_or_else(|| panic!("elapsed {elapsed:?} lacks ' s'"));
    seconds.parse::<f64>().expect("elapsed is a number");
    let rate = fields.get(4).expect("rate field");
    let (rate, _) = rate
        .split_once(" cell updates/s")
        .unwrap_or_else(|| panic!("no cell updates/s in {summary:?}"));
    rate.parse::<f64>().expect("rate is a number");
}

/// The tutorial's format for one row: `| ` + cells joined by spaces + ` |`.
fn row(cells: &str) -> String {
    let cells: Vec<String> = cells
        .chars()
        .map(|c| if c == '*' { "*".into() } else { " ".into() })
        .collect();
    format!("| {} |", cells.join(" "))
}

fn board(rows: &[&str]) -> String {
    rows.iter().map(|r| row(r)).collect::<Vec<_>>().join("\n")
}

/// Bad input: exit code 2, no panic, nothing on stdout, and `fragment` on the one line of stderr.
fn assert_bad_input(dir: Option<&Path>, args: &[&str], fragment: &str) -> String {
    let r = run_in(dir, args);
    assert_eq!(
        r.code, 2,
        "colony {args:?}: exit code\nstdout:\n{}\nstderr:\n{}",
        r.stdout, r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "colony {args:?} panicked: {}", r.stderr);
    assert!(r.stdout.is_empty(), "colony {args:?} printed on stdout: {}", r.stdout);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "colony {args:?}: want one stderr line, got:\n{}",
        r.stderr
    );
    assert!(
        lines[0].starts_with("colony: error: ") && lines[0].contains(fragment),
        "colony {args:?}: stderr {:?} lacks {fragment:?}",
        lines[0]
    );
    r.stderr
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

// ---------------------------------------------------------------------------------------------
// Output format

#[test]
fn print_every_blinker_is_the_tutorial_text_exactly() {
    let r = ok(&[
        "play",
        "--pattern",
        "blinker",
        "--size",
        "5",
        "--steps",
        "2",
        "--topology",
        "torus",
        "--print",
        "every",
    ]);
    let horizontal = board(&["     ", "     ", " *** ", "     ", "     "]);
    let vertical = board(&["     ", "  *  ", "  *  ", "  *  ", "     "]);
    let expected = format!("Initial state:\n{horizontal}\n\nstate #1:\n{vertical}\n\nstate #2:\n{horizontal}\n");
    // Spelled out once, so a mistake in `board` cannot hide a mistake in the binary.
    assert_eq!(
        horizontal,
        "|           |\n|           |\n|   * * *   |\n|           |\n|           |"
    );
    assert_eq!(&r.stdout[..r.stdout.len() - r.summary().len() - 1], expected);
    assert!(r.stdout.ends_with('\n'));
    assert_summary(r.summary(), 2);
    assert!(
        r.summary()
            .starts_with("generation 2, population 3, outcome oscillating (period 2), "),
        "{}",
        r.summary()
    );
    // A pattern run has no seed to report.
    assert!(r.stderr.is_empty(), "unexpected stderr: {}", r.stderr);
}

#[test]
fn print_every_glider_on_bounded_board_with_rule_in_golly_form() {
    // A glider in the top-left corner of a 6x6 bounded board, one generation; the rule in Golly's
    // `S/B` form must mean Conway's rule.
    let r = ok(&[
        "play",
        "--pattern",
        "glider",
        "--size",
        "6",
        "--at",
        "0,0",
        "--steps",
        "1",
        "--topology",
        "bounded",
        "--rule",
        "23/3",
        "--print",
        "every",
    ]);
    let g0 = board(&[" *    ", "  *   ", "***   ", "      ", "      ", "      "]);
    let g1 = board(&["      ", "* *   ", " **   ", " *    ", "      ", "      "]);
    assert_eq!(r.boards(), format!("Initial state:\n{g0}\n\nstate #1:\n{g1}"));
    assert_summary(r.summary(), 1);
    assert!(r.summary().contains("population 5,"), "{}", r.summary());
    assert!(r.summary().contains("6x6 bounded B3/S23"), "{}", r.summary());
}

#[test]
fn summary_line_is_last_in_every_print_mode() {
    for mode in ["every", "last", "none"] {
        let r = ok(&["play", "--size", "8", "--steps", "3", "--seed", "11", "--print", mode]);
        assert!(r.stdout.ends_with('\n'), "--print {mode}: stdout lacks a final newline");
        assert_summary(r.summary(), 3);
        assert_eq!(
            r.stdout.matches("generation ").count(),
            1,
            "--print {mode}: one summary line"
        );
        let states = r.stdout.matches("state #").count();
        let expected_states = match mode {
            "every" => 3,
            "last" => 1,
            _ => 0,
        };
        assert_eq!(states, expected_states, "--print {mode}:\n{}", r.stdout);
        if mode == "none" {
            assert_eq!(r.stdout.lines().count(), 1, "--print none prints only the summary");
        }
        if mode == "last" {
            assert!(
                r.stdout.contains("state #3:\n"),
                "--print last shows the final generation"
            );
        }
    }
}

#[test]
fn print_last_is_the_last_board_of_print_every() {
    let every = ok(&["play", "--size", "9", "--steps", "4", "--seed", "5", "--print", "every"]);
    let last = ok(&["play", "--size", "9", "--steps", "4", "--seed", "5", "--print", "last"]);
    let final_board = last
        .boards()
        .split("state #4:\n")
        .nth(1)
        .expect("state #4 in --print last");
    assert!(every.boards().ends_with(&format!("state #4:\n{final_board}")));
}

// ---------------------------------------------------------------------------------------------
// Seeds and populations

#[test]
fn same_seed_gives_same_boards_and_another_seed_does_not() {
    let args = |seed: &'static str| {
        [
            "play", "--size", "16", "--steps", "5", "--seed", seed, "--print", "every",
        ]
    };
    let a = ok(&args("42"));
    let b = ok(&args("42"));
    let c = ok(&args("43"));
    assert_eq!(a.boards(), b.boards());
    assert_eq!(a.population(), b.population());
    assert_ne!(a.boards(), c.boards());
    assert!(
        a.summary().contains("seed 42"),
        "the summary repeats the seed: {}",
        a.summary()
    );
}

#[test]
fn omitted_seed_is_reported_and_repeats_the_run() {
    let r = ok(&["play", "--size", "12", "--steps", "3", "--print", "last"]);
    // On stderr: `seed S (repeat with --seed S)`; in the summary: `, seed S)`.
    let line = r
        .stderr
        .lines()
        .find(|l| l.starts_with("seed "))
        .expect("seed reported on stderr");
    let seed = line["seed ".len()..].split(' ').next().expect("seed value");
    seed.parse::<u64>().expect("seed is a u64");
    assert!(line.contains(&format!("--seed {seed}")), "{line}");
    assert!(r.summary().contains(&format!("seed {seed})")), "{}", r.summary());
    let again = ok(&[
        "play", "--size", "12", "--steps", "3", "--print", "last", "--seed", seed,
    ]);
    assert_eq!(r.boards(), again.boards());
}

#[test]
fn populations_match_the_python_baseline() {
    let r = ok(&[
        "play", "--seed", "3", "--steps", "50", "--size", "100", "--print", "none",
    ]);
    assert_summary(r.summary(), 50);
    assert_eq!(r.population(), BASELINE_SEED3_SIZE100_STEPS50, "{}", r.summary());
    let r = ok(&["play", "--seed", "7", "--size", "10", "--steps", "2", "--print", "none"]);
    assert_eq!(r.population(), BASELINE_SEED7_SIZE10_STEPS2, "{}", r.summary());
}

// ---------------------------------------------------------------------------------------------
// Pattern files: written, read back, their own grids

#[test]
fn out_rle_torus_round_trips_and_carries_the_grid() {
    let dir = temp();
    let file = dir.path().join("x.rle");
    let written = ok(&[
        "play",
        "--width",
        "13",
        "--height",
        "12",
        "--seed",
        "5",
        "--steps",
        "3",
        "--print",
        "last",
        "--out",
        path_str(&file),
    ]);
    let text = std::fs::read_to_string(&file).expect("x.rle written");
    let header = text.lines().find(|l| !l.starts_with('#')).expect("RLE header");
    assert!(header.starts_with("x = 13, y = 12"), "{header}");
    assert!(header.contains("rule = B3/S23:T13,12"), "{header}");
    // The file brings its own 13x12 torus: no size flags.
    let read = ok(&["play", "--pattern", path_str(&file), "--steps", "0", "--print", "last"]);
    assert_eq!(
        written.boards().replace("state #3:", "state #0:"),
        read.boards(),
        "board written to .rle and read back differs"
    );
    assert_eq!(written.population(), read.population());
    assert!(read.summary().contains("13x12 torus B3/S23"), "{}", read.summary());
}

#[test]
fn out_rle_bounded_carries_p_suffix_and_round_trips() {
    let dir = temp();
    let file = dir.path().join("b.rle");
    let written = ok(&[
        "play",
        "--size",
        "9",
        "--seed",
        "5",
        "--steps",
        "3",
        "--topology",
        "bounded",
        "--rule",
        "B36/S23",
        "--print",
        "last",
        "--out",
        path_str(&file),
    ]);
    let text = std::fs::read_to_string(&file).expect("b.rle written");
    let header = text.lines().find(|l| !l.starts_with('#')).expect("RLE header");
    assert!(header.contains("rule = B36/S23:P9,9"), "{header}");
    let read = ok(&["play", "--pattern", path_str(&file), "--steps", "0", "--print", "last"]);
    assert_eq!(written.boards().replace("state #3:", "state #0:"), read.boards());
    assert!(read.summary().contains("9x9 bounded B36/S23"), "{}", read.summary());
}

#[test]
fn out_cells_round_trips_on_the_same_board() {
    let dir = temp();
    let file = dir.path().join("x.cells");
    // A corner glider: a writer that trimmed empty rows/columns would come back shifted (centred).
    let written = ok(&[
        "play",
        "--pattern",
        "glider",
        "--size",
        "10",
        "--at",
        "0,0",
        "--steps",
        "2",
        "--print",
        "last",
        "--out",
        path_str(&file),
    ]);
    let soup = ok(&[
        "play",
        "--size",
        "11",
        "--seed",
        "9",
        "--steps",
        "1",
        "--print",
        "last",
        "--out",
        path_str(&dir.path().join("s.cells")),
    ]);
    let read = ok(&[
        "play",
        "--pattern",
        path_str(&file),
        "--size",
        "10",
        "--steps",
        "0",
        "--print",
        "last",
    ]);
    assert_eq!(written.boards().replace("state #2:", "state #0:"), read.boards());
    let read_soup = ok(&[
        "play",
        "--pattern",
        path_str(&dir.path().join("s.cells")),
        "--size",
        "11",
        "--steps",
        "0",
        "--print",
        "last",
    ]);
    assert_eq!(soup.boards().replace("state #1:", "state #0:"), read_soup.boards());
    assert_eq!(soup.population(), read_soup.population());
}

#[test]
fn rle_with_torus_suffix_brings_its_own_board() {
    let dir = temp();
    let file = dir.path().join("t64.rle");
    std::fs::write(&file, "#N glider\nx = 3, y = 3, rule = B3/S23:T64,64\nbo$2bo$3o!\n").expect("write");
    let r = ok(&["play", "--pattern", path_str(&file), "--steps", "4", "--print", "last"]);
    let rows: Vec<&str> = r.boards().lines().skip_while(|l| !l.starts_with('|')).collect();
    assert_eq!(rows.len(), 64, "64 rows");
    assert!(rows.iter().all(|l| l.len() == 2 * 64 + 3), "64 columns per row");
    assert!(r.summary().contains("population 5,"), "{}", r.summary());
    assert!(r.summary().contains("64x64 torus B3/S23"), "{}", r.summary());

    // `:P` gives a bounded board of its own size; a glider flying into the edge there becomes a block.
    let file = dir.path().join("p8.rle");
    std::fs::write(&file, "x = 3, y = 3, rule = B3/S23:P8,6\nbo$2bo$3o!\n").expect("write");
    let r = ok(&["play", "--pattern", path_str(&file), "--steps", "30", "--print", "none"]);
    assert!(r.summary().contains("8x6 bounded"), "{}", r.summary());
    assert!(
        r.summary().contains("population 4, outcome still life"),
        "{}",
        r.summary()
    );
}

// ---------------------------------------------------------------------------------------------
// Placement

#[test]
fn at_places_the_pattern_top_left_corner() {
    let r = ok(&[
        "play",
        "--pattern",
        "glider",
        "--size",
        "5",
        "--at",
        "2,1",
        "--steps",
        "0",
        "--print",
        "every",
    ]);
    let expected = board(&["     ", "   * ", "    *", "  ***", "     "]);
    assert_eq!(r.boards(), format!("Initial state:\n{expected}"));
    // Without --at the pattern is centred: (5-3)/2 = 1.
    let r = ok(&[
        "play",
        "--pattern",
        "glider",
        "--size",
        "5",
        "--steps",
        "0",
        "--print",
        "every",
    ]);
    let expected = board(&["     ", "  *  ", "   * ", " *** ", "     "]);
    assert_eq!(r.boards(), format!("Initial state:\n{expected}"));
}

#[test]
fn at_outside_the_board_is_an_error() {
    assert_bad_input(
        None,
        &[
            "play",
            "--pattern",
            "glider",
            "--size",
            "5",
            "--at",
            "3,3",
            "--steps",
            "0",
        ],
        "does not fit",
    );
    assert_bad_input(
        None,
        &[
            "play",
            "--pattern",
            "glider",
            "--size",
            "5",
            "--at",
            "-1,0",
            "--steps",
            "0",
        ],
        "does not fit",
    );
    assert_bad_input(
        None,
        &["play", "--size", "5", "--at", "0,0", "--steps", "0"],
        "--at needs --pattern",
    );
}

// ---------------------------------------------------------------------------------------------
// Bad input: exit code 2, one line, no panic

#[test]
fn missing_pattern_file() {
    let dir = temp();
    let missing = dir.path().join("nope.rle");
    assert_bad_input(
        None,
        &["play", "--pattern", path_str(&missing), "--steps", "0"],
        "nope.rle",
    );
    assert_bad_input(
        None,
        &["play", "--pattern", path_str(&missing), "--steps", "0"],
        "does not exist",
    );
}

#[test]
fn malformed_rle_names_file_line_and_column() {
    let dir = temp();
    let file = dir.path().join("bad.rle");
    // Line 3, column 6 is the `-`.
    std::fs::write(&file, "#C a comment\nx = 3, y = 3, rule = B3/S23\nbo$2b-o$3o!\n").expect("write");
    assert_bad_input(
        None,
        &["play", "--pattern", path_str(&file), "--size", "5", "--steps", "0"],
        &format!("{}:3:6:", file.display()),
    );
    // A bad run count (zero) at line 2, column 8.
    std::fs::write(&file, "x = 3, y = 3\nbo$2bo$0o!\n").expect("write");
    assert_bad_input(
        None,
        &["play", "--pattern", path_str(&file), "--size", "5", "--steps", "0"],
        &format!("{}:2:8:", file.display()),
    );
    // A broken header.
    std::fs::write(&file, "x = 3, y = three\nbo!\n").expect("write");
    assert_bad_input(
        None,
        &["play", "--pattern", path_str(&file), "--size", "5", "--steps", "0"],
        &format!("{}:1:", file.display()),
    );
    // The same with a relative path: the message shows it as given.
    std::fs::write(&file, "x = 3, y = 1\n4o!\n").expect("write");
    assert_bad_input(
        Some(dir.path()),
        &["play", "--pattern", "bad.rle", "--size", "5", "--steps", "0"],
        "bad.rle:2:",
    );
}

#[test]
fn malformed_cells_names_file_line_and_column() {
    let dir = temp();
    let file = dir.path().join("bad.cells");
    std::fs::write(&file, "!Name: bad\n.O.\n..X\n").expect("write");
    assert_bad_input(
        None,
        &["play", "--pattern", path_str(&file), "--size", "5", "--steps", "0"],
        &format!("{}:3:3:", file.display()),
    );
}

#[test]
fn pattern_larger_than_the_board() {
    assert_bad_input(
        None,
        &["play", "--pattern", "gosper-glider-gun", "--size", "10", "--steps", "0"],
        "does not fit",
    );
    let dir = temp();
    let file = dir.path().join("small-grid.rle");
    std::fs::write(&file, "x = 3, y = 3, rule = B3/S23:T2,2\nbo$2bo$3o!\n").expect("write");
    assert_bad_input(
        None,
        &["play", "--pattern", path_str(&file), "--steps", "0"],
        "does not fit",
    );
}

#[test]
fn zero_size() {
    assert_bad_input(None, &["play", "--size", "0", "--steps", "0"], "size");
    assert_bad_input(None, &["play", "--width", "0", "--height", "4", "--steps", "0"], "size");
}

#[test]
fn impossible_rule() {
    let stderr = assert_bad_input(
        None,
        &["play", "--size", "5", "--rule", "B9/S3", "--steps", "0"],
        "B9/S3",
    );
    assert!(stderr.contains("rule"), "{stderr}");
}

#[test]
fn negative_density() {
    assert_bad_input(
        None,
        &["play", "--size", "5", "--density", "-0.5", "--steps", "0"],
        "density",
    );
    assert_bad_input(
        None,
        &["play", "--size", "5", "--density", "1.5", "--steps", "0"],
        "density",
    );
}

#[test]
fn unknown_pattern_name() {
    let stderr = assert_bad_input(
        None,
        &["play", "--pattern", "no-such-pattern", "--steps", "0"],
        "no-such-pattern",
    );
    assert!(stderr.contains("glider"), "the message lists the known names: {stderr}");
}

#[test]
fn unknown_topology() {
    // Rejected by clap, reported on one line like every error: the value, the flag and the
    // possible values.
    let r = run(&["play", "--topology", "klein", "--steps", "0"]);
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains("panicked"));
    assert!(r.stdout.is_empty());
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    let line = r.stderr.trim_end();
    assert!(
        line.starts_with("colony: error: ")
            && line.contains("'klein'")
            && line.contains("--topology")
            && line.contains("torus"),
        "{line}"
    );
}

#[test]
fn out_with_a_bad_extension() {
    let dir = temp();
    let file = dir.path().join("board.png");
    assert_bad_input(
        None,
        &[
            "play",
            "--size",
            "5",
            "--seed",
            "1",
            "--steps",
            "0",
            "--out",
            path_str(&file),
        ],
        ".rle or .cells",
    );
    assert!(!file.exists(), "nothing is written");
}

// ---------------------------------------------------------------------------------------------
// Help

/// The subcommand names listed under `Commands:` in a help text (clap's own `help` left out).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn help_of_every_command_succeeds() {
    // Walks the command tree from `colony --help`, so commands added later are covered too.
    let mut pending = vec![Vec::<String>::new()];
    let mut seen = Vec::new();
    while let Some(path) = pending.pop() {
        let mut args = path.clone();
        args.push("--help".into());
        let assert = colony().args(&args).assert().success();
        let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
        assert!(out.contains("Usage:"), "colony {args:?}:\n{out}");
        for name in subcommands(&out) {
            let mut child = path.clone();
            child.push(name);
            pending.push(child);
        }
        seen.push(path.join(" "));
    }
    for required in ["", "play", "bench", "bench engine"] {
        assert!(
            seen.iter().any(|s| s == required),
            "colony {required} --help not reached; saw {seen:?}"
        );
    }
    let play = colony().args(["play", "--help"]).assert().success();
    let text = String::from_utf8_lossy(&play.get_output().stdout).into_owned();
    for flag in [
        "--size",
        "--width",
        "--height",
        "--steps",
        "--seed",
        "--density",
        "--pattern",
        "--at",
        "--rule",
        "--topology",
        "--print",
        "--out",
        "--history",
    ] {
        assert!(text.contains(flag), "play --help lacks {flag}");
    }
}

#[test]
fn one_board_on_several_threads_gives_the_same_boards() {
    // 320x300 = 96,000 cells: past the size at which a board's rows are split between threads,
    // with stripes that do not divide its height evenly.
    let base = [
        "play", "--width", "320", "--height", "300", "--seed", "11", "--steps", "40", "--print", "every",
    ];
    let with = |threads: &str| {
        let mut args = base.to_vec();
        args.extend(["--threads", threads]);
        ok(&args)
    };
    let one = with("1");
    assert_eq!(one.boards().lines().filter(|l| l.starts_with("state #")).count(), 40);
    for threads in ["2", "3", "7"] {
        let many = with(threads);
        assert!(
            many.boards() == one.boards(),
            "--threads {threads} printed other boards than --threads 1"
        );
        assert_eq!(
            many.summary().split(", ").take(3).collect::<Vec<_>>(),
            one.summary().split(", ").take(3).collect::<Vec<_>>()
        );
    }
}
