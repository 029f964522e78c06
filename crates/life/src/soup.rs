//! Reproducible random soups (the recipe in DESIGN.md, shared with the Python baseline).

use crate::{Board, LifeError, Result};

/// One step of splitmix64: advances `state` and returns the next output.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A random W×H board from `seed`.
///
/// At density 0.5 (the tutorial's coin flip) each row takes one splitmix64 word per 64 columns,
/// left to right, and cell `(64·w + k, y)` is alive iff bit `k` is set: the recipe the Python
/// baseline implements. At any other density each cell, row by row, draws one word and is alive iff
/// its top 53 bits, as a fraction of 2^53, are below the density.
pub fn soup(width: usize, height: usize, seed: u64, density: f64) -> Result<Board> {
    if !(0.0..=1.0).contains(&density) {
        return Err(LifeError::Density(density));
    }
    let mut board = Board::new(width, height)?;
    let mut state = seed;
    if density == 0.5 {
        for word in board.words_mut().iter_mut() {
            *word = splitmix64(&mut state);
        }
        board.clear_padding();
    } else {
        let threshold = density * (1u64 << 53) as f64;
        for y in 0..height {
            for x in 0..width {
                let draw = (splitmix64(&mut state) >> 11) as f64;
                board.set(x, y, draw < threshold);
            }
        }
    }
    Ok(board)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_published_vector() {
        // First outputs for seed 0 (the reference implementation by Vigna).
        let mut s = 0u64;
        assert_eq!(splitmix64(&mut s), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut s), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn soup_follows_the_recipe() {
        let b = soup(70, 2, 42, 0.5).expect("soup");
        let mut s = 42u64;
        let words: Vec<u64> = (0..4).map(|_| splitmix64(&mut s)).collect();
        for y in 0..2 {
            for x in 0..70 {
                let w = words[y * 2 + x / 64];
                assert_eq!(b.get(x, y), (w >> (x % 64)) & 1 == 1, "cell ({x},{y})");
            }
        }
    }

    #[test]
    fn density_extremes_and_errors() {
        assert_eq!(soup(10, 10, 1, 0.0).expect("empty").population(), 0);
        assert_eq!(soup(10, 10, 1, 1.0).expect("full").population(), 100);
        let sparse = soup(100, 100, 7, 0.1).expect("sparse").population();
        assert!((700..1300).contains(&sparse), "10% of 10000 cells, got {sparse}");
        assert!(matches!(soup(10, 10, 1, -0.1), Err(LifeError::Density(_))));
        assert!(matches!(soup(10, 10, 1, f64::NAN), Err(LifeError::Density(_))));
    }
}
