//! Run-length encoded patterns (`.rle`), read and written the way Golly does.
//!
//! A file is `#` lines (`#N` name, `#C`/`#c` comments, `#O` author, `#r` rule, others ignored),
//! a header `x = W, y = H, rule = B3/S23:T64,64` (spaces optional, rule optional), then runs:
//! an optional count and a tag, `b`/`.` dead, `$` end of row, `!` end of pattern, any other letter
//! alive (Life-like rules have two states, so Golly's state letters all mean alive). Whitespace
//! and line breaks may fall anywhere in the cells, even inside a count, as Golly allows.
//!
//! Where Golly is lenient this reader is too: the `!` may be missing, text after it is ignored,
//! and dead cells past the declared size are harmless. Where Golly silently drops data this
//! reader refuses: live cells outside the declared `x` × `y`, unknown characters, counts of zero
//! or beyond `u64`, and a count with nothing to repeat.

mod cells;
mod header;

use cells::{Cells, Target};
use header::{is_header, parse_header};

use super::{lines, one_line, parse_error, parse_rule_with_grid, sized_board, Grid, Pattern, PatternInfo};
use crate::{Board, CellSink, LifeError, Result, Rule, MAX_CELLS};

/// Golly keeps RLE lines to at most 70 characters; so do we.
const MAX_LINE: usize = 70;

const MISSING_HEADER: &str = "missing RLE header line `x = <width>, y = <height>`";

/// Reads an RLE pattern. See the module documentation for what is accepted.
pub fn parse_rle(text: &str) -> Result<Pattern> {
    parse_rle_with_limit(text, MAX_CELLS)
}

/// Reads an RLE pattern, refusing a declared size of more than `max_cells` cells (the header
/// alone decides the allocation, so untrusted text should come with a modest limit).
pub fn parse_rle_with_limit(text: &str, max_cells: u64) -> Result<Pattern> {
    let mut target = BoardTarget { board: None, max_cells };
    let meta = read(text, &mut target)?;
    let Some(board) = target.board else {
        return Err(parse_error(1, 1, MISSING_HEADER));
    };
    Ok(Pattern {
        board,
        rule: meta.rule,
        grid: meta.grid,
        name: meta.name,
        comments: meta.comments,
        position: meta.position,
        generation: meta.generation,
    })
}

/// Reads an RLE pattern into `sink`, cell `(x, y)` of the pattern going to `(x0 + x, y0 + y)`,
/// without allocating the declared extent: a header of 10^12 × 10^12 with three live cells costs
/// three cells. Returns what the file says about the cells.
pub fn read_rle(text: &str, sink: &mut dyn CellSink, x0: i64, y0: i64) -> Result<PatternInfo> {
    let mut target = SinkTarget { sink, x0, y0 };
    let meta = read(text, &mut target)?;
    Ok(PatternInfo {
        width: meta.width,
        height: meta.height,
        rule: meta.rule,
        grid: meta.grid,
        name: meta.name,
        comments: meta.comments,
        position: meta.position,
        generation: meta.generation,
    })
}

/// Fills a board of the declared size, made once the header is read.
struct BoardTarget {
    board: Option<Board>,
    max_cells: u64,
}

impl Target for BoardTarget {
    fn live(&mut self, x: u64, y: u64, n: u64) -> Result<()> {
        if let Some(board) = &mut self.board {
            // Within the declared size, which the board has.
            for cx in x..x + n {
                board.set(cx as usize, y as usize, true);
            }
        }
        Ok(())
    }
}

/// Writes live cells to a sink.
struct SinkTarget<'a> {
    sink: &'a mut dyn CellSink,
    x0: i64,
    y0: i64,
}

impl Target for SinkTarget<'_> {
    fn live(&mut self, x: u64, y: u64, n: u64) -> Result<()> {
        let at = |origin: i64, v: u64| {
            i64::try_from(v)
                .ok()
                .and_then(|v| origin.checked_add(v))
                .ok_or(LifeError::OutOfPlane { x: self.x0, y: self.y0 })
        };
        let cy = at(self.y0, y)?;
        for cx in x..x.saturating_add(n) {
            self.sink.set_cell(at(self.x0, cx)?, cy, true)?;
        }
        Ok(())
    }
}

/// Reads the `#` lines, the header and the runs, handing live runs to `target` (a board target
/// gets its board made from the header first).
fn read(text: &str, target: &mut dyn AnyTarget) -> Result<Meta> {
    let mut meta = Meta::default();
    let mut lines = lines(text).enumerate().map(|(i, line)| (i + 1, line));
    let mut seen = 0;
    loop {
        let Some((number, line)) = lines.next() else {
            return Err(parse_error(seen + 1, 1, MISSING_HEADER));
        };
        seen = number;
        let body = line.trim_start();
        let column = line[..line.len() - body.len()].chars().count() + 1;
        if body.is_empty() {
            continue;
        }
        if body.starts_with('#') {
            meta.hash_line(body, number, column)?;
            continue;
        }
        if !is_header(body) {
            return Err(parse_error(
                number,
                column,
                format!("{MISSING_HEADER} before the cells"),
            ));
        }
        let header = parse_header(body, number, column)?;
        if let Some((rule, grid)) = header.rule {
            meta.rule = Some(rule);
            meta.grid = grid;
        }
        (meta.width, meta.height) = (header.width, header.height);
        target.header(header.width, header.height, (number, header.width_column))?;
        break;
    }
    let mut cells = Cells::new(target.as_target(), meta.width, meta.height);
    for (number, line) in lines {
        let body = line.trim_start();
        if body.starts_with('#') {
            let column = line[..line.len() - body.len()].chars().count() + 1;
            meta.hash_line(body, number, column)?;
        } else if cells.read_line(line, number)? {
            break;
        }
    }
    cells.finish()?;
    Ok(meta)
}

/// A target that also hears the header.
trait AnyTarget: Target {
    fn header(&mut self, width: u64, height: u64, at: (usize, usize)) -> Result<()>;
    fn as_target(&mut self) -> &mut dyn Target;
}

impl AnyTarget for BoardTarget {
    fn header(&mut self, width: u64, height: u64, at: (usize, usize)) -> Result<()> {
        self.board = Some(sized_board(width, height, self.max_cells, at)?);
        Ok(())
    }
    fn as_target(&mut self) -> &mut dyn Target {
        self
    }
}

impl AnyTarget for SinkTarget<'_> {
    fn header(&mut self, width: u64, height: u64, _: (usize, usize)) -> Result<()> {
        self.sink.declare(width, height)
    }
    fn as_target(&mut self) -> &mut dyn Target {
        self
    }
}

/// What the `#` lines and the header say about the pattern.
#[derive(Default)]
struct Meta {
    name: Option<String>,
    comments: Vec<String>,
    rule: Option<Rule>,
    grid: Option<Grid>,
    position: Option<(i64, i64)>,
    generation: Option<u64>,
    width: u64,
    height: u64,
}

impl Meta {
    /// Takes in one `#` line; `body` starts with the `#`, found at `column`.
    fn hash_line(&mut self, body: &str, line: usize, column: usize) -> Result<()> {
        let mut rest = body[1..].chars();
        let kind = rest.next();
        let text = rest.as_str();
        match kind {
            Some('N') => {
                let name = one_line(text);
                if self.name.is_none() && !name.is_empty() {
                    self.name = Some(name);
                }
            }
            // `#CXRLE Pos=… Gen=…` is Golly's machine-readable metadata, not a comment.
            Some('C') if text.starts_with("XRLE") => self.xrle(&text[4..], line, column + 6)?,
            Some('C' | 'c') => self.comments.push(one_line(text)),
            Some('O') => self.comments.push(format!("Author: {}", one_line(text))),
            Some('r') => {
                let value = text.trim_start();
                let offset = text.len() - value.len();
                // Golly takes the rule up to the first blank.
                let value = value.split_whitespace().next().unwrap_or("");
                let value_column = column + 2 + text[..offset].chars().count();
                let (rule, grid) =
                    parse_rule_with_grid(value).map_err(|e| parse_error(line, value_column, e.to_string()))?;
                self.rule = Some(rule);
                self.grid = grid;
            }
            _ => {}
        }
        Ok(())
    }

    /// Reads the fields of a `#CXRLE` line (`Pos=X,Y`, `Gen=G`; others ignored, as Golly does),
    /// `text` starting at `column`.
    fn xrle(&mut self, text: &str, line: usize, column: usize) -> Result<()> {
        let mut offset = 0;
        for word in text.split(' ') {
            let at = column + text[..offset].chars().count();
            offset += word.len() + 1;
            if let Some(pos) = word.strip_prefix("Pos=") {
                let parsed = pos
                    .split_once(',')
                    .and_then(|(x, y)| Some((x.trim().parse::<i64>().ok()?, y.trim().parse::<i64>().ok()?)));
                let Some(position) = parsed else {
                    return Err(parse_error(
                        line,
                        at,
                        format!("bad #CXRLE position {pos:?}, expected Pos=X,Y"),
                    ));
                };
                self.position = Some(position);
            } else if let Some(generation) = word.strip_prefix("Gen=") {
                let Ok(generation) = generation.trim().parse::<u64>() else {
                    return Err(parse_error(
                        line,
                        at,
                        format!("bad #CXRLE generation {generation:?}, expected a whole number up to 2^64 - 1"),
                    ));
                };
                self.generation = Some(generation);
            }
        }
        Ok(())
    }
}

/// Writes the live cells of `cells` as RLE for the plane: a `#CXRLE Pos=X,Y Gen=G` line placing
/// the bounding box's top-left cell and giving the generation (as Golly writes it), an optional
/// `#N` line, the header with the rule and no grid suffix, then the runs as [`write_rle`] does.
/// Reading it back, positioned by its `Pos`, gives the same cells at the same generation.
pub fn write_rle_plane(cells: &dyn crate::Cells, rule: Rule, name: Option<&str>) -> String {
    let area = cells.bounding_box();
    let (x0, y0) = area.map_or((0, 0), |a| (a.x, a.y));
    let mut out = format!("#CXRLE Pos={x0},{y0} Gen={}\n", cells.generation());
    if let Some(name) = name.map(one_line).filter(|n| !n.is_empty()) {
        out.push_str(&format!("#N {name}\n"));
    }
    let (w, h) = area.map_or((0, 0), |a| (a.width, a.height));
    out.push_str(&format!("x = {w}, y = {h}, rule = {rule}\n"));
    let live = area.map(|a| cells.live_cells_in(a)).unwrap_or_default();
    write_runs(out, live.into_iter().map(|(x, y)| (x.abs_diff(x0), y.abs_diff(y0))))
}

/// Writes `board` as RLE: an optional `#N` line, the header with the rule (and `grid`'s suffix),
/// then runs in lines of at most 70 characters, trailing dead cells of each row left out, blank
/// rows folded into the count of a `$`, and a final `!`. Reading it back gives the same board
/// (and the same rule, grid and name, a name being reduced to one trimmed line); a `grid` with a
/// zero dimension is written as given, but reads back as an error, like any infinite grid.
pub fn write_rle(board: &Board, rule: Rule, grid: Option<Grid>, name: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(name) = name.map(one_line).filter(|n| !n.is_empty()) {
        out.push_str(&format!("#N {name}\n"));
    }
    let suffix = grid.map(|g| g.to_string()).unwrap_or_default();
    out.push_str(&format!(
        "x = {}, y = {}, rule = {rule}{suffix}\n",
        board.width(),
        board.height()
    ));
    write_runs(out, board.live_cells().map(|(x, y)| (x as u64, y as u64)))
}

/// Appends to `out` the runs of `cells` (offsets from the top-left corner, row by row, left to
/// right), blank rows folded into the count of a `$`, and the final `!`.
fn write_runs(out: String, cells: impl Iterator<Item = (u64, u64)>) -> String {
    let mut runs = Runs { out, line_len: 0 };
    let (mut row, mut column) = (0u64, 0u64);
    let mut cells = cells.peekable();
    while let Some((start, y)) = cells.next() {
        if y > row {
            runs.push(y - row, '$');
            (row, column) = (y, 0);
        }
        runs.push(start - column, 'b');
        let mut end = start + 1;
        while cells.next_if(|&(x, yy)| yy == y && x == end).is_some() {
            end += 1;
        }
        runs.push(end - start, 'o');
        column = end;
    }
    runs.push(1, '!');
    let mut out = runs.out;
    out.push('\n');
    out
}

/// Appends run tokens, breaking lines between tokens to stay within [`MAX_LINE`].
struct Runs {
    out: String,
    line_len: usize,
}

impl Runs {
    fn push(&mut self, count: u64, tag: char) {
        let token = match count {
            0 => return,
            1 => tag.to_string(),
            n => format!("{n}{tag}"),
        };
        if self.line_len > 0 && self.line_len + token.len() > MAX_LINE {
            self.out.push('\n');
            self.line_len = 0;
        }
        self.out.push_str(&token);
        self.line_len += token.len();
    }
}
