//! `colony play`: the tutorial's `GameOfLife.py`, done right.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use colony_life::pattern::{self, Format, Grid};
use colony_life::{soup, Board, Game, KernelKind, Rule, State, Topology};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::input;

/// What `--print` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrintMode {
    /// The initial board, then every generation as `state #n:` and its board.
    Every,
    /// Only the final board.
    Last,
    /// No boards, only the summary line.
    None,
}

/// Arguments of `colony play`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  colony play                                  random 100x100 torus, 500 generations
  colony play --size 10 --steps 3 --print every --seed 7
  colony play --pattern gosper-glider-gun --size 60 --steps 300 --out gun.rle
  colony play --pattern soup.rle --print none  an RLE with rule B3/S23:T64,64 brings its own board
  colony play --rule B36/S23 --topology bounded --density 0.3")]
pub struct PlayArgs {
    /// Board width and height (square board) [default: 100].
    #[arg(long, value_name = "N")]
    size: Option<usize>,
    /// Board width (overrides --size).
    #[arg(long, value_name = "N")]
    width: Option<usize>,
    /// Board height (overrides --size).
    #[arg(long, value_name = "N")]
    height: Option<usize>,
    /// Generations to run.
    #[arg(long, value_name = "N", default_value_t = 500)]
    steps: u64,
    /// Seed of the random soup (random when omitted; printed so the run can be repeated).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Fraction of live cells in the random soup, 0 to 1.
    #[arg(long, value_name = "F", default_value_t = 0.5, allow_negative_numbers = true)]
    density: f64,
    /// Start from a pattern instead of a soup: an .rle or .cells file, or a name from the library
    /// (glider, blinker, lwss, pulsar, r-pentomino, acorn, diehard, gosper-glider-gun, ...).
    #[arg(long, value_name = "FILE|NAME")]
    pattern: Option<String>,
    /// Where to put the pattern's top-left corner, as X,Y [default: centred].
    #[arg(long, value_name = "X,Y", value_parser = parse_at, allow_hyphen_values = true)]
    at: Option<(i64, i64)>,
    /// Life-like rule, e.g. B3/S23, B36/S23, 23/3 [default: the pattern's rule, else B3/S23].
    #[arg(long, value_name = "RULE")]
    rule: Option<String>,
    /// What lies past the edges [default: the pattern's grid, else torus].
    #[arg(long, value_enum)]
    topology: Option<TopologyArg>,
    /// Which boards to print.
    #[arg(long, value_enum, default_value_t = PrintMode::Last)]
    print: PrintMode,
    /// Write the final board to FILE (.rle or .cells, by extension).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// States kept in the game's history (the current one included).
    #[arg(long, value_name = "N", default_value_t = colony_life::DEFAULT_HISTORY)]
    history: usize,
    /// Stop early once the game is extinct, still or oscillating.
    #[arg(long)]
    stop_when_settled: bool,
    /// Step kernel: bitwise (fast) or reference (per cell, defines the semantics).
    #[arg(long, default_value = "bitwise", value_parser = parse_kernel)]
    kernel: KernelKind,
}

/// Topology as a command-line value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TopologyArg {
    /// Edges wrap around (the tutorial's board).
    Torus,
    /// Cells past the edges are always dead.
    Bounded,
}

impl From<TopologyArg> for Topology {
    fn from(t: TopologyArg) -> Topology {
        match t {
            TopologyArg::Torus => Topology::Torus,
            TopologyArg::Bounded => Topology::Bounded,
        }
    }
}

fn parse_at(s: &str) -> Result<(i64, i64), String> {
    let (x, y) = s.split_once(',').ok_or_else(|| format!("expected X,Y, got {s:?}"))?;
    let num = |v: &str| {
        v.trim()
            .parse::<i64>()
            .map_err(|e| format!("bad coordinate {v:?}: {e}"))
    };
    Ok((num(x)?, num(y)?))
}

fn parse_kernel(s: &str) -> Result<KernelKind, String> {
    s.parse().map_err(|e: colony_life::LifeError| e.to_string())
}

/// A validated, ready-to-run game description.
struct Setup {
    board: Board,
    rule: Rule,
    topology: Topology,
    seed: Option<u64>,
    source: String,
}

fn setup(args: &PlayArgs) -> Result<Setup> {
    let explicit_size = args.size.is_some() || args.width.is_some() || args.height.is_some();
    let size = args.size.unwrap_or(100);
    let (width, height) = (args.width.unwrap_or(size), args.height.unwrap_or(size));
    let explicit_rule = match &args.rule {
        Some(text) => Some(text.parse::<Rule>()?),
        None => None,
    };
    let Some(spec) = &args.pattern else {
        if args.at.is_some() {
            bail!("--at needs --pattern");
        }
        let seed = args.seed.unwrap_or_else(random_seed);
        let board = soup(width, height, seed, args.density)?;
        return Ok(Setup {
            board,
            rule: explicit_rule.unwrap_or_default(),
            topology: args.topology.map_or(Topology::Torus, Into::into),
            seed: Some(seed),
            source: format!("soup seed {seed} density {}", args.density),
        });
    };
    let pattern = input::load_pattern(spec)?;
    let rule = explicit_rule.or(pattern.rule).unwrap_or_default();
    if args.seed.is_some() || args.density != 0.5 {
        bail!("--seed and --density describe random soups; they cannot be combined with --pattern");
    }
    // A pattern's own grid (Golly's :T/:P suffix) gives the board unless size flags say otherwise;
    // its topology holds unless --topology says otherwise.
    let (width, height) = match (&pattern.grid, explicit_size) {
        (Some(grid), false) => (grid.width, grid.height),
        _ => (width, height),
    };
    let grid_topology = pattern.grid.map(|g| g.topology);
    let topology = args
        .topology
        .map(Into::into)
        .or(grid_topology)
        .unwrap_or(Topology::Torus);
    let mut board = Board::new(width, height)?;
    let (x, y) = args.at.unwrap_or((
        (width as i64 - pattern.board.width() as i64) / 2,
        (height as i64 - pattern.board.height() as i64) / 2,
    ));
    board
        .paste(&pattern.board, x, y)
        .with_context(|| format!("pattern {spec}"))?;
    Ok(Setup {
        board,
        rule,
        topology,
        seed: None,
        source: format!("pattern {spec}"),
    })
}

/// A seed for runs that were not given one.
pub fn random_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(Instant::now())
}

/// Runs `colony play`.
pub fn run(args: PlayArgs) -> Result<()> {
    let out_format = match &args.out {
        Some(path) => Some(
            path.extension()
                .and_then(|e| e.to_str())
                .and_then(Format::from_path_extension)
                .with_context(|| format!("--out {}: the file name must end in .rle or .cells", path.display()))?,
        ),
        None => None,
    };
    let setup = setup(&args)?;
    let (width, height) = (setup.board.width(), setup.board.height());
    tracing::info!(width, height, rule = %setup.rule, topology = %setup.topology, source = %setup.source, "starting game");
    let mut game = Game::new(setup.board, setup.rule, setup.topology)
        .with_history(args.history)?
        .with_kernel(args.kernel);

    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if let Some(seed) = setup.seed {
        // On stderr, so piped board output stays clean; the summary line repeats it.
        eprintln!("seed {seed} (repeat with --seed {seed})");
    }
    if args.print == PrintMode::Every {
        writeln!(out, "Initial state:\n{}", game.current())?;
    }

    let progress = progress_bar(args.steps, game.current().board().cell_count());
    let started = Instant::now();
    let mut elapsed_stepping = Duration::ZERO;
    let mut done = 0u64;
    // Step in chunks so the progress bar and printing don't sit on the hot path.
    let chunk = (1 << 24) / game.current().board().cell_count().max(1) + 1;
    while done < args.steps {
        if args.stop_when_settled && game.outcome().is_settled() {
            break;
        }
        let n = chunk.min(args.steps - done);
        let t = Instant::now();
        if args.print == PrintMode::Every {
            let states = game.step(n);
            elapsed_stepping += t.elapsed();
            for state in &states {
                print_state(&mut out, state)?;
            }
        } else {
            game.advance(n);
            elapsed_stepping += t.elapsed();
        }
        done += n;
        progress.set_position(done);
    }
    progress.finish_and_clear();
    let wall = started.elapsed();
    let current = game.current().clone();
    if args.print == PrintMode::Last {
        writeln!(out, "state #{}:\n{}", current.generation(), current)?;
    }
    if let (Some(path), Some(format)) = (&args.out, out_format) {
        let text = match format {
            Format::Rle => {
                let grid = Grid {
                    topology: game.topology(),
                    width,
                    height,
                };
                pattern::write_rle(current.board(), game.rule(), Some(grid), None)
            }
            Format::Plaintext => pattern::write_plaintext(current.board(), None),
        };
        input::write_file(path, &text)?;
    }
    let updates = done as f64 * current.board().cell_count() as f64;
    let rate = updates / elapsed_stepping.as_secs_f64().max(1e-9);
    let seed = setup.seed.map(|s| format!(", seed {s}")).unwrap_or_default();
    writeln!(
        out,
        "generation {}, population {}, outcome {}, {:.6} s, {} cell updates/s ({}x{} {} {}{seed})",
        current.generation(),
        current.population(),
        game.outcome(),
        wall.as_secs_f64(),
        format_rate(rate),
        width,
        height,
        game.topology(),
        game.rule(),
    )?;
    out.flush()?;
    Ok(())
}

fn print_state(out: &mut impl Write, state: &State) -> std::io::Result<()> {
    writeln!(out, "\nstate #{}:\n{}", state.generation(), state)
}

fn progress_bar(steps: u64, cells: u64) -> ProgressBar {
    // Only worth a bar when the run takes a while; indicatif hides it when stderr is no terminal.
    if steps.saturating_mul(cells) < 1 << 32 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} generations, {per_sec}, eta {eta}") {
        bar.set_style(style);
    }
    bar
}

/// `1.23e10`-style rates, readable at any magnitude.
pub fn format_rate(rate: f64) -> String {
    format!("{rate:.3e}")
}
