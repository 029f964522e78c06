//! `colony render`: pictures of one game — an animated GIF of its evolution, a PNG of its final
//! board, and a PNG plot of its population over generations — on a board or the unbounded plane.

mod plane;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{bail, ensure, Context, Result};
use clap::Args;
use colony_life::{soup, Board, Game, KernelKind, Rule, Topology};

use crate::budget::Budget;
use crate::input::{self, Output};
use crate::space::SpaceArg;
use colony_actors::trial::random_seed;

/// Frames one GIF may hold.
const MAX_FRAMES: u64 = 10_000;
/// Largest picture side, in pixels.
const MAX_SIDE: u64 = 8192;
/// Board side when no size flag is given (a pattern with a size flag, or a soup).
const DEFAULT_SIZE: usize = 64;
/// Points a population plot keeps (longer runs are sampled evenly).
const PLOT_POINTS: u64 = 100_000;

/// Arguments of `colony render`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  colony render --pattern gosper-glider-gun --size 64 --steps 120 --gif gosper.gif --grid
  colony render --size 128 --seed 7 --steps 500 --png final.png --plot population.png
  colony render --pattern acorn --size 160 --steps 1200 --every 4 --scale 3 --gif acorn.gif --alive '#ffffff' --dead '#000000'
  colony render --pattern gosper-glider-gun --steps 10^4 --every 50 --gif gun.gif
  colony render --pattern glider --steps 40 --viewport -4,-4,24,24 --scale 8 --gif glider.gif

A pattern (a file without Golly's :T/:P rule suffix, a .mc file, or a library name) given without
--size, --width, --height or --topology runs on the unbounded plane, as in colony play; --topology
plane asks for it (a soup then fills --size cells from (0,0)). The picture follows the pattern: a
GIF is fitted to every cell its frames hold (the union of their bounding boxes), a PNG to the last
generation's, or both show --viewport X,Y,W,H. A view too large for --fit pixels a side is zoomed
out: a pixel per 2^k x 2^k block of cells, shaded by the share of the block alive, the smallest k
that fits (--scale shrinks first, down to 1 pixel a cell, 3 with --grid).")]
pub struct RenderArgs {
    /// Start from a pattern (.rle / .cells / .mc file or library name), centred on a board, or
    /// placed on the plane as colony play places it; otherwise a random soup.
    #[arg(long, value_name = "FILE|NAME")]
    pattern: Option<String>,
    /// Board width and height (on the plane: a soup's) [default: 64].
    #[arg(long, value_name = "N")]
    size: Option<usize>,
    /// Board width (overrides --size).
    #[arg(long, value_name = "N")]
    width: Option<usize>,
    /// Board height (overrides --size).
    #[arg(long, value_name = "N")]
    height: Option<usize>,
    /// Generations to run: 100, 10^9, 2^30 or 1e9.
    #[arg(long, value_name = "N", default_value = "100", value_parser = input::parse_count)]
    steps: u64,
    /// Seed of the soup [default: random, printed].
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Soup density.
    #[arg(long, value_name = "F", default_value_t = 0.5, allow_negative_numbers = true)]
    density: f64,
    /// Threads one board is stepped on, 1 to 256 (boards of 65,536 cells or more; the same
    /// frames for any number) [default: one per core].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Life-like rule [default: the pattern's, else B3/S23].
    #[arg(long, value_name = "RULE")]
    rule: Option<String>,
    /// What lies past the edges [default: a pattern without a :T/:P grid and without size flags:
    /// plane; else torus].
    #[arg(long, value_enum)]
    topology: Option<SpaceArg>,
    /// On the plane: the region drawn, as X,Y,W,H in cells (its top-left cell and size)
    /// [default: fitted to the pattern].
    #[arg(long, value_name = "X,Y,W,H", value_parser = parse_viewport, allow_hyphen_values = true)]
    viewport: Option<colony_life::Rect>,
    /// On the plane: the largest picture side in pixels, 16 to 8192; a larger view is zoomed out
    /// [default: 512].
    #[arg(long, value_name = "PX")]
    fit: Option<u64>,
    /// Write an animated GIF of generations --from..=--to to FILE.
    #[arg(long, value_name = "FILE")]
    gif: Option<PathBuf>,
    /// Write a PNG of the final board to FILE.
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
    /// Write a PNG plot of population over generations to FILE.
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    /// Pixels per cell (GIF and PNG); on the plane at most this many, fewer to fit --fit.
    #[arg(long, value_name = "N", default_value_t = 4)]
    scale: u32,
    /// Colour of live cells (#rrggbb).
    #[arg(long, value_name = "COLOUR", default_value = "#34d399", value_parser = parse_colour)]
    alive: [u8; 3],
    /// Colour of dead cells (#rrggbb).
    #[arg(long, value_name = "COLOUR", default_value = "#0b1020", value_parser = parse_colour)]
    dead: [u8; 3],
    /// Draw grid lines between cells (needs --scale 3 or more), in this colour.
    #[arg(long, value_name = "COLOUR", num_args = 0..=1, default_missing_value = "#1e293b", value_parser = parse_colour)]
    grid: Option<[u8; 3]>,
    /// First generation in the GIF.
    #[arg(long, value_name = "G", default_value_t = 0)]
    from: u64,
    /// Last generation in the GIF [default: --steps].
    #[arg(long, value_name = "G")]
    to: Option<u64>,
    /// Put every Nth generation in the GIF.
    #[arg(long, value_name = "N", default_value_t = 1)]
    every: u64,
    /// Milliseconds per GIF frame (at least 20: browsers slow faster GIFs down).
    #[arg(long, value_name = "MS", default_value_t = 60)]
    delay: u32,
}

/// `X,Y,W,H`: a region of at least 1x1 cells whose far corner is a coordinate.
fn parse_viewport(text: &str) -> Result<colony_life::Rect, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [x, y, w, h] = parts[..] else {
        return Err(format!("expected X,Y,W,H (four numbers), got {text:?}"));
    };
    let corner = |v: &str| v.parse::<i64>().map_err(|e| format!("bad coordinate {v:?}: {e}"));
    let side = |v: &str| match v.parse::<u64>() {
        Ok(0) => Err(format!("{text:?}: the width and height must be at least 1")),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("bad size {v:?}: {e}")),
    };
    let rect = colony_life::Rect {
        x: corner(x)?,
        y: corner(y)?,
        width: side(w)?,
        height: side(h)?,
    };
    colony_life::raster::cover(rect, 0).map_err(|e| e.to_string())
}

fn parse_colour(text: &str) -> Result<[u8; 3], String> {
    let hex = text.trim().trim_start_matches('#');
    let ok = hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|e| e.to_string());
    if !ok {
        return Err(format!("expected a colour like #34d399, got {text:?}"));
    }
    Ok([byte(0)?, byte(2)?, byte(4)?])
}

/// How cells become pixels: a palette (dead, alive, grid) and a scale.
struct Painter {
    scale: usize,
    palette: Vec<u8>,
    grid: bool,
}

impl Painter {
    /// Palette indices of the pixels of cells `x0..x1` × `y0..y1`, row by row.
    fn pixels(&self, board: &Board, (x0, y0, x1, y1): (usize, usize, usize, usize)) -> Vec<u8> {
        let s = self.scale;
        let mut out = Vec::with_capacity((x1 - x0) * (y1 - y0) * s * s);
        for y in y0..y1 {
            for dy in 0..s {
                for x in x0..x1 {
                    let cell = u8::from(board.get(x, y));
                    for dx in 0..s {
                        let line = self.grid && (dx == 0 || dy == 0);
                        out.push(if line { 2 } else { cell });
                    }
                }
            }
        }
        out
    }

    fn size(&self, board: &Board) -> (u16, u16) {
        // Bounded by MAX_SIDE, checked up front.
        let px = |n: usize| u16::try_from(n * self.scale).unwrap_or(u16::MAX);
        (px(board.width()), px(board.height()))
    }
}

/// The smallest cell rectangle holding every difference between two boards, as (x0, y0, x1, y1).
fn changed(a: &Board, b: &Board) -> Option<(usize, usize, usize, usize)> {
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for y in 0..a.height() {
        if a.row(y) == b.row(y) {
            continue;
        }
        for x in (0..a.width()).filter(|&x| a.get(x, y) != b.get(x, y)) {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
        }
    }
    (x0 != usize::MAX).then_some((x0, y0, x1, y1))
}

/// An animated GIF written frame by frame; after the first, each frame holds only the rectangle
/// that changed, so a glider gun's GIF stays small.
struct GifWriter {
    output: Output,
    encoder: gif::Encoder<BufWriter<File>>,
    previous: Option<Board>,
    delay: u16,
    frames: u64,
}

impl GifWriter {
    fn create(mut output: Output, painter: &Painter, board: &Board, delay_ms: u32) -> Result<GifWriter> {
        let file = output
            .file()
            .try_clone()
            .with_context(|| format!("cannot write {}", output.path().display()))?;
        let (w, h) = painter.size(board);
        let mut encoder = gif::Encoder::new(BufWriter::new(file), w, h, &painter.palette)?;
        encoder.set_repeat(gif::Repeat::Infinite)?;
        Ok(GifWriter {
            output,
            encoder,
            previous: None,
            delay: u16::try_from(delay_ms / 10).unwrap_or(u16::MAX),
            frames: 0,
        })
    }

    fn frame(&mut self, painter: &Painter, board: &Board) -> Result<()> {
        let whole = (0, 0, board.width(), board.height());
        let rect = match &self.previous {
            None => whole,
            // An unchanged board still takes its time on screen: one cell, redrawn as it was.
            Some(previous) => changed(previous, board).unwrap_or((0, 0, 1, 1)),
        };
        let s = painter.scale;
        let px = |n: usize| u16::try_from(n * s).unwrap_or(u16::MAX);
        let frame = gif::Frame {
            left: px(rect.0),
            top: px(rect.1),
            width: px(rect.2 - rect.0),
            height: px(rect.3 - rect.1),
            delay: self.delay,
            dispose: gif::DisposalMethod::Keep,
            buffer: painter.pixels(board, rect).into(),
            ..gif::Frame::default()
        };
        self.encoder.write_frame(&frame)?;
        self.previous = Some(board.clone());
        self.frames += 1;
        Ok(())
    }
}

fn write_png(
    mut output: Output,
    width: u32,
    height: u32,
    colour: png::ColorType,
    palette: Option<&[u8]>,
    data: &[u8],
) -> Result<()> {
    let mut encoder = png::Encoder::new(BufWriter::new(output.file()), width, height);
    encoder.set_color(colour);
    encoder.set_depth(png::BitDepth::Eight);
    if let Some(palette) = palette {
        encoder.set_palette(palette.to_vec());
    }
    let mut writer = encoder.write_header()?;
    writer.write_image_data(data)?;
    writer.finish()?;
    output.commit()
}

/// Population over generations as a line chart, drawn with plotters into memory and saved as PNG.
/// Text uses DejaVu Sans embedded in the binary, so no system fonts are needed.
fn write_plot(output: Output, series: &[(u64, u64)], title: &str, line: [u8; 3]) -> Result<()> {
    use plotters::prelude::*;
    let (w, h) = (900u32, 480u32);
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| anyhow::anyhow!("the embedded font does not load"))?;
    let mut buffer = vec![0u8; w as usize * h as usize * 3];
    let draw = |buffer: &mut [u8]| -> Result<(), Box<dyn std::error::Error>> {
        let root = BitMapBackend::with_buffer(buffer, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let generations = series.last().map_or(1, |p| p.0).max(1);
        let peak = series.iter().map(|p| p.1).max().unwrap_or(0);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(0..generations, 0..(peak + peak / 10).max(1))?;
        chart
            .configure_mesh()
            .x_desc("generation")
            .y_desc("population")
            .label_style(("sans-serif", 14))
            .light_line_style(RGBColor(236, 239, 244))
            .draw()?;
        let style = RGBColor(line[0], line[1], line[2]).stroke_width(2);
        chart.draw_series(LineSeries::new(series.iter().copied(), style))?;
        root.present()?;
        Ok(())
    };
    draw(&mut buffer).map_err(|e| anyhow::anyhow!("cannot draw the plot: {e}"))?;
    write_png(output, w, h, png::ColorType::Rgb, None, &buffer)
}

impl RenderArgs {
    /// The board's width and height.
    fn board_size(&self) -> (usize, usize) {
        let size = self.size.unwrap_or(DEFAULT_SIZE);
        (self.width.unwrap_or(size), self.height.unwrap_or(size))
    }

    /// Whether --size, --width or --height was given.
    fn explicit_size(&self) -> bool {
        self.size.is_some() || self.width.is_some() || self.height.is_some()
    }

    /// The outputs asked for, opened before the work.
    fn outputs(&self) -> Result<(Option<Output>, Option<Output>, Option<Output>)> {
        let open = |flag, path: &Option<PathBuf>| path.as_deref().map(|p| Output::create(flag, p)).transpose();
        Ok((
            open("--gif", &self.gif)?,
            open("--png", &self.png)?,
            open("--plot", &self.plot)?,
        ))
    }
}

/// The game to render and a description of it.
fn setup(args: &RenderArgs) -> Result<(Game, String)> {
    let (width, height) = args.board_size();
    let explicit_rule = args.rule.as_deref().map(str::parse::<Rule>).transpose()?;
    let topology = args.topology.and_then(SpaceArg::board).unwrap_or(Topology::Torus);
    let (board, rule, label) = match &args.pattern {
        Some(name) => {
            let pattern = input::load_pattern_within(name, width as u64 * height as u64)?;
            let board = pattern
                .board
                .centred_in(width, height)
                .with_context(|| format!("pattern {name}"))?;
            let rule = explicit_rule.or(pattern.rule).unwrap_or_default();
            (board, rule, name.clone())
        }
        None => {
            let seed = args.seed.unwrap_or_else(random_seed);
            let board = soup(width, height, seed, args.density)?;
            (board, explicit_rule.unwrap_or_default(), format!("soup seed {seed}"))
        }
    };
    let label = format!("{label}, {width}x{height} {topology} {rule}");
    let game = Game::new(board, rule, topology)
        .with_history(1)?
        .with_kernel_on(KernelKind::Bitwise, input::board_threads(args.threads)?)?;
    Ok((game, label))
}

/// Runs `colony render`.
pub fn run(args: RenderArgs, budget: &Budget) -> Result<()> {
    if args.gif.is_none() && args.png.is_none() && args.plot.is_none() {
        bail!("nothing to render: give --gif FILE, --png FILE and/or --plot FILE");
    }
    let to = args.to.unwrap_or(args.steps);
    ensure!(to <= args.steps, "--to {to} is past --steps {}", args.steps);
    ensure!(args.from <= to, "--from {} is past --to {to}", args.from);
    ensure!(args.every >= 1, "--every must be at least 1");
    ensure!((1..=64).contains(&args.scale), "--scale must be between 1 and 64");
    ensure!(
        args.delay >= 20,
        "--delay must be at least 20 ms (browsers slow faster GIFs to 100 ms)"
    );
    ensure!(args.grid.is_none() || args.scale >= 3, "--grid needs --scale 3 or more");
    let frames = (to - args.from) / args.every + 1;
    ensure!(
        args.gif.is_none() || frames <= MAX_FRAMES,
        "{frames} GIF frames is too many (at most {MAX_FRAMES}: raise --every)"
    );
    if let Some(source) = plane::source(&args, budget)? {
        return plane::run(&args, source, to, budget);
    }
    if args.viewport.is_some() || args.fit.is_some() {
        bail!("--viewport and --fit draw the unbounded plane, and this game runs on a board (size flags, --topology torus/bounded or the pattern's :T/:P grid): add --topology plane");
    }
    // Sizes first, then memory, then the output files: all before the board is built.
    let (width, height) = args.board_size();
    let pictures = args.gif.is_some() || args.png.is_some();
    let side = (width.max(height) as u64).saturating_mul(u64::from(args.scale));
    ensure!(
        !pictures || side <= MAX_SIDE,
        "{side} pixels is too wide (at most {MAX_SIDE}: lower --scale or the board size)"
    );
    let board_bytes = Board::bytes_for(width, height)?;
    // The game, the GIF's previous frame, and a picture's pixels twice (drawn and encoded).
    let pixels = if pictures {
        (width * height) as u64 * u64::from(args.scale).pow(2)
    } else {
        0
    };
    let need = Game::bytes_for(width, height, 1)?
        .saturating_add(board_bytes)
        .saturating_add(pixels.saturating_mul(2));
    budget.check(format_args!("rendering a {width}x{height} board"), need)?;
    let (gif_out, png_out, plot_out) = args.outputs()?;

    let (mut game, label) = setup(&args)?;
    let mut palette = [args.dead, args.alive, args.grid.unwrap_or(args.dead)].concat();
    palette.truncate(if args.grid.is_some() { 9 } else { 6 });
    let painter = Painter {
        scale: args.scale as usize,
        palette,
        grid: args.grid.is_some(),
    };
    let mut gif = match gif_out {
        Some(output) => Some(GifWriter::create(output, &painter, game.current().board(), args.delay)?),
        None => None,
    };
    let plot_every = args.steps / PLOT_POINTS + 1;
    let mut series = Vec::new();
    let mut generation = 0u64;
    loop {
        let board = game.current().board();
        if plot_out.is_some() && (generation % plot_every == 0 || generation == args.steps) {
            series.push((generation, board.population()));
        }
        if let Some(gif) = gif.as_mut() {
            if (args.from..=to).contains(&generation) && (generation - args.from) % args.every == 0 {
                gif.frame(&painter, board)?;
            }
        }
        if generation == args.steps {
            break;
        }
        // Straight to the next generation anything is drawn at: a settled game jumps there.
        let next_plot = plot_out
            .is_some()
            .then(|| (generation / plot_every + 1).checked_mul(plot_every))
            .flatten();
        let next_frame = match gif {
            Some(_) if generation < args.from => Some(args.from),
            Some(_) => ((generation - args.from) / args.every + 1)
                .checked_mul(args.every)
                .and_then(|k| k.checked_add(args.from))
                .filter(|&g| g <= to),
            None => None,
        };
        let next = [next_plot, next_frame].into_iter().flatten().fold(args.steps, u64::min);
        game.advance(next - generation);
        generation = next;
    }
    let mut out = std::io::stdout().lock();
    if let Some(gif) = gif {
        let frames = gif.frames;
        let GifWriter { output, encoder, .. } = gif;
        encoder.into_inner()?.flush()?;
        let path = output.path().to_path_buf();
        output.commit()?;
        writeln!(
            out,
            "wrote {}: {label}, generations {}..={to} every {}, {frames} frames",
            path.display(),
            args.from,
            args.every
        )?;
    }
    let board = game.current().board();
    if let Some(output) = png_out {
        let path = output.path().to_path_buf();
        let (w, h) = painter.size(board);
        let pixels = painter.pixels(board, (0, 0, width, height));
        write_png(
            output,
            u32::from(w),
            u32::from(h),
            png::ColorType::Indexed,
            Some(&painter.palette),
            &pixels,
        )?;
        writeln!(
            out,
            "wrote {}: generation {}, population {}",
            path.display(),
            game.generation(),
            board.population()
        )?;
    }
    if let Some(output) = plot_out {
        let path = output.path().to_path_buf();
        write_plot(output, &series, &format!("Population of {label}"), args.alive)?;
        writeln!(
            out,
            "wrote {}: population over {} generations",
            path.display(),
            args.steps
        )?;
    }
    Ok(())
}
