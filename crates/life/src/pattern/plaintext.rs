//! Plaintext patterns (`.cells`): `!` comment lines (`!Name: …` names the pattern), then one line
//! per row, `.` dead and `O` (or `*`) alive.
//!
//! Rows may be ragged (short rows are padded with dead cells; the longest sets the width) and
//! trailing blanks on a line are ignored, since editors add and strip them invisibly. Blank lines
//! between rows are empty rows; blank lines after the last row are not rows, for the same reason.

use super::{lines, one_line, parse_error, sized_board, Pattern};
use crate::{Board, Result, MAX_CELLS};

/// Reads a plaintext pattern. See the module documentation for what is accepted.
pub fn parse_plaintext(text: &str) -> Result<Pattern> {
    parse_plaintext_with_limit(text, MAX_CELLS)
}

/// Reads a plaintext pattern, refusing one of more than `max_cells` cells (a long line times
/// many lines is a large board for little text).
pub fn parse_plaintext_with_limit(text: &str, max_cells: u64) -> Result<Pattern> {
    let mut name = None;
    let mut comments = Vec::new();
    // Each row's live columns and length, and the line of the first row (for size errors).
    let mut rows: Vec<(Vec<usize>, usize)> = Vec::new();
    let mut first_row_line = None;
    let mut line_count = 0;
    for (index, line) in lines(text).enumerate() {
        let number = index + 1;
        line_count = number;
        if let Some(comment) = line.strip_prefix('!') {
            match comment.get(..5) {
                Some(tag) if tag.eq_ignore_ascii_case("name:") => {
                    let text = one_line(&comment[5..]);
                    if name.is_none() && !text.is_empty() {
                        name = Some(text);
                    }
                }
                _ => comments.push(one_line(comment)),
            }
            continue;
        }
        first_row_line.get_or_insert(number);
        let mut live = Vec::new();
        let mut len = 0;
        for (i, c) in line.trim_end().chars().enumerate() {
            match c {
                '.' => {}
                'O' | '*' => live.push(i),
                c => {
                    return Err(parse_error(
                        number,
                        i + 1,
                        format!("unexpected character {c:?} in a plaintext row (expected '.', 'O' or '*')"),
                    ))
                }
            }
            len = i + 1;
        }
        rows.push((live, len));
    }
    while rows.last().is_some_and(|(_, len)| *len == 0) {
        rows.pop();
    }
    let Some(first_line) = first_row_line.filter(|_| !rows.is_empty()) else {
        return Err(parse_error(line_count + 1, 1, "plaintext pattern has no rows"));
    };
    let width = rows.iter().map(|(_, len)| *len).max().unwrap_or(0);
    let mut board = sized_board(width as u64, rows.len() as u64, max_cells, (first_line, 1))?;
    for (y, (live, _)) in rows.iter().enumerate() {
        for &x in live {
            board.set(x, y, true);
        }
    }
    Ok(Pattern {
        board,
        rule: None,
        grid: None,
        name,
        comments,
        position: None,
        generation: None,
    })
}

/// Writes `board` as plaintext: a `!Name:` line if named, then every row in full (`.` dead,
/// `O` alive), so that reading it back gives the same board, size included.
pub fn write_plaintext(board: &Board, name: Option<&str>) -> String {
    let mut out = String::with_capacity((board.width() + 1) * board.height() + 64);
    if let Some(name) = name.map(one_line).filter(|n| !n.is_empty()) {
        out.push_str(&format!("!Name: {name}\n"));
    }
    for y in 0..board.height() {
        out.extend((0..board.width()).map(|x| if board.get(x, y) { 'O' } else { '.' }));
        out.push('\n');
    }
    out
}
