//! `colony play`: the tutorial's `GameOfLife.py`, done right, on a board or the unbounded plane.

mod auto;
mod plane;

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use colony_life::pattern::{self, Format, Grid, PatternInfo};
use colony_life::{soup, Board, Game, HashLife, KernelKind, LifeError, Rect, Rule, State, Topology, Universe};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::budget::Budget;
use crate::input;
use crate::space::{self, SpaceArg};

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
  colony play --rule B36/S23 --topology bounded --density 0.3
  colony play --pattern gosper-glider-gun --steps 10^9 --print none
                                               no size flags and no :T/:P suffix: the unbounded plane
  colony play --topology plane --size 1024 --seed 1 --steps 2^16 --print none

A pattern (a file without Golly's :T/:P rule suffix, or a library name) given without --size,
--width, --height or --topology runs on the unbounded plane, as in Golly; with size flags it is
placed on that board. On the plane --algo auto (the default) starts a pattern of 4096 cells or
more (a soup) on sparse tiles and the rest on HashLife; once the tiles' activity has halved it
races HashLife over the next 4096 generations and moves to it for good if HashLife is faster.
The summary names the algorithm that ran. On the plane --size/--width/--height give a soup's
extent, with its top-left cell at (0,0), and a pattern is placed as Golly places it (its
#CXRLE Pos, else its top-left cell at (-width/2, -height/2)). --print every and last show the
pattern's bounding box, up to 250000 cells.")]
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
    /// Generations to run, from the pattern's own generation: 1000, 10^9, 2^30 or 1e9.
    #[arg(long, value_name = "N", default_value = "500", value_parser = input::parse_count)]
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
    /// What lies past the edges [default: the pattern's grid; a pattern without one and without
    /// size flags: plane; else torus].
    #[arg(long, value_enum)]
    topology: Option<SpaceArg>,
    /// Which boards to print.
    #[arg(long, value_enum, default_value_t = PrintMode::Last)]
    print: PrintMode,
    /// Write the final board to FILE (.rle, .cells or, on the plane, .mc, by extension).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// States kept in the game's history (the current one included).
    #[arg(long, value_name = "N", default_value_t = colony_life::DEFAULT_HISTORY)]
    history: usize,
    /// Stop early once the game is extinct, still or oscillating.
    #[arg(long)]
    stop_when_settled: bool,
    /// Threads one board is stepped on, 1 to 256 (boards of 65,536 cells or more; the same
    /// boards for any number) [default: one per core].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// The universe's algorithm: on the plane auto, hashlife or tiles; on boards bitwise (fast) or
    /// reference (per cell: defines the semantics) [default: auto on the plane, else bitwise].
    #[arg(long, alias = "kernel", value_enum)]
    algo: Option<AlgoArg>,
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

/// `--algo`: how a universe computes generations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgoArg {
    /// The plane: tiles for a large chaotic pattern (a soup), switching once to hashlife when it
    /// settles and hashlife clearly wins; hashlife for the rest. On a board: bitwise.
    Auto,
    /// Quadtrees with memoised results: the unbounded plane, any number of generations at once.
    Hashlife,
    /// Sparse 64x64 tiles, only active ones stepped, bit-parallel: the plane's chaotic growth.
    Tiles,
    /// Bit-parallel rows, AVX2 when available: torus and bounded boards.
    Bitwise,
    /// One cell at a time, the definition the others are tested against: boards.
    Reference,
}

/// The dense kernel `--algo` asks for; refuses the plane's algorithms on a board.
fn dense_kernel(algo: Option<AlgoArg>) -> Result<KernelKind> {
    match algo {
        None | Some(AlgoArg::Bitwise | AlgoArg::Auto) => Ok(KernelKind::Bitwise),
        Some(AlgoArg::Reference) => Ok(KernelKind::Reference),
        Some(algo @ (AlgoArg::Hashlife | AlgoArg::Tiles)) => bail!(
            "--algo {} runs the unbounded plane: add --topology plane, or use bitwise on a board",
            format!("{algo:?}").to_lowercase()
        ),
    }
}

/// Where a game runs.
enum Space {
    /// A dense board.
    Board { board: Board, topology: Topology },
    /// The unbounded plane.
    Plane(Box<HashLife>),
}

/// A validated, ready-to-run game description.
struct Setup {
    space: Space,
    rule: Rule,
    seed: Option<u64>,
    source: String,
}

fn setup(args: &PlayArgs, budget: &Budget) -> Result<Setup> {
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
        let seed = args.seed.unwrap_or_else(colony_actors::trial::random_seed);
        check_board(args, budget, width, height)?;
        let board = soup(width, height, seed, args.density)?;
        let space = match args.topology {
            Some(SpaceArg::Plane) => {
                let rule = explicit_rule.unwrap_or_default();
                Space::Plane(Box::new(space::soup_plane(&board, rule, budget)?))
            }
            other => Space::Board {
                board,
                topology: other.and_then(SpaceArg::board).unwrap_or(Topology::Torus),
            },
        };
        return Ok(Setup {
            space,
            rule: explicit_rule.unwrap_or_default(),
            seed: Some(seed),
            source: format!("soup seed {seed} density {}", args.density),
        });
    };
    if space::is_macrocell(spec) {
        return macrocell(args, spec, explicit_rule, explicit_size, budget);
    }
    let max_cells = space::max_cells(budget);
    let board = (explicit_size && args.topology != Some(SpaceArg::Plane)).then_some((width, height));
    let (pattern, cells) = input::load_cells(spec, max_cells, board)?;
    let rule = explicit_rule.or(pattern.rule).unwrap_or_default();
    if args.seed.is_some() || args.density != 0.5 {
        bail!("--seed and --density describe random soups; they cannot be combined with --pattern");
    }
    if space::on_plane(args.topology, pattern.grid.as_ref(), explicit_size) {
        let plane = space::pattern_plane(rule, &pattern, cells, args.at, budget)?;
        return Ok(Setup {
            space: Space::Plane(Box::new(plane)),
            rule,
            seed: None,
            source: format!("pattern {spec}"),
        });
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
        .and_then(SpaceArg::board)
        .or(grid_topology)
        .unwrap_or(Topology::Torus);
    check_board(args, budget, width, height)?;
    let mut board = Board::new(width, height)?;
    let centred = |board: usize, pattern: u64| (board as i128 - i128::from(pattern)) / 2;
    let (x, y) = args.at.unwrap_or((
        centred(width, pattern.width).clamp(i64::MIN.into(), i64::MAX.into()) as i64,
        centred(height, pattern.height).clamp(i64::MIN.into(), i64::MAX.into()) as i64,
    ));
    place(&mut board, &pattern, &cells, x, y).with_context(|| format!("pattern {spec}"))?;
    Ok(Setup {
        space: Space::Board { board, topology },
        rule,
        seed: None,
        source: format!("pattern {spec}"),
    })
}

/// Refuses a dense game whose boards (the history the run can fill, and the two being computed)
/// would not fit in the memory budget, before any is allocated.
fn check_board(args: &PlayArgs, budget: &Budget, width: usize, height: usize) -> Result<()> {
    let states = (args.history as u64).min(args.steps.saturating_add(1));
    let need = Game::bytes_for(width, height, usize::try_from(states).unwrap_or(usize::MAX))?;
    budget.check(
        format_args!("a {width}x{height} game keeping {states} states (--history)"),
        need,
    )
}

/// Sets a pattern's `cells` on `board` with its top-left corner at `(x, y)`; fails, changing
/// nothing, when the pattern's declared extent does not fit entirely.
fn place(board: &mut Board, pattern: &PatternInfo, cells: &[(i64, i64)], x: i64, y: i64) -> Result<()> {
    let fits = x >= 0
        && y >= 0
        && (x as u64).saturating_add(pattern.width) <= board.width() as u64
        && (y as u64).saturating_add(pattern.height) <= board.height() as u64;
    if !fits {
        return Err(LifeError::DoesNotFit {
            pattern_width: usize::try_from(pattern.width).unwrap_or(usize::MAX),
            pattern_height: usize::try_from(pattern.height).unwrap_or(usize::MAX),
            board_width: board.width(),
            board_height: board.height(),
            x,
            y,
        }
        .into());
    }
    for &(cx, cy) in cells {
        board.set((x + cx) as usize, (y + cy) as usize, true);
    }
    Ok(())
}

/// A macrocell file: always the plane.
fn macrocell(args: &PlayArgs, spec: &str, rule: Option<Rule>, explicit_size: bool, budget: &Budget) -> Result<Setup> {
    if explicit_size || args.topology.is_some_and(|t| t != SpaceArg::Plane) {
        bail!("pattern {spec}: macrocell files run on the plane only (no size flags, no --topology torus/bounded)");
    }
    if args.at.is_some() || args.seed.is_some() || args.density != 0.5 {
        bail!("pattern {spec}: --at, --seed and --density cannot be combined with a macrocell file");
    }
    let plane = space::macrocell_plane(spec, rule, budget)?;
    Ok(Setup {
        rule: plane.rule(),
        space: Space::Plane(Box::new(plane)),
        seed: None,
        source: format!("pattern {spec}"),
    })
}

/// Runs `colony play`.
pub fn run(args: PlayArgs, budget: &Budget) -> Result<()> {
    let threads = input::board_threads(args.threads)?;
    let setup = setup(&args, budget)?;
    let on_plane = matches!(setup.space, Space::Plane(_));
    let out_format = match &args.out {
        Some(path) => {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            match Format::from_path_extension(ext) {
                Some(format) => Some(OutFormat::Pattern(format)),
                None if on_plane && ext.eq_ignore_ascii_case("mc") => Some(OutFormat::Macrocell),
                None if on_plane => bail!(
                    "--out {}: the file name must end in .rle, .mc or .cells",
                    path.display()
                ),
                None => bail!("--out {}: the file name must end in .rle or .cells", path.display()),
            }
        }
        None => None,
    };
    // Opened before the work, so a folder that cannot take the file is refused up front.
    let target = match (&args.out, out_format) {
        (Some(path), Some(format)) => Some((format, input::Output::create("--out", path)?)),
        _ => None,
    };
    let (board, topology) = match setup.space {
        Space::Board { board, topology } => (board, topology),
        Space::Plane(universe) => return plane::run(&args, *universe, setup.seed, target),
    };
    let (width, height) = (board.width(), board.height());
    tracing::info!(width, height, rule = %setup.rule, topology = %topology, source = %setup.source, "starting game");
    let mut game = Game::new(board, setup.rule, topology)
        .with_history(args.history)?
        .with_kernel_on(dense_kernel(args.algo)?, threads)?;

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
    let interrupted = input::interrupted();
    while done < args.steps {
        if interrupted.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        let n = chunk.min(args.steps - done);
        let t = Instant::now();
        let taken = if args.print == PrintMode::Every {
            // One state at a time: the states stream out instead of piling up in memory.
            let mut taken = 0;
            while taken < n && !(args.stop_when_settled && game.outcome().is_settled()) {
                let state = game.advance(1).clone();
                print_state(&mut out, &state)?;
                taken += 1;
            }
            taken
        } else if args.stop_when_settled {
            game.advance_until_settled(n)
        } else {
            game.advance(n);
            n
        };
        elapsed_stepping += t.elapsed();
        done += taken;
        progress.set_position(done);
        if taken < n {
            break;
        }
    }
    progress.finish_and_clear();
    let wall = started.elapsed();
    let current = game.current().clone();
    if args.print == PrintMode::Last {
        writeln!(out, "state #{}:\n{}", current.generation(), current)?;
    }
    if let Some((OutFormat::Pattern(format), output)) = target {
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
        output.write(&text)?;
    }
    let updates = done as f64 * current.board().cell_count() as f64;
    let rate = updates / elapsed_stepping.as_secs_f64().max(1e-9);
    let seed = setup.seed.map(|s| format!(", seed {s}")).unwrap_or_default();
    let bounding_box = describe_box(current.board().bounding_box().map(|(x, y, w, h)| Rect {
        x: x as i64,
        y: y as i64,
        width: w as u64,
        height: h as u64,
    }));
    writeln!(
        out,
        "generation {}, population {}, outcome {}, {:.6} s, {} cell updates/s ({}x{} {} {}, {bounding_box}{seed})",
        current.generation(),
        current.population(),
        game.outcome(),
        wall.as_secs_f64(),
        crate::args::format_rate(rate),
        width,
        height,
        game.topology(),
        game.rule(),
    )?;
    out.flush()?;
    if done < args.steps && interrupted.load(std::sync::atomic::Ordering::Relaxed) {
        bail!(
            "interrupted by Ctrl-C at generation {} of {}",
            current.generation(),
            args.steps
        );
    }
    Ok(())
}

/// What `--out` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutFormat {
    /// RLE or plaintext.
    Pattern(Format),
    /// Golly's macrocell (`.mc`), plane only.
    Macrocell,
}

/// `bounding box WxH at (X,Y)`, or `bounding box empty`.
fn describe_box(rect: Option<Rect>) -> String {
    match rect {
        Some(r) => format!("bounding box {}x{} at ({},{})", r.width, r.height, r.x, r.y),
        None => "bounding box empty".to_string(),
    }
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
