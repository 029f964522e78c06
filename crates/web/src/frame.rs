//! The binary WebSocket frame: one game's latest board, bit-packed.
//!
//! Every binary message on `/ws` is one frame: a 48-byte header followed by the board's storage
//! words exactly as [`Board::words`] holds them (rows padded to 64-bit words, bit `k` of word `w`
//! of a row is column `64·w + k`), each word little-endian. All integers are little-endian.
//!
//! | offset | size | field |
//! |-------:|-----:|-------|
//! | 0  | 1 | kind: `1` = board frame |
//! | 1  | 1 | format version: `1` |
//! | 2  | 1 | outcome: `0` running, `1` extinct, `2` still, `3` oscillating, `4` spaceship |
//! | 3  | 1 | status: `0` running, `1` finished, `2` killed, `3` failed, `4` cancelled |
//! | 4  | 4 | trial id (u32; frames of an older trial are stale) |
//! | 8  | 4 | game id (u32) |
//! | 12 | 4 | period (u32; 1 for still, p for oscillating or a spaceship, else 0) |
//! | 16 | 8 | generation (u64) |
//! | 24 | 8 | population (u64) |
//! | 32 | 4 | width in cells (u32) |
//! | 36 | 4 | height in cells (u32) |
//! | 40 | 4 | words per row (u32) = ⌈width / 64⌉ |
//! | 44 | 2 | a spaceship's dx per period (i16, clamped), else 0 |
//! | 46 | 2 | a spaceship's dy per period (i16, clamped), else 0 |
//! | 48 | 8 · words per row · height | the words |
//!
//! The header is a multiple of 8 bytes so a browser can view the words in place as a
//! `Uint32Array` (little-endian u64 = low u32 then high u32): cell `(x, y)` is bit `x & 31` of
//! u32 number `y · 2 · words_per_row + (x >> 5)`. A 256×256 board travels in 8 KiB + 48 bytes.
//!
//! A game on the unbounded plane sends a **view** instead (kind `2`): the same 48 bytes (width
//! and height are the view's, in pixels), then 24 more, then the pixels as a board's words.
//! The view follows the pattern: it covers its bounding box, and zooms out as the pattern grows,
//! a pixel standing for a 2^k×2^k block of cells, lit when any of them is alive.
//!
//! | offset | size | field |
//! |-------:|-----:|-------|
//! | 48 | 8 | x of the view's left edge, in cells (i64) |
//! | 56 | 8 | y of the view's top edge, in cells (i64) |
//! | 64 | 1 | k: a pixel is 2^k × 2^k cells |
//! | 65 | 7 | reserved, 0 |
//! | 72 | … | the pixels, as a board's words |

use colony_life::{raster, Board, Cells, Outcome, PlaneState, Rect, World};
use serde::Serialize;

use colony_actors::{GameId, Summary, TrialId};

/// Bytes before the words.
pub const HEADER_LEN: usize = 48;
/// Value of byte 0 for a board frame.
pub const KIND_BOARD: u8 = 1;
/// Value of byte 0 for a view of the plane.
pub const KIND_PLANE: u8 = 2;
/// Bytes before a plane view's pixels.
pub const PLANE_HEADER_LEN: usize = 72;
/// Value of byte 1 for this layout.
pub const FORMAT_VERSION: u8 = 1;
/// Widest and tallest view of the plane, in pixels.
pub const PLANE_VIEW: u64 = 256;

/// Where a game of the current trial stands (its outcome says what its board is doing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GameStatus {
    /// Its actor is stepping it (or waiting for the next batch).
    Running,
    /// The trial ran all its generations.
    Finished,
    /// Killed from the dashboard or the API; its actor stopped.
    Killed,
    /// Its actor failed; the other games went on.
    Failed,
    /// The trial was cancelled before this game finished.
    Cancelled,
}

impl GameStatus {
    /// The byte that stands for this status in a frame.
    pub fn code(self) -> u8 {
        match self {
            GameStatus::Running => 0,
            GameStatus::Finished => 1,
            GameStatus::Killed => 2,
            GameStatus::Failed => 3,
            GameStatus::Cancelled => 4,
        }
    }

    /// The status a frame byte stands for.
    pub fn from_code(code: u8) -> Option<GameStatus> {
        Some(match code {
            0 => GameStatus::Running,
            1 => GameStatus::Finished,
            2 => GameStatus::Killed,
            3 => GameStatus::Failed,
            4 => GameStatus::Cancelled,
            _ => return None,
        })
    }
}

/// The byte that stands for an outcome, its period field and its motion field.
pub(crate) fn outcome_code(outcome: Outcome) -> (u8, u32, [u8; 4]) {
    let period = outcome.period().map_or(0, |p| u32::try_from(p).unwrap_or(u32::MAX));
    let clamp = |d: i64| (d.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16).to_le_bytes();
    let (dx, dy) = outcome.displacement().unwrap_or((0, 0));
    let (dx, dy) = (clamp(dx), clamp(dy));
    let code = match outcome {
        Outcome::Running => 0,
        Outcome::Extinct => 1,
        Outcome::StillLife => 2,
        Outcome::Oscillating { .. } => 3,
        Outcome::Spaceship { .. } => 4,
    };
    (code, period, [dx[0], dx[1], dy[0], dy[1]])
}

/// The outcome a frame's byte, period field and motion field stand for.
pub(crate) fn outcome_from_code(code: u8, period: u64, motion: [u8; 4]) -> Option<Outcome> {
    Some(match code {
        0 => Outcome::Running,
        1 => Outcome::Extinct,
        2 => Outcome::StillLife,
        3 => Outcome::Oscillating { period },
        4 => Outcome::Spaceship {
            period,
            dx: i64::from(i16::from_le_bytes([motion[0], motion[1]])),
            dy: i64::from(i16::from_le_bytes([motion[2], motion[3]])),
        },
        _ => return None,
    })
}

/// A decoded frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// Trial the frame belongs to.
    pub trial: TrialId,
    /// Game id.
    pub game: GameId,
    /// Generation of the board.
    pub generation: u64,
    /// Live cells.
    pub population: u64,
    /// Outcome as of this generation.
    pub outcome: Outcome,
    /// The game's status.
    pub status: GameStatus,
}

/// Why bytes are not a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad frame: {0}")]
pub struct FrameError(String);

/// Encodes one game's cells and summary as a frame: a board as it is, the plane as a view.
pub fn encode_world(trial: TrialId, game: GameId, summary: &Summary, status: GameStatus, world: &World) -> Vec<u8> {
    match world {
        World::Board(board) => encode(trial, game, summary, status, board),
        World::Plane(plane) => {
            let view = view(plane, PLANE_VIEW);
            let mut out = header(KIND_PLANE, trial, game, summary, status, &view.pixels);
            out.extend_from_slice(&view.area.x.to_le_bytes());
            out.extend_from_slice(&view.area.y.to_le_bytes());
            out.extend_from_slice(&[view.scale, 0, 0, 0, 0, 0, 0, 0]);
            words(&mut out, &view.pixels);
            out
        }
    }
}

/// A zoomed-out picture of the plane.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The cells it covers (a whole number of pixels).
    pub area: Rect,
    /// A pixel is 2^scale × 2^scale cells.
    pub scale: u8,
    /// Lit where a block holds a live cell.
    pub pixels: Board,
}

/// The view of `plane` that holds its bounding box in at most `max`×`max` pixels, zoomed out by
/// the least power of two that fits. Blocks sit on multiples of 2^k (so each pixel is one quadtree
/// node, whose population HashLife keeps): the view costs its pixels, not the pattern's cells.
pub fn view(plane: &PlaneState, max: u64) -> View {
    let empty = || View {
        area: Rect::spanning(0, 0, 0, 0),
        scale: 0,
        pixels: blank(),
    };
    let Some(b) = plane.bounding_box() else {
        return empty();
    };
    let raster = raster::fit(b, max.max(1), max.max(1)).and_then(|(area, scale)| plane.raster(area, scale));
    let Ok(raster) = raster else {
        // Only a box no power of two fits (wider than 2^62 · max) gets here.
        return empty();
    };
    let mut pixels = Board::new(raster.width(), raster.height()).unwrap_or_else(|_| blank());
    for row in 0..raster.height() {
        for column in 0..raster.width() {
            if raster.get(column, row).is_some_and(|n| n > 0) {
                pixels.set(column, row, true);
            }
        }
    }
    View {
        area: raster.area(),
        scale: raster.scale(),
        pixels,
    }
}

fn blank() -> Board {
    // A 1x1 board always fits.
    Board::new(1, 1).unwrap_or_else(|_| unreachable!("a 1x1 board is valid"))
}

/// Encodes one game's board and summary as a frame.
pub fn encode(trial: TrialId, game: GameId, summary: &Summary, status: GameStatus, board: &Board) -> Vec<u8> {
    let mut out = header(KIND_BOARD, trial, game, summary, status, board);
    words(&mut out, board);
    out
}

fn words(out: &mut Vec<u8>, board: &Board) {
    for word in board.words() {
        out.extend_from_slice(&word.to_le_bytes());
    }
}

/// The 48 bytes every frame starts with.
fn header(kind: u8, trial: TrialId, game: GameId, summary: &Summary, status: GameStatus, board: &Board) -> Vec<u8> {
    let mut out = Vec::with_capacity(PLANE_HEADER_LEN + board.words().len() * 8);
    let (outcome, period, motion) = outcome_code(summary.outcome);
    out.extend_from_slice(&[kind, FORMAT_VERSION, outcome, status.code()]);
    out.extend_from_slice(&trial.0.to_le_bytes());
    out.extend_from_slice(&game.0.to_le_bytes());
    out.extend_from_slice(&period.to_le_bytes());
    out.extend_from_slice(&summary.generation.to_le_bytes());
    out.extend_from_slice(&summary.population.to_le_bytes());
    // Board sizes are bounded far below u32::MAX by the trial limits.
    let dim = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes();
    out.extend_from_slice(&dim(board.width()));
    out.extend_from_slice(&dim(board.height()));
    out.extend_from_slice(&dim(board.words_per_row()));
    out.extend_from_slice(&motion);
    out
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

/// Decodes a frame (for clients written in Rust: tests, the load tool). Checks every field.
pub fn decode(bytes: &[u8]) -> Result<(FrameHeader, Board), FrameError> {
    let bad = |m: &str| FrameError(m.to_string());
    if bytes.len() < HEADER_LEN {
        return Err(bad("shorter than the header"));
    }
    if bytes[0] != KIND_BOARD || bytes[1] != FORMAT_VERSION {
        return Err(bad("unknown kind or version"));
    }
    let period = u64::from(u32_at(bytes, 12));
    let motion = [bytes[44], bytes[45], bytes[46], bytes[47]];
    let outcome = outcome_from_code(bytes[2], period, motion).ok_or_else(|| bad("unknown outcome"))?;
    let status = GameStatus::from_code(bytes[3]).ok_or_else(|| bad("unknown status"))?;
    let (width, height) = (u32_at(bytes, 32) as usize, u32_at(bytes, 36) as usize);
    let mut board = Board::new(width, height).map_err(|e| FrameError(e.to_string()))?;
    if u32_at(bytes, 40) as usize != board.words_per_row() {
        return Err(bad("words per row does not match the width"));
    }
    let body = &bytes[HEADER_LEN..];
    if body.len() != board.words().len() * 8 {
        return Err(bad("word count does not match the size"));
    }
    for (word, chunk) in board.words_mut().iter_mut().zip(body.chunks_exact(8)) {
        let mut b = [0; 8];
        b.copy_from_slice(chunk);
        *word = u64::from_le_bytes(b);
    }
    let population = board.population();
    board.clear_padding();
    if board.population() != population {
        return Err(bad("live cells past the right edge"));
    }
    let header = FrameHeader {
        trial: TrialId(u32_at(bytes, 4)),
        game: GameId(u32_at(bytes, 8)),
        generation: u64_at(bytes, 16),
        population: u64_at(bytes, 24),
        outcome,
        status,
    };
    Ok((header, board))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_round_trips() {
        let mut board = Board::new(70, 3).expect("board");
        board.set(0, 0, true);
        board.set(69, 2, true);
        board.set(33, 1, true);
        let summary = Summary {
            generation: 12,
            population: 3,
            outcome: Outcome::Oscillating { period: 2 },
        };
        let bytes = encode(TrialId(5), GameId(7), &summary, GameStatus::Killed, &board);
        assert_eq!(bytes.len(), HEADER_LEN + 2 * 3 * 8);
        let (header, back) = decode(&bytes).expect("decodes");
        assert_eq!(back, board);
        assert_eq!(
            (header.trial, header.game, header.generation, header.population),
            (TrialId(5), GameId(7), 12, 3)
        );
        assert_eq!((header.outcome, header.status), (summary.outcome, GameStatus::Killed));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(decode(&[1, 1, 0]).is_err());
        let board = Board::new(3, 3).expect("board");
        let summary = Summary {
            generation: 0,
            population: 0,
            outcome: Outcome::Extinct,
        };
        let mut bytes = encode(TrialId(1), GameId(0), &summary, GameStatus::Running, &board);
        bytes[HEADER_LEN] = 0xff; // cells past the right edge of a 3-wide board
        assert!(decode(&bytes).is_err());
        bytes.pop();
        assert!(decode(&bytes).is_err());
    }
}
