//! The RLE cell runs: counts and tags, handing runs of live cells within the declared size to a
//! [`Target`].

use crate::pattern::parse_error;
use crate::Result;

/// Where the runs of live cells go: a board of the declared size, or a cell sink.
pub(super) trait Target {
    /// `n` live cells from column `x` of row `y` (all within the declared size).
    fn live(&mut self, x: u64, y: u64, n: u64) -> Result<()>;
}

/// A count being read, and where it started (errors about a run point at its count).
#[derive(Clone, Copy)]
struct Run {
    count: u64,
    line: usize,
    column: usize,
}

/// The cell-reading state: the declared size, the target and the cursor. The cursor saturates
/// instead of overflowing, since dead runs and row ends may point anywhere harmlessly.
pub(super) struct Cells<'a> {
    target: &'a mut dyn Target,
    width: u64,
    height: u64,
    x: u64,
    y: u64,
    run: Option<Run>,
}

impl<'a> Cells<'a> {
    /// Starts at the top-left cell of a `width`×`height` pattern.
    pub(super) fn new(target: &'a mut dyn Target, width: u64, height: u64) -> Cells<'a> {
        Cells {
            target,
            width,
            height,
            x: 0,
            y: 0,
            run: None,
        }
    }

    /// Checks that the cells are over: a count left waiting for its tag is an error.
    pub(super) fn finish(self) -> Result<()> {
        match self.run {
            Some(run) => Err(parse_error(
                run.line,
                run.column,
                "run count is not followed by b, o or $",
            )),
            None => Ok(()),
        }
    }

    /// Reads one line of runs; `Ok(true)` once the closing `!` is met.
    pub(super) fn read_line(&mut self, line: &str, number: usize) -> Result<bool> {
        let mut chars = line.chars().enumerate().peekable();
        while let Some((i, c)) = chars.next() {
            let column = i + 1;
            match c {
                '0'..='9' => {
                    let run = self.run.get_or_insert(Run {
                        count: 0,
                        line: number,
                        column,
                    });
                    run.count = run
                        .count
                        .checked_mul(10)
                        .and_then(|n| n.checked_add(u64::from(c) - u64::from('0')))
                        .ok_or_else(|| parse_error(run.line, run.column, "run count is too large"))?;
                }
                c if c.is_whitespace() => {}
                'b' | '.' => {
                    let (n, _) = self.take_count(number, column)?;
                    self.x = self.x.saturating_add(n);
                }
                '$' => {
                    let (n, _) = self.take_count(number, column)?;
                    self.y = self.y.saturating_add(n);
                    self.x = 0;
                }
                '!' => {
                    if let Some(run) = self.run {
                        return Err(parse_error(
                            run.line,
                            run.column,
                            "run count is followed by '!', not b, o or $",
                        ));
                    }
                    return Ok(true);
                }
                c if c.is_ascii_alphabetic() => {
                    // Golly's states past 24 take two letters, `p`..`y` then `A`..`X`: one cell.
                    if ('p'..='y').contains(&c) && chars.peek().is_some_and(|&(_, d)| ('A'..='X').contains(&d)) {
                        chars.next();
                    }
                    let (n, start) = self.take_count(number, column)?;
                    self.live(n, start)?;
                }
                c => {
                    return Err(parse_error(
                        number,
                        column,
                        format!("unexpected character {c:?} in RLE cells"),
                    ))
                }
            }
        }
        Ok(false)
    }

    /// The pending count (1 if none) and where its run started.
    fn take_count(&mut self, line: usize, column: usize) -> Result<(u64, (usize, usize))> {
        match self.run.take() {
            None => Ok((1, (line, column))),
            Some(run) if run.count == 0 => Err(parse_error(run.line, run.column, "run count must be at least 1")),
            Some(run) => Ok((run.count, (run.line, run.column))),
        }
    }

    /// Sets `n` live cells at the cursor, refusing any outside the declared size.
    fn live(&mut self, n: u64, (line, column): (usize, usize)) -> Result<()> {
        let (width, height) = (self.width, self.height);
        if self.y >= height {
            let row = self.y.saturating_add(1);
            return Err(parse_error(
                line,
                column,
                format!("live cells in row {row} are beyond the declared height y = {height}"),
            ));
        }
        let end = self.x.saturating_add(n);
        if end > width {
            return Err(parse_error(
                line,
                column,
                format!("live cells up to column {end} are beyond the declared width x = {width}"),
            ));
        }
        self.target.live(self.x, self.y, n)?;
        self.x = end;
        Ok(())
    }
}
