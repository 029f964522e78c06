//! Pattern formats (RLE, plaintext) and the named pattern library.
//!
//! Readers take text, never paths: the caller reads the file and, on error, prefixes the
//! `line:column` that [`LifeError::Parse`] carries with the path. Every reader returns a
//! [`Pattern`] whose board is exactly the pattern's declared extent (RLE's `x`/`y` header, or the
//! plaintext's longest line × its rows); placing it on a larger board is [`Board::paste`]'s job.
//! Formats speak to a [`Board`] only through its public cell API, so no format depends on a
//! kernel.
//!
//! ```
//! use colony_life::pattern::{self, Grid};
//! use colony_life::{Rule, Topology};
//!
//! let glider = pattern::parse_rle("#N Glider\nx = 3, y = 3, rule = B3/S23:T64,64\nbo$2bo$3o!")?;
//! assert_eq!(glider.name.as_deref(), Some("Glider"));
//! assert_eq!(glider.board.population(), 5);
//! assert_eq!(glider.rule, Some(Rule::CONWAY));
//! assert_eq!(glider.grid, Some(Grid { topology: Topology::Torus, width: 64, height: 64 }));
//!
//! let text = pattern::write_rle(&glider.board, Rule::CONWAY, glider.grid, Some("Glider"));
//! assert_eq!(pattern::parse_auto(&text)?.board, glider.board);
//! assert_eq!(pattern::named("Gosper glider gun")?.board.population(), 36);
//! # Ok::<(), colony_life::LifeError>(())
//! ```

mod grid;
mod library;
mod plaintext;
mod rle;

use std::fmt;

pub use grid::{parse_rule_with_grid, Grid};
pub use library::{library_names, named};
pub use plaintext::{parse_plaintext, parse_plaintext_with_limit, write_plaintext};
pub use rle::{parse_rle, parse_rle_with_limit, read_rle, write_rle, write_rle_plane};

use crate::{Board, LifeError, Result, Rule, MAX_CELLS};

/// A pattern read from a file or the library: its cells and whatever the file said about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The cells, on a board exactly the pattern's declared size.
    pub board: Board,
    /// The rule the file names, if any (RLE's `rule =` or `#r`); plaintext never names one.
    pub rule: Option<Rule>,
    /// Golly's bounded-grid suffix of the rule (`:T64,64`), if the file gave one.
    pub grid: Option<Grid>,
    /// The pattern's name (RLE's `#N`, plaintext's `!Name:`), if given and not blank.
    pub name: Option<String>,
    /// Comment lines, without their markers; an RLE `#O` author line is kept as `Author: …`.
    pub comments: Vec<String>,
    /// Where the pattern's top-left cell sits on the plane (RLE's `#CXRLE Pos=X,Y`), if given.
    pub position: Option<(i64, i64)>,
    /// The pattern's own generation (RLE's `#CXRLE Gen=G`, a macrocell's `#G`), if given.
    pub generation: Option<u64>,
}

/// What a pattern file says about its cells, when they were read into a cell sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternInfo {
    /// The declared width.
    pub width: u64,
    /// The declared height.
    pub height: u64,
    /// The rule the file names, if any.
    pub rule: Option<Rule>,
    /// Golly's bounded-grid suffix of the rule, if any.
    pub grid: Option<Grid>,
    /// The pattern's name, if given and not blank.
    pub name: Option<String>,
    /// Comment lines, without their markers.
    pub comments: Vec<String>,
    /// Where the pattern's top-left cell sits on the plane (`#CXRLE Pos=X,Y`), if given.
    pub position: Option<(i64, i64)>,
    /// The pattern's own generation (`#CXRLE Gen=G`), if given.
    pub generation: Option<u64>,
}

/// A pattern file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Run-length encoded (`.rle`), Golly's native format.
    Rle,
    /// Plaintext (`.cells`): one line per row, `.` dead and `O` alive.
    Plaintext,
}

impl Format {
    /// The format a file extension names (`rle` or `cells`, any case, with or without the dot);
    /// a whole path works too, since only the text after its last `.` is looked at.
    pub fn from_path_extension(extension: &str) -> Option<Format> {
        let ext = extension.rsplit('.').next().unwrap_or(extension);
        if ext.eq_ignore_ascii_case("rle") {
            Some(Format::Rle)
        } else if ext.eq_ignore_ascii_case("cells") {
            Some(Format::Plaintext)
        } else {
            None
        }
    }

    /// Guesses the format of `text`: plaintext when its first non-blank line is a `!` comment or
    /// made only of `.`, `O` and `*`; RLE otherwise (so RLE that lacks its header is reported as
    /// such rather than as a plaintext with odd characters).
    pub fn detect(text: &str) -> Format {
        let first = lines(text).map(str::trim).find(|line| !line.is_empty());
        match first {
            Some(line) if line.starts_with('!') => Format::Plaintext,
            Some(line) if line.chars().all(|c| matches!(c, '.' | 'O' | '*')) => Format::Plaintext,
            _ => Format::Rle,
        }
    }

    /// Reads `text` in this format.
    pub fn parse(self, text: &str) -> Result<Pattern> {
        self.parse_with_limit(text, MAX_CELLS)
    }

    /// Reads `text` in this format, refusing patterns of more than `max_cells` cells.
    pub fn parse_with_limit(self, text: &str, max_cells: u64) -> Result<Pattern> {
        match self {
            Format::Rle => parse_rle_with_limit(text, max_cells),
            Format::Plaintext => parse_plaintext_with_limit(text, max_cells),
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Rle => "rle",
            Format::Plaintext => "cells",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Rle => "RLE",
            Format::Plaintext => "plaintext",
        })
    }
}

/// Reads `text` as RLE or plaintext, whichever [`Format::detect`] finds.
pub fn parse_auto(text: &str) -> Result<Pattern> {
    Format::detect(text).parse(text)
}

/// Reads `text` as RLE or plaintext, whichever [`Format::detect`] finds, refusing patterns of more
/// than `max_cells` cells (for text from untrusted sources: a two-line RLE may declare a board of
/// gigabytes).
pub fn parse_auto_with_limit(text: &str, max_cells: u64) -> Result<Pattern> {
    Format::detect(text).parse_with_limit(text, max_cells)
}

/// The lines of `text`, ended by `\n`, `\r\n` or a lone `\r` (old Mac files, which Golly reads
/// too); like [`str::lines`], a final line ending adds no empty line.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = &str> {
    // Editors on Windows start UTF-8 files with a byte-order mark; it is not part of the pattern.
    let mut rest = Some(text.strip_prefix('\u{feff}').unwrap_or(text));
    std::iter::from_fn(move || {
        let s = rest?;
        match s.find(['\n', '\r']) {
            Some(i) => {
                let ending = if s[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&s[i + ending..]);
                Some(&s[..i])
            }
            None => {
                rest = None;
                (!s.is_empty()).then_some(s)
            }
        }
    })
}

/// A [`LifeError::Parse`] at a 1-based position.
fn parse_error(line: usize, column: usize, message: impl Into<String>) -> LifeError {
    LifeError::Parse {
        line,
        column,
        message: message.into(),
    }
}

/// An empty board of the declared size, or an error at `(line, column)` explaining why not.
fn sized_board(width: u64, height: u64, max_cells: u64, at: (usize, usize)) -> Result<Board> {
    let (line, column) = at;
    if width == 0 || height == 0 {
        return Err(parse_error(
            line,
            column,
            format!("pattern size {width}x{height} is empty"),
        ));
    }
    let limit = max_cells.min(MAX_CELLS);
    if width.checked_mul(height).is_none_or(|cells| cells > limit) {
        return Err(parse_error(
            line,
            column,
            format!("pattern size {width}x{height} exceeds the limit of {limit} cells"),
        ));
    }
    let too_large = || parse_error(line, column, format!("pattern size {width}x{height} is too large"));
    let w = usize::try_from(width).map_err(|_| too_large())?;
    let h = usize::try_from(height).map_err(|_| too_large())?;
    Board::new(w, h).map_err(|e| parse_error(line, column, e.to_string()))
}

/// A name or comment fit for a one-line field: control characters (line breaks above all) would
/// let a name forge further lines of the file.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}
