//! `colony render`: the GIF, PNG and plot are decoded and compared pixel by pixel with the boards
//! the engine computes.
#![allow(clippy::unwrap_used)]

use std::fs::File;
use std::path::Path;

use assert_cmd::Command;
use colony_life::{pattern, soup, Board, Game, Rule, Topology};

const RED: [u8; 3] = [255, 0, 0];
const BLUE: [u8; 3] = [0, 0, 64];

fn colony() -> Command {
    Command::cargo_bin("colony").unwrap()
}

/// `name` centred on a `size`×`size` torus, after `generations`.
fn pattern_at(name: &str, size: usize, generations: u64) -> Board {
    let p = pattern::named(name).unwrap().board;
    let mut board = Board::new(size, size).unwrap();
    let (x, y) = ((size - p.width()) as i64 / 2, (size - p.height()) as i64 / 2);
    board.paste(&p, x, y).unwrap();
    step(board, generations)
}

fn step(board: Board, generations: u64) -> Board {
    let mut game = Game::new(board, Rule::CONWAY, Topology::Torus);
    game.advance(generations);
    game.current().board().clone()
}

/// Every frame of a GIF, composited onto the canvas (later frames only hold what changed).
fn gif_frames(path: &Path) -> (Vec<Vec<u8>>, usize, Vec<u16>) {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options.read_info(File::open(path).unwrap()).unwrap();
    let width = usize::from(decoder.width());
    let mut canvas = vec![0u8; width * usize::from(decoder.height()) * 4];
    let (mut frames, mut delays) = (Vec::new(), Vec::new());
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        let (left, top, w) = (
            usize::from(frame.left),
            usize::from(frame.top),
            usize::from(frame.width),
        );
        for (i, px) in frame.buffer.chunks_exact(4).enumerate() {
            let (x, y) = (left + i % w, top + i / w);
            canvas[(y * width + x) * 4..][..4].copy_from_slice(px);
        }
        frames.push(canvas.clone());
        delays.push(frame.delay);
    }
    (frames, width, delays)
}

/// Checks that each cell's pixels (the cell's centre, and all of them without a grid) have the
/// colour of its state.
fn assert_shows(rgba: &[u8], width_px: usize, scale: usize, board: &Board, what: &str) {
    for y in 0..board.height() {
        for x in 0..board.width() {
            let expected = if board.get(x, y) { RED } else { BLUE };
            let (cx, cy) = (x * scale + scale / 2, y * scale + scale / 2);
            let px = &rgba[(cy * width_px + cx) * 4..][..3];
            assert_eq!(px, expected, "{what}: cell ({x}, {y})");
        }
    }
}

#[test]
fn the_gif_shows_every_generation_of_a_glider() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("glider.gif");
    colony()
        .args([
            "render",
            "--pattern",
            "glider",
            "--size",
            "10",
            "--steps",
            "8",
            "--scale",
            "3",
        ])
        .args(["--alive", "#ff0000", "--dead", "#000040", "--delay", "40", "--gif"])
        .arg(&out)
        .assert()
        .success();
    let (frames, width, delays) = gif_frames(&out);
    assert_eq!((frames.len(), width), (9, 30));
    assert!(delays.iter().all(|&d| d == 4), "40 ms is 4 hundredths: {delays:?}");
    for (generation, rgba) in frames.iter().enumerate() {
        let board = pattern_at("glider", 10, generation as u64);
        assert_shows(rgba, width, 3, &board, &format!("frame {generation}"));
    }
    assert_ne!(frames[0], frames[4], "the glider moves");
}

#[test]
fn the_frame_range_and_the_grid_are_respected() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("range.gif");
    colony()
        .args([
            "render",
            "--pattern",
            "blinker",
            "--size",
            "7",
            "--steps",
            "9",
            "--from",
            "3",
            "--to",
            "7",
            "--every",
            "2",
        ])
        .args([
            "--scale", "4", "--alive", "ff0000", "--dead", "000040", "--grid", "#ffffff", "--gif",
        ])
        .arg(&out)
        .assert()
        .success();
    let (frames, width, _) = gif_frames(&out);
    assert_eq!(frames.len(), 3, "generations 3, 5, 7");
    for (k, generation) in [3u64, 5, 7].into_iter().enumerate() {
        assert_shows(
            &frames[k],
            width,
            4,
            &pattern_at("blinker", 7, generation),
            &format!("generation {generation}"),
        );
    }
    assert_eq!(
        &frames[0][..3],
        [255, 255, 255],
        "grid lines sit on each cell's top-left edge"
    );
}

#[test]
fn the_png_is_the_final_board_of_a_soup() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("final.png");
    let run = colony()
        .args(["render", "--seed", "5", "--size", "20", "--steps", "3", "--scale", "2"])
        .args(["--alive", "#ff0000", "--dead", "#000040", "--png"])
        .arg(&out)
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&run.get_output().stdout).contains("generation 3"));
    let mut decoder = png::Decoder::new(std::io::BufReader::new(File::open(&out).unwrap()));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
    let mut reader = decoder.read_info().unwrap();
    let mut rgba = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut rgba).unwrap();
    assert_eq!((info.width, info.height), (40, 40));
    let board = step(soup(20, 20, 5, 0.5).unwrap(), 3);
    // Without a grid every pixel of a cell has its colour.
    for y in 0..40 {
        for x in 0..40 {
            let expected = if board.get(x / 2, y / 2) { RED } else { BLUE };
            assert_eq!(rgba[(y * 40 + x) * 4..][..3], expected, "pixel ({x}, {y})");
        }
    }
}

#[test]
fn the_plot_draws_the_population_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plot.png");
    colony()
        .args([
            "render",
            "--pattern",
            "r-pentomino",
            "--size",
            "64",
            "--steps",
            "200",
            "--alive",
            "#ff0000",
            "--plot",
        ])
        .arg(&out)
        .assert()
        .success();
    let mut decoder = png::Decoder::new(std::io::BufReader::new(File::open(&out).unwrap()));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut rgb).unwrap();
    assert_eq!((info.width, info.height), (900, 480));
    let pixels: Vec<&[u8]> = rgb.chunks_exact(3).collect();
    let line = pixels.iter().filter(|p| p[0] > 200 && p[1] < 80 && p[2] < 80).count();
    let dark = pixels.iter().filter(|p| p[0] < 80 && p[1] < 80 && p[2] < 80).count();
    assert!(line > 500, "the population line is drawn ({line} red pixels)");
    assert!(dark > 500, "axes and labels are drawn ({dark} dark pixels)");
}

#[test]
fn bad_requests_fail_clearly() {
    let no_output = colony().args(["render", "--steps", "3"]).assert().failure().code(2);
    let stderr = String::from_utf8(no_output.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("--gif"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.gif");
    colony()
        .args(["render", "--steps", "3", "--to", "9", "--gif"])
        .arg(&out)
        .assert()
        .failure()
        .code(2);
    colony()
        .args(["render", "--alive", "green", "--gif"])
        .arg(&out)
        .assert()
        .failure()
        .code(2);
    colony()
        .args(["render", "--scale", "0", "--gif"])
        .arg(&out)
        .assert()
        .failure()
        .code(2);
    colony()
        .args(["render", "--grid", "--scale", "2", "--gif"])
        .arg(&out)
        .assert()
        .failure()
        .code(2);
}

// ---------------------------------------------------------------------------------------------
// The unbounded plane

/// A PNG's size and its pixels as RGBA.
fn png_rgba(path: &Path) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::BufReader::new(File::open(path).unwrap()));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
    let mut reader = decoder.read_info().unwrap();
    let mut rgba = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut rgba).unwrap();
    (info.width, info.height, rgba)
}

/// The plane holding library pattern `name` as colony places it (top-left cell at
/// (-width/2, -height/2)), after `generations`.
fn plane_of(name: &str, generations: u64) -> colony_life::HashLife {
    use colony_life::Universe;
    let p = pattern::named(name).unwrap().board;
    let (dx, dy) = (-(p.width() as i64 / 2), -(p.height() as i64 / 2));
    let cells = p.live_cells().map(|(x, y)| (x as i64 + dx, y as i64 + dy));
    let mut plane = colony_life::HashLife::from_cells(Rule::CONWAY, cells).unwrap();
    plane.advance(generations, &mut |_| true).unwrap();
    plane
}

/// The view and the block side a `wrote` line reports: `view WxH at (X,Y), ... per SxS cells`.
fn reported_view(line: &str) -> (colony_life::Rect, u64) {
    let view = line.split("view ").nth(1).unwrap();
    let (size, rest) = view.split_once(" at (").unwrap();
    let (w, h) = size.split_once('x').unwrap();
    let (corner, rest) = rest.split_once(')').unwrap();
    let (x, y) = corner.split_once(',').unwrap();
    let side = match rest.split(" per ").nth(1) {
        Some(block) if !block.starts_with("cell") => block.split('x').next().unwrap().parse().unwrap(),
        _ => 1,
    };
    let rect = colony_life::Rect {
        x: x.parse().unwrap(),
        y: y.parse().unwrap(),
        width: w.parse().unwrap(),
        height: h.parse().unwrap(),
    };
    (rect, side)
}

#[test]
fn a_wide_plane_pattern_is_zoomed_out_to_fit() {
    use colony_life::Cells;
    let dir = tempfile::tempdir().unwrap();
    let (gif, png) = (dir.path().join("gun.gif"), dir.path().join("gun.png"));
    // No size flag: the gun runs on the plane, and by generation 10^4 its gliders span 2,500
    // cells, more than the 512 pixels a picture gets by default.
    let run = colony()
        .args([
            "render",
            "--pattern",
            "gosper-glider-gun",
            "--steps",
            "10^4",
            "--every",
            "500",
        ])
        .args(["--alive", "#ff0000", "--dead", "#000040", "--gif"])
        .arg(&gif)
        .arg("--png")
        .arg(&png)
        .assert()
        .success();
    let stdout = String::from_utf8(run.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("population 1713"), "{stdout}");
    let png_line = stdout.lines().find(|l| l.contains("gun.png")).unwrap();
    assert!(png_line.contains("zoomed out"), "{png_line}");
    let (view, side) = reported_view(png_line);
    let k = side.trailing_zeros() as u8;
    assert!(k >= 1, "{png_line}");

    let (w, h, rgba) = png_rgba(&png);
    assert!(w <= 512 && h <= 512 && w >= 256, "{w}x{h}");
    let plane = plane_of("gosper-glider-gun", 10_000);
    let bbox = plane.bounding_box().unwrap();
    assert!(view.x <= bbox.x && view.right() >= bbox.right() && view.bottom() >= bbox.bottom());
    // A pixel per block: dead exactly where the engine's block is empty.
    let raster = plane.raster(view, k).unwrap();
    assert_eq!((raster.width() as u32, raster.height() as u32), (w, h));
    for row in 0..raster.height() {
        for column in 0..raster.width() {
            let px = &rgba[(row * w as usize + column) * 4..][..3];
            let empty = raster.get(column, row) == Some(0);
            assert_eq!(px == BLUE, empty, "pixel ({column}, {row}): {px:?}");
        }
    }
    let live = rgba.chunks_exact(4).filter(|p| p[..3] != BLUE).count();
    assert!(live > 300, "the gun and its stream of gliders show ({live} pixels)");

    let (frames, width, _) = gif_frames(&gif);
    assert_eq!(frames.len(), 21, "generations 0, 500, ..., 10^4");
    assert!(width <= 512);
    let lit = |f: &Vec<u8>| f.chunks_exact(4).filter(|p| p[..3] != BLUE).count();
    assert!(
        lit(&frames[0]) > 0 && lit(&frames[20]) > 5 * lit(&frames[0]),
        "the stream grows"
    );
}

#[test]
fn a_glider_in_a_fixed_viewport() {
    use colony_life::Cells;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("glider.gif");
    let run = colony()
        .args([
            "render",
            "--pattern",
            "glider",
            "--steps",
            "24",
            "--viewport",
            "-4,-4,20,16",
        ])
        .args(["--scale", "5", "--alive", "#ff0000", "--dead", "#000040", "--gif"])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8(run.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("view 20x16 at (-4,-4), 5 px per cell"), "{stdout}");
    let (frames, width, _) = gif_frames(&out);
    assert_eq!((frames.len(), width), (25, 100));
    for (generation, rgba) in frames.iter().enumerate() {
        let plane = plane_of("glider", generation as u64);
        for y in 0..16i64 {
            for x in 0..20i64 {
                let alive = plane.get_cell(x - 4, y - 4);
                let (cx, cy) = (x as usize * 5 + 2, y as usize * 5 + 2);
                let px = &rgba[(cy * width + cx) * 4..][..3];
                assert_eq!(
                    px,
                    if alive { RED } else { BLUE },
                    "generation {generation}, cell ({x}, {y})"
                );
            }
        }
    }
}

#[test]
fn a_macrocell_file_renders_on_the_plane() {
    let dir = tempfile::tempdir().unwrap();
    let mc = dir.path().join("acorn.mc");
    std::fs::write(&mc, plane_of("acorn", 0).write_macrocell()).unwrap();
    let png = dir.path().join("acorn.png");
    let run = colony()
        .args(["render", "--pattern"])
        .arg(&mc)
        .args(["--steps", "5206", "--fit", "64", "--png"])
        .arg(&png)
        .assert()
        .success();
    let stdout = String::from_utf8(run.get_output().stdout.clone()).unwrap();
    // Acorn's known fate: 633 cells from generation 5206 on.
    assert!(stdout.contains("generation 5206, population 633"), "{stdout}");
    let (w, h, _) = png_rgba(&png);
    assert!(w <= 64 && h <= 64 && w >= 32, "{w}x{h}");
}

#[test]
fn bad_viewports_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.gif");
    for (args, says) in [
        (vec!["--viewport", "0,0,0,5"], "at least 1"),
        (vec!["--viewport", "0,0,5"], "X,Y,W,H"),
        (vec!["--viewport", "a,0,5,5"], "bad coordinate"),
        (vec!["--viewport", "0,0,-5,5"], "bad size"),
        (vec!["--viewport", "9223372036854775807,0,2,2"], "largest coordinate"),
        (vec!["--fit", "100000"], "between 16 and 8192"),
        (vec!["--fit", "4"], "between 16 and 8192"),
        (vec!["--size", "10", "--viewport", "0,0,4,4"], "unbounded plane"),
        (vec!["--topology", "torus", "--fit", "64"], "unbounded plane"),
    ] {
        let run = colony()
            .args(["render", "--pattern", "glider", "--steps", "4"])
            .args(&args)
            .arg("--gif")
            .arg(&out)
            .assert()
            .failure()
            .code(2);
        let stderr = String::from_utf8(run.get_output().stderr.clone()).unwrap();
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: one line: {stderr}");
    }
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn a_soup_on_the_plane_and_a_still_life_past_2_to_the_64() {
    use colony_life::{Cells, Universe};
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("soup.png");
    let run = colony()
        .args([
            "render",
            "--topology",
            "plane",
            "--size",
            "32",
            "--seed",
            "3",
            "--steps",
            "100",
            "--png",
        ])
        .arg(&png)
        .assert()
        .success();
    let stdout = String::from_utf8(run.get_output().stdout.clone()).unwrap();
    let cells = soup(32, 32, 3, 0.5).unwrap();
    let cells = cells.live_cells().map(|(x, y)| (x as i64, y as i64));
    let mut plane = colony_life::HashLife::from_cells(Rule::CONWAY, cells).unwrap();
    plane.advance(100, &mut |_| true).unwrap();
    let expected = format!("generation 100, population {}, ", plane.population());
    assert!(stdout.contains(&expected), "{stdout}");
    let (view, _) = reported_view(&stdout);
    assert_eq!(
        Some(view),
        plane.bounding_box(),
        "the PNG is fitted to the last generation"
    );

    // HashLife jumps a still life to the last generation, and the plot samples 2^k apart.
    let started = std::time::Instant::now();
    let (gif, plot) = (dir.path().join("b.gif"), dir.path().join("b.png"));
    colony()
        .args(["render", "--pattern", "block", "--steps", "18446744073709551615"])
        .args(["--every", "18446744073709551615", "--gif"])
        .arg(&gif)
        .arg("--plot")
        .arg(&plot)
        .assert()
        .success();
    assert!(started.elapsed().as_secs() < 20);
    let (frames, width, _) = gif_frames(&gif);
    assert_eq!((frames.len(), width), (2, 8), "a 2x2 block, 4 px a cell");
}

#[test]
fn a_pattern_with_a_grid_or_a_size_flag_stays_on_a_board() {
    let dir = tempfile::tempdir().unwrap();
    let rle = dir.path().join("torus.rle");
    std::fs::write(&rle, "x = 3, y = 1, rule = B3/S23:T20,20\n3o!\n").unwrap();
    let png = dir.path().join("b.png");
    for pattern in [rle.to_str().unwrap(), "blinker"] {
        let mut run = colony();
        run.args(["render", "--pattern", pattern, "--steps", "3", "--png"])
            .arg(&png);
        if pattern == "blinker" {
            run.args(["--width", "64"]);
        }
        let stdout = String::from_utf8(run.assert().success().get_output().stdout.clone()).unwrap();
        assert!(!stdout.contains("view"), "{pattern}: {stdout}");
        let (w, h, _) = png_rgba(&png);
        assert_eq!((w, h), (256, 256), "{pattern}: a 64x64 board at 4 px a cell, as before");
    }
}
