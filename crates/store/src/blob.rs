//! The stored form of a board: a self-describing little-endian blob and its checksum.
//!
//! Layout: width (u64 LE), height (u64 LE), then the board's words row after row (u64 LE each,
//! `ceil(width / 64)` words per row, padding bits zero). The checksum is xxh3-64 of the whole blob
//! seeded with the generation, so a damaged board, a damaged size or a generation column that no
//! longer belongs to the board are all caught on load.

use colony_life::{Board, PlaneState, World, MAX_CELLS, WORD_BITS};
use twox_hash::XxHash3_64;

/// Bytes before the words: width and height.
const HEADER_BYTES: usize = 16;

/// Largest plane blob read back (macrocell text; a pattern of a million distinct nodes is about
/// 20 MiB).
pub(crate) const MAX_PLANE_BLOB: u64 = 256 << 20;

/// Encodes a game's cells: a board as below, the plane as its macrocell text (which names its
/// rule and generation, and which Golly reads).
pub(crate) fn encode_world(world: &World) -> Vec<u8> {
    match world {
        World::Board(board) => encode(board),
        World::Plane(plane) => plane.write_macrocell().into_bytes(),
    }
}

/// Decodes a plane blob (macrocell text).
pub(crate) fn decode_plane(blob: &[u8]) -> Result<PlaneState, String> {
    let text = std::str::from_utf8(blob).map_err(|e| format!("plane blob is not text: {e}"))?;
    PlaneState::from_macrocell(text).map_err(|e| format!("plane blob: line {e}"))
}

/// Encodes a board into a fresh blob.
pub(crate) fn encode(board: &Board) -> Vec<u8> {
    let mut blob = Vec::with_capacity(HEADER_BYTES + board.words().len() * 8);
    blob.extend_from_slice(&(board.width() as u64).to_le_bytes());
    blob.extend_from_slice(&(board.height() as u64).to_le_bytes());
    for word in board.words() {
        blob.extend_from_slice(&word.to_le_bytes());
    }
    blob
}

/// The checksum stored beside a blob for a board at `generation`.
pub(crate) fn checksum(blob: &[u8], generation: u64) -> u64 {
    XxHash3_64::oneshot_with_seed(generation, blob)
}

/// Reads a little-endian u64 at `at`, if the blob is long enough.
fn read_u64(blob: &[u8], at: usize) -> Option<u64> {
    let bytes = blob.get(at..at.checked_add(8)?)?;
    let mut word = [0u8; 8];
    word.copy_from_slice(bytes);
    Some(u64::from_le_bytes(word))
}

/// Decodes a blob, checking every size against the blob's length before allocating, so a hostile
/// blob can neither panic nor make the store allocate more than the blob's own size. Errors are
/// messages for the caller to attach the trial and game to.
pub(crate) fn decode(blob: &[u8]) -> Result<Board, String> {
    let (Some(width), Some(height)) = (read_u64(blob, 0), read_u64(blob, 8)) else {
        return Err(format!("board blob of {} bytes is shorter than its header", blob.len()));
    };
    let cells = width.checked_mul(height).filter(|&c| c > 0 && c <= MAX_CELLS);
    if cells.is_none() {
        return Err(format!("board blob claims an impossible size {width}x{height}"));
    }
    let words_per_row = width.div_ceil(WORD_BITS as u64);
    let expected = words_per_row
        .checked_mul(height)
        .and_then(|words| words.checked_mul(8))
        .and_then(|bytes| bytes.checked_add(HEADER_BYTES as u64));
    if expected != Some(blob.len() as u64) {
        return Err(format!(
            "board blob of {} bytes does not hold a {width}x{height} board ({} bytes expected)",
            blob.len(),
            expected.map_or_else(|| "too many".to_string(), |e| e.to_string())
        ));
    }
    let (Ok(width), Ok(height)) = (usize::try_from(width), usize::try_from(height)) else {
        return Err(format!("board size {width}x{height} does not fit this machine"));
    };
    let mut board = Board::new(width, height).map_err(|e| e.to_string())?;
    for (word, bytes) in board.words_mut().iter_mut().zip(blob[HEADER_BYTES..].chunks_exact(8)) {
        let mut le = [0u8; 8];
        le.copy_from_slice(bytes);
        *word = u64::from_le_bytes(le);
    }
    let (mask, per_row) = (board.last_word_mask(), board.words_per_row());
    if board
        .words()
        .chunks_exact(per_row)
        .any(|row| row[per_row - 1] & !mask != 0)
    {
        return Err("board blob has live cells beyond the right edge".to_string());
    }
    Ok(board)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn board_from(width: usize, height: usize, seed: u64) -> Board {
        colony_life::soup(width, height, seed, 0.5).expect("soup")
    }

    #[test]
    fn the_checksum_is_standard_xxh3_so_older_databases_still_verify() {
        // XXH3-64 of empty input with seed 0, from the xxHash specification's test vectors: every
        // database already written holds checksums of this function.
        assert_eq!(checksum(b"", 0), 0x2D06_8005_38D3_94C2);
    }

    #[test]
    fn odd_sizes_round_trip() {
        for (w, h) in [(1, 1), (65, 3), (200, 130), (64, 1), (1, 64)] {
            let board = board_from(w, h, 9);
            let blob = encode(&board);
            assert_eq!(blob.len(), 16 + w.div_ceil(64) * h * 8);
            assert_eq!(decode(&blob).expect("decode"), board, "{w}x{h}");
        }
    }

    #[test]
    fn hostile_blobs_are_refused_without_allocating() {
        let mut huge = Vec::new();
        huge.extend_from_slice(&(1u64 << 40).to_le_bytes());
        huge.extend_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(decode(&huge).expect_err("refused").contains("impossible size"));
        let mut big = Vec::new();
        big.extend_from_slice(&(1u64 << 18).to_le_bytes());
        big.extend_from_slice(&(1u64 << 18).to_le_bytes());
        assert!(decode(&big).expect_err("refused").contains("does not hold"));
        assert!(decode(&[1, 2, 3])
            .expect_err("refused")
            .contains("shorter than its header"));
        let mut zero = encode(&board_from(3, 3, 1));
        zero[..8].copy_from_slice(&0u64.to_le_bytes());
        assert!(decode(&zero).is_err());
        let mut overflow = Vec::new();
        overflow.extend_from_slice(&u64::MAX.to_le_bytes());
        overflow.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(decode(&overflow).is_err());
    }

    #[test]
    fn padding_bits_are_refused() {
        let mut blob = encode(&Board::new(3, 1).expect("board"));
        blob[16] = 0b1000;
        assert!(decode(&blob).expect_err("refused").contains("beyond the right edge"));
    }

    #[test]
    fn checksum_covers_blob_and_generation() {
        let blob = encode(&board_from(65, 3, 4));
        let mut flipped = blob.clone();
        flipped[20] ^= 1;
        assert_ne!(checksum(&blob, 7), checksum(&flipped, 7));
        assert_ne!(checksum(&blob, 7), checksum(&blob, 8));
    }

    proptest! {
        #[test]
        fn any_board_round_trips(w in 1usize..=200, h in 1usize..=130, seed: u64) {
            let board = board_from(w, h, seed);
            prop_assert_eq!(decode(&encode(&board)).expect("decode"), board);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode(&bytes);
        }
    }
}
