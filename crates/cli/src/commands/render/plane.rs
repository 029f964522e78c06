//! `colony render` on the unbounded plane: the view is fitted to the pattern (or fixed by
//! `--viewport`) and zoomed out when it is large, a pixel per 2^k×2^k block of cells read off
//! HashLife's node populations, shaded by the block's density.

use std::fs::File;
use std::io::{BufWriter, Write};

use anyhow::{bail, ensure, Context, Result};
use colony_life::pattern::PatternInfo;
use colony_life::{raster, soup, Cells, HashLife, Raster, Rect, Rule, Universe};

use super::{write_plot, write_png, RenderArgs, MAX_SIDE, PLOT_POINTS};
use crate::budget::Budget;
use crate::input::{self, Output};
use crate::space::{self, SpaceArg};

/// The largest picture side by default, in pixels.
const DEFAULT_FIT: u64 = 512;
/// The smallest `--fit`: below it a zoomed-out picture says little.
const MIN_FIT: u64 = 16;
/// Shades of live blocks, from a lone cell to a full block.
const SHADES: u8 = 16;
/// Palette index of grid lines (after dead and the shades).
const GRID: u8 = SHADES + 1;

/// Where the plane comes from; kept so the plane can be built again (a GIF fitted to all its
/// frames takes two passes: one to find where the pattern goes, one to draw it).
enum Seed {
    Cells { info: PatternInfo, cells: Vec<(i64, i64)> },
    Macrocell(String),
    Soup(colony_life::Board),
}

/// A plane to render: how to build it and what to call it.
pub(super) struct Source {
    seed: Seed,
    rule: Rule,
    label: String,
    /// A plane already built (a macrocell is read once to learn its rule).
    built: Option<HashLife>,
}

impl Source {
    /// The plane at its first generation; the `last` build may use up what it is built from.
    fn build(&mut self, budget: &Budget, last: bool) -> Result<HashLife> {
        if let Some(plane) = self.built.take() {
            return Ok(plane);
        }
        match &mut self.seed {
            Seed::Cells { info, cells } => {
                let cells = if last { std::mem::take(cells) } else { cells.clone() };
                space::pattern_plane(self.rule, info, cells, None, budget)
            }
            Seed::Macrocell(spec) => space::macrocell_plane(spec, Some(self.rule), budget),
            Seed::Soup(board) => space::soup_plane(board, self.rule, budget),
        }
    }
}

/// Refuses soup flags beside a pattern, as `colony play` does on the plane.
fn refuse_soup_flags(args: &RenderArgs) -> Result<()> {
    if args.seed.is_some() || args.density != 0.5 {
        bail!("--seed and --density describe random soups; they cannot be combined with --pattern");
    }
    Ok(())
}

/// The plane `args` ask for, as `colony play` decides: a macrocell file, a pattern without a
/// `:T`/`:P` grid given without size flags or `--topology`, or `--topology plane`; `None` for a
/// dense board.
pub(super) fn source(args: &RenderArgs, budget: &Budget) -> Result<Option<Source>> {
    let explicit_rule = args.rule.as_deref().map(str::parse::<Rule>).transpose()?;
    let explicit_size = args.explicit_size();
    let Some(spec) = &args.pattern else {
        if args.topology != Some(SpaceArg::Plane) {
            return Ok(None);
        }
        let (width, height) = args.board_size();
        let seed = args.seed.unwrap_or_else(colony_actors::trial::random_seed);
        let bytes = colony_life::Board::bytes_for(width, height)?;
        budget.check(format_args!("a {width}x{height} soup"), bytes.saturating_mul(2))?;
        let board = soup(width, height, seed, args.density)?;
        return Ok(Some(Source {
            seed: Seed::Soup(board),
            rule: explicit_rule.unwrap_or_default(),
            label: format!("soup seed {seed} ({width}x{height} at (0,0))"),
            built: None,
        }));
    };
    // Size flags or --topology torus/bounded ask for a board; a pattern's own grid too, below.
    let board_asked = args.topology.map_or(explicit_size, |t| t != SpaceArg::Plane);
    if space::is_macrocell(spec) {
        if board_asked {
            bail!("pattern {spec}: macrocell files run on the plane only (no size flags, no --topology torus/bounded)");
        }
        refuse_soup_flags(args)?;
        let plane = space::macrocell_plane(spec, explicit_rule, budget)?;
        return Ok(Some(Source {
            seed: Seed::Macrocell(spec.clone()),
            rule: plane.rule(),
            label: format!("pattern {spec}"),
            built: Some(plane),
        }));
    }
    if board_asked {
        return Ok(None);
    }
    let (info, cells) = input::load_cells(spec, space::max_cells(budget), None)?;
    if !space::on_plane(args.topology, info.grid.as_ref(), explicit_size) {
        return Ok(None);
    }
    refuse_soup_flags(args)?;
    Ok(Some(Source {
        rule: explicit_rule.or(info.rule).unwrap_or_default(),
        seed: Seed::Cells { info, cells },
        label: format!("pattern {spec}"),
        built: None,
    }))
}

/// How a region becomes a picture: the region, the scale `k` of its blocks and the pixels a
/// block is drawn with.
#[derive(Debug, Clone, Copy)]
struct Zoom {
    view: Rect,
    k: u8,
    px: usize,
}

impl Zoom {
    /// The closest view of `region` within `fit` pixels a side: cells drawn `scale` pixels wide
    /// if that fits, else fewer, down to `min_px`; past that, zoomed out to blocks of 2^k cells.
    fn of(region: Rect, scale: u64, fit: u64, min_px: u64) -> Result<Zoom> {
        let side = region.width.max(region.height);
        let px = scale.min(fit / side.max(1));
        if px >= min_px {
            let (view, k) = raster::fit(region, fit / px, fit / px)?;
            return Ok(Zoom {
                view,
                k,
                px: px as usize,
            });
        }
        let (view, k) = raster::fit(region, fit / min_px, fit / min_px)?;
        Ok(Zoom {
            view,
            k,
            px: min_px as usize,
        })
    }

    /// What a pixel stands for, for the report.
    fn describe(&self) -> String {
        let side = if self.k < 32 {
            (1u64 << self.k).to_string()
        } else {
            format!("2^{}", self.k)
        };
        let (w, h) = (self.view.width, self.view.height);
        let (x, y) = (self.view.x, self.view.y);
        match self.k {
            0 => format!("view {w}x{h} at ({x},{y}), {} px per cell", self.px),
            _ => format!(
                "view {w}x{h} at ({x},{y}), zoomed out: {} px per {side}x{side} cells",
                self.px
            ),
        }
    }
}

/// Colours and what cells become: dead, [`SHADES`] shades of live blocks, grid lines.
struct Painter {
    palette: Vec<u8>,
    grid: bool,
}

impl Painter {
    fn new(args: &RenderArgs) -> Painter {
        let mut palette = args.dead.to_vec();
        for i in 1..=SHADES {
            // A lone cell in a large block must still show: shades start at 40% of the way.
            let t = 0.4 + 0.6 * f64::from(i - 1) / f64::from(SHADES - 1);
            palette.extend((0..3).map(|c| {
                let (d, a) = (f64::from(args.dead[c]), f64::from(args.alive[c]));
                (d + (a - d) * t).round().clamp(0.0, 255.0) as u8
            }));
        }
        palette.extend(args.grid.unwrap_or(args.dead));
        Painter {
            palette,
            grid: args.grid.is_some(),
        }
    }

    /// Each block's palette index, row by row: dead, or a shade rising with the square root of
    /// its density (a glider in a 64-cell block is 8% alive and should not vanish).
    fn shades(raster: &Raster) -> Vec<u8> {
        let full = 4f64.powi(i32::from(raster.scale()));
        raster
            .counts()
            .iter()
            .map(|&n| match n {
                0 => 0,
                n => ((n as f64 / full).sqrt() * f64::from(SHADES))
                    .ceil()
                    .clamp(1.0, f64::from(SHADES)) as u8,
            })
            .collect()
    }

    /// The pixels of blocks `x0..x1` × `y0..y1` of `shades` (a `width`-block-wide picture),
    /// each block `px` pixels wide, row by row.
    fn pixels(
        &self,
        shades: &[u8],
        width: usize,
        px: usize,
        (x0, y0, x1, y1): (usize, usize, usize, usize),
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity((x1 - x0) * (y1 - y0) * px * px);
        for y in y0..y1 {
            for dy in 0..px {
                for &shade in &shades[y * width + x0..y * width + x1] {
                    for dx in 0..px {
                        let line = self.grid && (dx == 0 || dy == 0);
                        out.push(if line { GRID } else { shade });
                    }
                }
            }
        }
        out
    }
}

/// The smallest rectangle of blocks in which two pictures differ, as (x0, y0, x1, y1).
fn changed(a: &[u8], b: &[u8], width: usize) -> Option<(usize, usize, usize, usize)> {
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for (y, (ra, rb)) in a.chunks_exact(width).zip(b.chunks_exact(width)).enumerate() {
        if ra == rb {
            continue;
        }
        for x in (0..width).filter(|&x| ra[x] != rb[x]) {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
        }
    }
    (x0 != usize::MAX).then_some((x0, y0, x1, y1))
}

/// A GIF of one view, frame by frame; after the first, each frame holds only what changed.
struct GifWriter {
    output: Output,
    /// Made with the first frame, whose raster gives the picture's size.
    encoder: Option<gif::Encoder<BufWriter<File>>>,
    zoom: Zoom,
    previous: Option<Vec<u8>>,
    delay: u16,
    frames: u64,
}

/// A side in pixels as the GIF format holds it (every side is at most MAX_SIDE, checked first).
fn px16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

impl GifWriter {
    fn create(output: Output, zoom: Zoom, delay_ms: u32) -> GifWriter {
        GifWriter {
            output,
            encoder: None,
            zoom,
            previous: None,
            delay: u16::try_from(delay_ms / 10).unwrap_or(u16::MAX),
            frames: 0,
        }
    }

    fn frame(&mut self, painter: &Painter, plane: &HashLife) -> Result<()> {
        let r = plane.raster(self.zoom.view, self.zoom.k)?;
        let shades = Painter::shades(&r);
        let width = r.width();
        let px = self.zoom.px;
        let encoder = match &mut self.encoder {
            Some(encoder) => encoder,
            None => {
                let file = self
                    .output
                    .file()
                    .try_clone()
                    .with_context(|| format!("cannot write {}", self.output.path().display()))?;
                let (w, h) = (px16(width * px), px16(r.height() * px));
                let mut encoder = gif::Encoder::new(BufWriter::new(file), w, h, &painter.palette)?;
                encoder.set_repeat(gif::Repeat::Infinite)?;
                self.encoder.insert(encoder)
            }
        };
        let rect = match &self.previous {
            None => (0, 0, width, r.height()),
            // An unchanged picture still takes its time on screen: one block, redrawn as it was.
            Some(previous) => changed(previous, &shades, width).unwrap_or((0, 0, 1, 1)),
        };
        let frame = gif::Frame {
            left: px16(rect.0 * px),
            top: px16(rect.1 * px),
            width: px16((rect.2 - rect.0) * px),
            height: px16((rect.3 - rect.1) * px),
            delay: self.delay,
            dispose: gif::DisposalMethod::Keep,
            buffer: painter.pixels(&shades, width, px, rect).into(),
            ..gif::Frame::default()
        };
        encoder.write_frame(&frame)?;
        self.previous = Some(shades);
        self.frames += 1;
        Ok(())
    }

    /// Finishes the file; returns where it went and how many frames it holds.
    fn finish(self) -> Result<(std::path::PathBuf, u64)> {
        let GifWriter {
            output,
            encoder,
            frames,
            ..
        } = self;
        if let Some(encoder) = encoder {
            encoder.into_inner()?.flush()?;
        }
        let path = output.path().to_path_buf();
        output.commit()?;
        Ok((path, frames))
    }
}

/// The generations (counted from the start) a GIF shows: `from..=to` every `every`.
fn frame_generations(from: u64, to: u64, every: u64) -> impl Iterator<Item = u64> {
    (0..=(to - from) / every).map(move |i| from + i * every)
}

/// The smallest rectangle holding both.
fn union(a: Option<Rect>, b: Option<Rect>) -> Option<Rect> {
    match (a, b) {
        (Some(a), Some(b)) => Some(Rect::spanning(
            a.x.min(b.x),
            a.y.min(b.y),
            a.right().max(b.right()),
            a.bottom().max(b.bottom()),
        )),
        (a, b) => a.or(b),
    }
}

/// What an empty plane is drawn as: one dead cell at the origin.
const NOTHING: Rect = Rect {
    x: 0,
    y: 0,
    width: 1,
    height: 1,
};

/// Runs `colony render` on the plane built from `source`, the GIF up to generation `to`.
pub(super) fn run(args: &RenderArgs, mut source: Source, to: u64, budget: &Budget) -> Result<()> {
    // HashLife runs on one thread; the flag is still checked, as on a board.
    input::board_threads(args.threads)?;
    let fit = args.fit.unwrap_or(DEFAULT_FIT);
    ensure!(
        (MIN_FIT..=MAX_SIDE).contains(&fit),
        "--fit {fit}: a picture side must be between {MIN_FIT} and {MAX_SIDE} pixels"
    );
    let (scale, min_px) = (u64::from(args.scale), if args.grid.is_some() { 3 } else { 1 });
    // A picture of at most fit² pixels (drawn, and kept for the GIF's next frame), its blocks'
    // counts (8 bytes) and shades, twice over for the GIF's previous frame.
    let blocks = (fit / min_px).pow(2);
    let need = fit.pow(2) * 2 + blocks * 10;
    budget.check(format_args!("pictures of {fit}x{fit} pixels"), need)?;
    let (gif_out, png_out, plot_out) = args.outputs()?;
    let painter = Painter::new(args);
    let zoom_of = |region: Rect| Zoom::of(region, scale, fit, min_px);

    // The GIF's view: --viewport, or every cell of its frames, found by a first pass.
    let gif_zoom = match (&gif_out, args.viewport) {
        (None, _) => None,
        (Some(_), Some(view)) => Some(zoom_of(view)?),
        (Some(_), None) => {
            let mut plane = source.build(budget, false)?;
            let mut region = None;
            let mut at = 0;
            for g in frame_generations(args.from, to, args.every) {
                plane.advance(g - at, &mut |_| true)?;
                at = g;
                region = union(region, plane.bounding_box());
            }
            Some(zoom_of(region.unwrap_or(NOTHING))?)
        }
    };
    let mut plane = source.build(budget, true)?;
    let start = plane.generation();
    ensure!(
        start.checked_add(args.steps).is_some(),
        "--steps {}: generation {start} + {} is beyond 2^64 - 1",
        args.steps,
        args.steps
    );
    let mut gif = match (gif_out, gif_zoom) {
        (Some(output), Some(zoom)) => Some(GifWriter::create(output, zoom, args.delay)),
        _ => None,
    };
    // A power of two: HashLife remembers a node's future 2^j generations on, so samples 2^j apart
    // reuse each other's work (10^9 generations of the gun in 10^4-generation samples do not).
    let plot_every = (args.steps / PLOT_POINTS + 1)
        .checked_next_power_of_two()
        .unwrap_or(1 << 63);
    let mut series = Vec::new();
    let mut generation = 0u64;
    loop {
        if plot_out.is_some() && (generation % plot_every == 0 || generation == args.steps) {
            series.push((plane.generation(), plane.population()));
        }
        if let Some(gif) = gif.as_mut() {
            if (args.from..=to).contains(&generation) && (generation - args.from) % args.every == 0 {
                gif.frame(&painter, &plane)?;
            }
        }
        if generation == args.steps {
            break;
        }
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
        plane.advance(next - generation, &mut |_| true)?;
        generation = next;
    }
    let label = format!("{}, plane {}", source.label, source.rule);
    let mut out = std::io::stdout().lock();
    if let Some(gif) = gif {
        let zoom = gif.zoom;
        let (path, frames) = gif.finish()?;
        writeln!(
            out,
            "wrote {}: {label}, generations {}..={} every {}, {frames} frames, {}",
            path.display(),
            start + args.from,
            start + to,
            args.every,
            zoom.describe()
        )?;
    }
    if let Some(output) = png_out {
        let path = output.path().to_path_buf();
        let zoom = zoom_of(args.viewport.or(plane.bounding_box()).unwrap_or(NOTHING))?;
        let r = plane.raster(zoom.view, zoom.k)?;
        let pixels = painter.pixels(&Painter::shades(&r), r.width(), zoom.px, (0, 0, r.width(), r.height()));
        let side = |n: usize| u32::try_from(n * zoom.px).unwrap_or(u32::MAX);
        write_png(
            output,
            side(r.width()),
            side(r.height()),
            png::ColorType::Indexed,
            Some(&painter.palette),
            &pixels,
        )?;
        writeln!(
            out,
            "wrote {}: generation {}, population {}, {}",
            path.display(),
            plane.generation(),
            plane.population(),
            zoom.describe()
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
