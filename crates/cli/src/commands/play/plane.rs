//! `colony play` on the unbounded plane: HashLife (any number of generations in one jump), sparse
//! tiles (chaotic growth), or `auto`, which picks and may switch once ([`super::auto`]).

use std::io::{BufWriter, Write};
use std::time::Instant;

use anyhow::{bail, Result};
use colony_life::pattern::{self, Format};
use colony_life::{Board, CellSink, Cells, HashLife, LifeError, Outcome, Rule, State, Universe, DEFAULT_CYCLE_WINDOW};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::auto::{Plane, Runner};
use super::{describe_box, OutFormat, PlayArgs, PrintMode};
use crate::args::format_rate;
use crate::input;

/// The largest bounding box `--print` shows, in cells.
pub const PRINT_LIMIT: u64 = 250_000;

/// Runs the game described by `args` from `plane` (a soup's `seed`, if it is one).
pub fn run(
    args: &PlayArgs,
    plane: HashLife,
    seed: Option<u64>,
    output: Option<(OutFormat, input::Output)>,
) -> Result<()> {
    let (rule, memory) = (plane.rule(), plane.memory_budget());
    let mut runner = Runner::new(args.algo, plane)?;
    tracing::info!(rule = %rule, population = runner.plane.cells().population(), algorithm = %runner.choice, "starting game on the plane");

    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if let Some(seed) = seed {
        eprintln!("seed {seed} (repeat with --seed {seed})");
    }
    if args.print == PrintMode::Every {
        writeln!(out, "Initial state:\n{}", region(runner.plane.cells())?)?;
    }
    let started = Instant::now();
    let target = runner.generation().checked_add(args.steps).ok_or_else(|| {
        anyhow::anyhow!(
            "--steps {}: generation {} + {} is beyond 2^64 - 1",
            args.steps,
            runner.generation(),
            args.steps
        )
    })?;
    let mut outcome = None;
    if args.print == PrintMode::Every {
        while runner.generation() < target {
            if args.stop_when_settled && settled(&mut runner.plane, &mut outcome)? {
                break;
            }
            runner.advance(1, &mut |_| true)?;
            writeln!(
                out,
                "\nstate #{}:\n{}",
                runner.generation(),
                region(runner.plane.cells())?
            )?;
        }
    } else if args.stop_when_settled {
        // Look ahead now and then: settling is found within a window of generations.
        let chunk = DEFAULT_CYCLE_WINDOW as u64;
        while runner.generation() < target && !settled(&mut runner.plane, &mut outcome)? {
            let n = chunk.min(target - runner.generation());
            runner.advance(n, &mut |_| true)?;
        }
    } else {
        let progress = progress_bar(args.steps);
        let interrupted = input::interrupted();
        runner.advance(args.steps, &mut |done| {
            progress.set_position(done);
            !interrupted.load(std::sync::atomic::Ordering::Relaxed)
        })?;
        progress.finish_and_clear();
    }
    let stepped = runner.generation() - (target - args.steps);
    let stepping = started.elapsed();
    // Where the time went: nodes made (misses) against nodes found (hits), tiles stepped.
    match &runner.plane {
        Plane::Hash(h) => tracing::debug!(stats = ?h.stats(), seconds = stepping.as_secs_f64(), "hashlife stepped"),
        Plane::Tiles(t) => tracing::debug!(stats = ?t.stats(), seconds = stepping.as_secs_f64(), "tiles stepped"),
    }
    let stopped = runner.generation() < target && !args.stop_when_settled;
    let outcome = match outcome.filter(|o: &Outcome| o.is_settled()) {
        Some(o) => o.to_string(),
        // The look-ahead steps a window of generations: not what an interrupted run waits for.
        None if stopped => "unknown (interrupted)".to_string(),
        None => match look_ahead(&mut runner.plane) {
            Ok(o) => o.to_string(),
            // Tiles look ahead on a copy, which a pattern holding most of the budget leaves no
            // room for: the run itself is done, so say so rather than fail.
            Err(e) if matches!(e.downcast_ref(), Some(LifeError::MemoryBudget { .. })) => {
                "unknown (no memory left to look ahead)".to_string()
            }
            Err(e) => return Err(e),
        },
    };
    let wall = started.elapsed();
    let choice = runner.choice;
    let mut plane = runner.plane;
    if args.print == PrintMode::Last {
        match region(plane.cells()) {
            Ok(text) => writeln!(out, "state #{}:\n{}", plane.cells().generation(), text)?,
            // The final board is a courtesy; a pattern too large to show still has a summary.
            Err(e) => eprintln!("state #{} not printed: {e:#}", plane.cells().generation()),
        }
    }
    if let Some((format, output)) = output {
        let text = match format {
            OutFormat::Pattern(Format::Rle) => pattern::write_rle_plane(plane.cells(), rule, None),
            OutFormat::Pattern(Format::Plaintext) => pattern::write_plaintext(&bounding_board(plane.cells())?, None),
            OutFormat::Macrocell => plane.make_hashlife(memory)?.write_macrocell(),
        };
        output.write(&text)?;
    }
    let plane = plane.cells();
    let area = plane.bounding_box();
    // As if the bounding box had been a dense board all along: comparable with dense runs.
    let updates = stepped as f64 * area.map_or(0.0, |a| a.area() as f64);
    let rate = updates / stepping.as_secs_f64().max(1e-9);
    let seed = seed.map(|s| format!(", seed {s}")).unwrap_or_default();
    writeln!(
        out,
        "generation {}, population {}, outcome {}, {:.6} s, {} cell updates/s (plane {}, {choice}, {}{seed})",
        plane.generation(),
        plane.population(),
        outcome,
        wall.as_secs_f64(),
        format_rate(rate),
        rule,
        describe_box(area),
    )?;
    out.flush()?;
    if stopped {
        bail!("interrupted by Ctrl-C at generation {} of {target}", plane.generation());
    }
    Ok(())
}

/// Whether the plane has settled (remembering what it settled into).
fn settled(plane: &mut Plane, outcome: &mut Option<Outcome>) -> Result<bool> {
    let found = look_ahead(plane)?;
    *outcome = Some(found);
    Ok(found.is_settled())
}

/// What the pattern does next, found by looking a window of generations ahead.
fn look_ahead(plane: &mut Plane) -> Result<Outcome> {
    let window = DEFAULT_CYCLE_WINDOW as u64;
    Ok(match plane {
        Plane::Hash(h) => h.outcome_ahead(window)?,
        Plane::Tiles(t) => t.outcome_ahead(window)?,
    })
}

/// The bounding box as a dense board (refused past [`PRINT_LIMIT`] cells).
fn bounding_board(plane: &dyn Cells) -> Result<Board> {
    let Some(area) = plane.bounding_box() else {
        return Ok(Board::new(1, 1)?);
    };
    if area.area() > PRINT_LIMIT {
        bail!(
            "the bounding box {}x{} has more than {PRINT_LIMIT} cells, the most colony prints or writes as a board",
            area.width,
            area.height
        );
    }
    let mut board = colony_life::Dense::new(
        area.width as usize,
        area.height as usize,
        Rule::CONWAY,
        colony_life::Topology::Bounded,
    )?;
    let mut failed = None;
    plane.for_each_live_cell(area, &mut |x, y| {
        if let Err(e) = board.set_cell(x - area.x, y - area.y, true) {
            failed = Some(e);
        }
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    Ok(board.board().clone())
}

/// The bounding box in the tutorial's text format.
fn region(plane: &dyn Cells) -> Result<String> {
    Ok(State::new(bounding_board(plane)?, plane.generation()).to_string())
}

fn progress_bar(steps: u64) -> ProgressBar {
    if steps < 1 << 20 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} generations, eta {eta}") {
        bar.set_style(style);
    }
    bar
}
