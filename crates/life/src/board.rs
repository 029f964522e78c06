//! A bit-packed rectangle of cells.

use crate::{LifeError, Result};

/// Bits per storage word.
pub const WORD_BITS: usize = 64;

/// Largest number of cells a board may hold (2^36: 8 GiB of bits), so sizes from users fail cleanly.
pub const MAX_CELLS: u64 = 1 << 36;

/// A W×H grid of cells, one bit each. Rows are padded to whole `u64` words: bit `k` of word `w`
/// in a row is column `64·w + k`. Padding bits are always zero.
#[derive(Clone, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(try_from = "BoardData")]
pub struct Board {
    width: usize,
    height: usize,
    words_per_row: usize,
    words: Vec<u64>,
}

impl Board {
    /// An empty (all dead) board. Fails on a zero or absurdly large size.
    pub fn new(width: usize, height: usize) -> Result<Board> {
        let words = Board::words_for(width, height)?;
        Ok(Board {
            width,
            height,
            words_per_row: width.div_ceil(WORD_BITS),
            words: vec![0; words],
        })
    }

    /// The number of words a `width`×`height` board occupies, checking the size without
    /// allocating (decoders compare it with what they were given before building anything).
    pub fn words_for(width: usize, height: usize) -> Result<usize> {
        if width == 0 || height == 0 {
            return Err(LifeError::ZeroSize { width, height });
        }
        let cells = (width as u64).checked_mul(height as u64);
        if cells.is_none_or(|c| c > MAX_CELLS) {
            return Err(LifeError::TooLarge { width, height });
        }
        Ok(width.div_ceil(WORD_BITS) * height)
    }

    /// Bytes a `width`×`height` board holds (its words and its header), for memory budgets.
    pub fn bytes_for(width: usize, height: usize) -> Result<u64> {
        let words = Board::words_for(width, height)? as u64;
        Ok(words * 8 + std::mem::size_of::<Board>() as u64)
    }

    /// Builds a board from rows of booleans (all rows must have the same, non-zero length).
    pub fn from_rows<R: AsRef<[bool]>>(rows: &[R]) -> Result<Board> {
        let height = rows.len();
        let width = rows.first().map_or(0, |r| r.as_ref().len());
        let mut board = Board::new(width, height)?;
        for (y, row) in rows.iter().enumerate() {
            let row = row.as_ref();
            if row.len() != width {
                return Err(LifeError::Parse {
                    line: y + 1,
                    column: row.len().min(width) + 1,
                    message: format!("row has {} cells, expected {width}", row.len()),
                });
            }
            for (x, &alive) in row.iter().enumerate() {
                board.set(x, y, alive);
            }
        }
        Ok(board)
    }

    /// Width in cells.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in cells.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Number of cells (width × height).
    pub fn cell_count(&self) -> u64 {
        self.width as u64 * self.height as u64
    }

    /// Storage words per row.
    pub fn words_per_row(&self) -> usize {
        self.words_per_row
    }

    /// All storage words, row after row.
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Mutable storage words. Callers must leave padding bits zero; [`Board::clear_padding`] restores it.
    pub fn words_mut(&mut self) -> &mut [u64] {
        &mut self.words
    }

    /// The words of row `y`.
    pub fn row(&self, y: usize) -> &[u64] {
        &self.words[y * self.words_per_row..(y + 1) * self.words_per_row]
    }

    /// Mask of the valid bits in the last word of each row.
    pub fn last_word_mask(&self) -> u64 {
        let rem = self.width % WORD_BITS;
        if rem == 0 {
            u64::MAX
        } else {
            (1u64 << rem) - 1
        }
    }

    /// Zeroes the bits past the right edge, which kernels may have dirtied.
    pub fn clear_padding(&mut self) {
        let mask = self.last_word_mask();
        if mask != u64::MAX {
            let n = self.words_per_row;
            for row in self.words.chunks_exact_mut(n) {
                row[n - 1] &= mask;
            }
        }
    }

    /// Whether the cell at column `x`, row `y` is alive. Out-of-range cells are dead.
    pub fn get(&self, x: usize, y: usize) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let word = self.words[y * self.words_per_row + x / WORD_BITS];
        (word >> (x % WORD_BITS)) & 1 == 1
    }

    /// Sets the cell at column `x`, row `y`. Out-of-range writes are ignored.
    pub fn set(&mut self, x: usize, y: usize, alive: bool) {
        if x >= self.width || y >= self.height {
            return;
        }
        let word = &mut self.words[y * self.words_per_row + x / WORD_BITS];
        let bit = 1u64 << (x % WORD_BITS);
        if alive {
            *word |= bit;
        } else {
            *word &= !bit;
        }
    }

    /// Number of live cells.
    pub fn population(&self) -> u64 {
        self.words.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// Whether no cell is alive.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    /// Live cells as `(x, y)` = (column, row), row by row, left to right.
    pub fn live_cells(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let n = self.words_per_row;
        self.words.iter().enumerate().flat_map(move |(i, &word)| {
            let y = i / n;
            let x0 = (i % n) * WORD_BITS;
            BitIter(word).map(move |k| (x0 + k, y))
        })
    }

    /// The smallest rectangle holding every live cell, as `(x, y, width, height)`; `None` when empty.
    pub fn bounding_box(&self) -> Option<(usize, usize, usize, usize)> {
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        for (x, y) in self.live_cells() {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        (x0 != usize::MAX).then(|| (x0, y0, x1 - x0 + 1, y1 - y0 + 1))
    }

    /// Copies `other`'s live cells onto this board with its top-left corner at `(x, y)`.
    /// Fails, changing nothing, when `other` does not fit entirely.
    pub fn paste(&mut self, other: &Board, x: i64, y: i64) -> Result<()> {
        let fits = x >= 0
            && y >= 0
            && (x as u64).saturating_add(other.width as u64) <= self.width as u64
            && (y as u64).saturating_add(other.height as u64) <= self.height as u64;
        if !fits {
            return Err(LifeError::DoesNotFit {
                pattern_width: other.width,
                pattern_height: other.height,
                board_width: self.width,
                board_height: self.height,
                x,
                y,
            });
        }
        for (cx, cy) in other.live_cells() {
            self.set(cx + x as usize, cy + y as usize, true);
        }
        Ok(())
    }

    /// A `width`×`height` board with this one pasted in its centre (rounding up and left), the
    /// one way Colony places a pattern on a board.
    pub fn centred_in(&self, width: usize, height: usize) -> Result<Board> {
        let mut board = Board::new(width, height)?;
        let x = (width as i64 - self.width as i64) / 2;
        let y = (height as i64 - self.height as i64) / 2;
        board.paste(self, x, y)?;
        Ok(board)
    }

    /// What cycle detection compares boards by: a 64-bit hash of the cells, made of one xxh3 per
    /// chunk of [`Board::key_chunk_rows`] rows, so a kernel can hash each chunk the moment it has
    /// written it (while it is in cache, on the thread that wrote it) and give the same key as
    /// this whole-board computation. Not the [`Board::fingerprint`] that reports and checkpoints
    /// carry.
    pub fn cycle_key(&self) -> u64 {
        let rows = Board::key_chunk_rows(self.words_per_row);
        let chunk_words = rows * self.words_per_row;
        let hashes: Vec<u64> = self
            .words
            .chunks(chunk_words.max(1))
            .enumerate()
            .map(|(i, chunk)| chunk_hash(i, chunk))
            .collect();
        combine_chunk_hashes(self.width, self.height, &hashes)
    }

    /// Rows per chunk of [`Board::cycle_key`]: about 8 KiB of words (at least one row).
    pub fn key_chunk_rows(words_per_row: usize) -> usize {
        (KEY_CHUNK_WORDS / words_per_row.max(1)).max(1)
    }

    /// A 64-bit fingerprint of the cells (xxh3), as reports and checkpoints carry it.
    pub fn fingerprint(&self) -> u64 {
        let bytes: &[u8] = bytemuck::cast_slice(&self.words);
        twox_hash::XxHash3_64::oneshot_with_seed((self.width as u64) << 32 | self.height as u64, bytes)
    }
}

/// Words per chunk of a cycle key: 8 KiB, which is also the bitwise kernel's band (a band's
/// scratch then stays in L1: measured best of 1024 and 4096 words).
pub(crate) const KEY_CHUNK_WORDS: usize = 1024;

/// The hash of chunk `index` of a board's words, for its cycle key.
pub(crate) fn chunk_hash(index: usize, words: &[u64]) -> u64 {
    twox_hash::XxHash3_64::oneshot_with_seed(index as u64, bytemuck::cast_slice(words))
}

/// A cycle key from its chunks' hashes.
pub(crate) fn combine_chunk_hashes(width: usize, height: usize, hashes: &[u64]) -> u64 {
    twox_hash::XxHash3_64::oneshot_with_seed((width as u64) << 32 | height as u64, bytemuck::cast_slice(hashes))
}

/// The serialized form of a board: its size and its words, row by row.
#[derive(serde::Deserialize)]
struct BoardData {
    width: usize,
    height: usize,
    words: Words,
}

/// A board's words as one byte string, each word little-endian: a compact format writes it as
/// one copy (postcard would otherwise write every word as a varint, and reading those back was
/// most of a cluster driver's time).
struct Words(Vec<u64>);

struct WordsRef<'a>(&'a [u64]);

impl serde::Serialize for WordsRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        if cfg!(target_endian = "little") {
            serializer.serialize_bytes(bytemuck::cast_slice(self.0))
        } else {
            let bytes: Vec<u8> = self.0.iter().flat_map(|w| w.to_le_bytes()).collect();
            serializer.serialize_bytes(&bytes)
        }
    }
}

impl<'de> serde::Deserialize<'de> for Words {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Words, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Words;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a board's words as bytes, 8 to a word")
            }

            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> std::result::Result<Words, E> {
                if bytes.len() % 8 != 0 {
                    return Err(E::custom(format!(
                        "{} bytes of board words: not a whole number of words",
                        bytes.len()
                    )));
                }
                let words = bytes
                    .chunks_exact(8)
                    .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                    .collect();
                Ok(Words(words))
            }

            // Formats without byte strings (JSON) write them as sequences of numbers.
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Words, A::Error> {
                // The hint is the peer's word: bounded, so it cannot make this allocate much.
                let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
                while let Some(b) = seq.next_element::<u8>()? {
                    bytes.push(b);
                }
                self.visit_bytes(&bytes)
            }
        }
        deserializer.deserialize_bytes(Visitor)
    }
}

impl serde::Serialize for Board {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Board", 3)?;
        s.serialize_field("width", &self.width)?;
        s.serialize_field("height", &self.height)?;
        s.serialize_field("words", &WordsRef(&self.words))?;
        s.end()
    }
}

impl TryFrom<BoardData> for Board {
    type Error = LifeError;
    /// Checks what a peer or a file could get wrong: the size, the word count and the padding.
    fn try_from(data: BoardData) -> Result<Board> {
        // Sizes first, words second: a few bytes claiming a huge board must not allocate it.
        let needed = Board::words_for(data.width, data.height)?;
        let words = data.words.0;
        if words.len() != needed {
            return Err(LifeError::Corrupt(format!(
                "a {}x{} board needs {needed} words, got {}",
                data.width,
                data.height,
                words.len()
            )));
        }
        let mut board = Board {
            width: data.width,
            height: data.height,
            words_per_row: data.width.div_ceil(WORD_BITS),
            words,
        };
        let before = board.population();
        board.clear_padding();
        if board.population() != before {
            return Err(LifeError::Corrupt("live cells past the right edge".to_string()));
        }
        Ok(board)
    }
}

impl std::fmt::Debug for Board {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Board {}x{} (population {})",
            self.width,
            self.height,
            self.population()
        )?;
        if self.cell_count() <= 64 * 64 {
            for y in 0..self.height {
                let row: String = (0..self.width)
                    .map(|x| if self.get(x, y) { 'O' } else { '.' })
                    .collect();
                writeln!(f, "{row}")?;
            }
        }
        Ok(())
    }
}

/// Positions of the set bits of a word, lowest first.
struct BitIter(u64);

impl Iterator for BitIter {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let k = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_size_is_an_error() {
        assert!(matches!(Board::new(0, 5), Err(LifeError::ZeroSize { .. })));
        assert!(matches!(Board::new(5, 0), Err(LifeError::ZeroSize { .. })));
        assert!(matches!(Board::new(1 << 20, 1 << 20), Err(LifeError::TooLarge { .. })));
    }

    #[test]
    fn set_get_and_live_cells() {
        let mut b = Board::new(70, 3).expect("board");
        b.set(0, 0, true);
        b.set(69, 2, true);
        b.set(64, 1, true);
        assert!(b.get(69, 2) && b.get(64, 1) && b.get(0, 0) && !b.get(1, 0));
        assert!(!b.get(70, 0), "out of range reads are dead");
        assert_eq!(b.live_cells().collect::<Vec<_>>(), vec![(0, 0), (64, 1), (69, 2)]);
        assert_eq!(b.population(), 3);
        assert_eq!(b.bounding_box(), Some((0, 0, 70, 3)));
        b.set(0, 0, false);
        assert_eq!(b.population(), 2);
    }

    #[test]
    fn paste_checks_bounds() {
        let mut small = Board::new(2, 2).expect("board");
        small.set(1, 1, true);
        let mut b = Board::new(4, 4).expect("board");
        b.paste(&small, 2, 2).expect("fits");
        assert!(b.get(3, 3));
        assert!(b.paste(&small, 3, 0).is_err());
        assert!(b.paste(&small, -1, 0).is_err());
    }

    #[test]
    fn decoding_checks_words_before_allocating() {
        // 2^36 cells is allowed, but 8 GiB must not be allocated for a message holding no words.
        let claim = BoardData {
            width: 1 << 18,
            height: 1 << 18,
            words: Words(Vec::new()),
        };
        assert!(matches!(Board::try_from(claim), Err(LifeError::Corrupt(_))));
        let padded = BoardData {
            width: 3,
            height: 1,
            words: Words(vec![0b1000]),
        };
        assert!(Board::try_from(padded).is_err(), "a cell past the edge is refused");
        let fine = BoardData {
            width: 3,
            height: 1,
            words: Words(vec![0b101]),
        };
        assert_eq!(Board::try_from(fine).map(|b| b.population()).ok(), Some(2));
    }

    #[test]
    fn boards_travel_as_bytes_and_bad_ones_are_refused() {
        let mut board = Board::new(70, 3).expect("in memory");
        for (x, y) in [(0, 0), (63, 1), (64, 1), (69, 2)] {
            board.set(x, y, true);
        }
        let bytes = postcard::to_allocvec(&board).expect("in memory");
        // width, height, the byte count (varints), then 2 words a row of 8 bytes each.
        assert_eq!(
            bytes.len(),
            1 + 1 + 1 + 6 * 8,
            "one copy of the words, not a varint each"
        );
        assert_eq!(postcard::from_bytes::<Board>(&bytes).expect("in memory"), board);

        let with_words = |width: u64, height: u64, words: &[u64]| {
            let raw: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            let bytes = postcard::to_allocvec(&(width, height, serde_bytes_like(&raw))).expect("in memory");
            bytes
        };
        assert!(postcard::from_bytes::<Board>(&with_words(64, 1, &[u64::MAX])).is_ok());
        let short = with_words(64, 2, &[1]);
        assert!(postcard::from_bytes::<Board>(&short).is_err(), "too few words");
        let padded = with_words(3, 1, &[0b1000]);
        assert!(
            postcard::from_bytes::<Board>(&padded).is_err(),
            "a live cell past the edge"
        );
        let mut ragged = with_words(64, 1, &[1]);
        ragged.pop();
        ragged[2] = 7;
        assert!(postcard::from_bytes::<Board>(&ragged).is_err(), "7 bytes are no word");
        let huge = postcard::to_allocvec(&(1u64 << 40, 1u64 << 40, serde_bytes_like(&[]))).expect("in memory");
        assert!(
            postcard::from_bytes::<Board>(&huge).is_err(),
            "a huge size, refused unallocated"
        );
    }

    /// Bytes as serde writes a byte string (what `WordsRef` does).
    fn serde_bytes_like(bytes: &[u8]) -> impl serde::Serialize + '_ {
        struct B<'a>(&'a [u8]);
        impl serde::Serialize for B<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }
        B(bytes)
    }
}
