//! The named pattern library: classic Life patterns in Golly's (and LifeWiki's) standard
//! orientations, kept as RLE text and parsed on request, so the library exercises the same reader
//! as user files.

use super::{parse_rle, Pattern};
use crate::{LifeError, Result};

/// One library entry: its canonical name, other names it answers to, and its RLE.
struct Entry {
    name: &'static str,
    aliases: &'static [&'static str],
    rle: &'static str,
}

const LIBRARY: &[Entry] = &[
    Entry {
        name: "glider",
        aliases: &[],
        rle: "#N Glider\n#O Richard K. Guy\n\
              #C The smallest spaceship: moves one cell diagonally every 4 generations.\n\
              x = 3, y = 3, rule = B3/S23\nbo$2bo$3o!\n",
    },
    Entry {
        name: "blinker",
        aliases: &[],
        rle: "#N Blinker\n#C The smallest oscillator (period 2).\n\
              x = 3, y = 1, rule = B3/S23\n3o!\n",
    },
    Entry {
        name: "toad",
        aliases: &[],
        rle: "#N Toad\n#O Simon Norton\n#C A period 2 oscillator.\n\
              x = 4, y = 2, rule = B3/S23\nb3o$3o!\n",
    },
    Entry {
        name: "beacon",
        aliases: &[],
        rle: "#N Beacon\n#C A period 2 oscillator: two blocks touching at a corner.\n\
              x = 4, y = 4, rule = B3/S23\n2o$o$3bo$2b2o!\n",
    },
    Entry {
        name: "block",
        aliases: &[],
        rle: "#N Block\n#C The smallest still life.\nx = 2, y = 2, rule = B3/S23\n2o$2o!\n",
    },
    Entry {
        name: "lwss",
        aliases: &["lightweight-spaceship"],
        rle: "#N Lightweight spaceship\n#O John Conway\n\
              #C The smallest orthogonal spaceship: moves 2 cells left every 4 generations.\n\
              x = 5, y = 4, rule = B3/S23\nbo2bo$o4b$o3bo$4o!\n",
    },
    Entry {
        name: "pulsar",
        aliases: &[],
        rle: "#N Pulsar\n#O John Conway\n#C A period 3 oscillator with fourfold symmetry.\n\
              x = 13, y = 13, rule = B3/S23\n\
              2b3o3b3o2b2$o4bobo4bo$o4bobo4bo$o4bobo4bo$2b3o3b3o2b2$2b3o3b3o2b$o4bobo4bo$\n\
              o4bobo4bo$o4bobo4bo2$2b3o3b3o!\n",
    },
    Entry {
        name: "pentadecathlon",
        aliases: &[],
        rle: "#N Pentadecathlon\n#O John Conway\n#C A period 15 oscillator.\n\
              x = 10, y = 3, rule = B3/S23\n2bo4bo2b$2ob4ob2o$2bo4bo!\n",
    },
    Entry {
        name: "r-pentomino",
        aliases: &[],
        rle: "#N R-pentomino\n#C A methuselah that stabilises after 1103 generations.\n\
              x = 3, y = 3, rule = B3/S23\nb2o$2o$bo!\n",
    },
    Entry {
        name: "acorn",
        aliases: &[],
        rle: "#N Acorn\n#O Charles Corderman\n\
              #C A methuselah that stabilises after 5206 generations.\n\
              x = 7, y = 3, rule = B3/S23\nbo5b$3bo3b$2o2b3o!\n",
    },
    Entry {
        name: "diehard",
        aliases: &["die-hard"],
        rle: "#N Die hard\n#C A methuselah that vanishes completely after 130 generations.\n\
              x = 8, y = 3, rule = B3/S23\n6bob$2o6b$bo3b3o!\n",
    },
    Entry {
        name: "gosper-glider-gun",
        aliases: &["gosper-gun", "glider-gun", "gun"],
        rle: "#N Gosper glider gun\n#O Bill Gosper\n\
              #C The first known gun: a glider every 30 generations.\n\
              x = 36, y = 9, rule = B3/S23\n\
              24bo11b$22bobo11b$12b2o6b2o12b2o$11bo3bo4b2o12b2o$2o8bo5bo3b2o14b$2o8b\n\
              o3bob2o4bobo11b$10bo5bo7bo11b$11bo3bo20b$12b2o!\n",
    },
];

/// The library's canonical names (as `named` accepts them), in a stable order.
pub fn library_names() -> &'static [&'static str] {
    const NAMES: [&str; LIBRARY.len()] = {
        let mut names = [""; LIBRARY.len()];
        let mut i = 0;
        while i < LIBRARY.len() {
            names[i] = LIBRARY[i].name;
            i += 1;
        }
        names
    };
    &NAMES
}

/// The library pattern called `name`, ignoring case, `-`, `_` and spaces (`Gosper glider gun`,
/// `gosper_glider_gun` and `GosperGliderGun` are one pattern); a few common aliases (`gun`,
/// `lightweight-spaceship`) work too. Fails with [`LifeError::UnknownPattern`] listing the names.
pub fn named(name: &str) -> Result<Pattern> {
    let wanted = normalize(name);
    let entry = LIBRARY.iter().find(|entry| {
        std::iter::once(&entry.name)
            .chain(entry.aliases)
            .any(|candidate| normalize(candidate) == wanted)
    });
    match entry {
        Some(entry) => parse_rle(entry.rle),
        None => Err(LifeError::UnknownPattern(name.to_string(), library_names().join(", "))),
    }
}

fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '-' | '_') && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_parses_and_is_named() {
        for name in library_names() {
            let pattern = named(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(pattern.name.is_some(), "{name} has a #N line");
            assert!(!pattern.board.is_empty(), "{name} has cells");
        }
    }

    #[test]
    fn names_are_loose_but_not_too_loose() {
        assert!(named("Gosper Glider_Gun").is_ok());
        assert!(named("R PENTOMINO").is_ok());
        assert!(named("gun").is_ok());
        let Err(LifeError::UnknownPattern(name, known)) = named("glider gun x") else {
            panic!("an unknown name must fail");
        };
        assert_eq!(name, "glider gun x");
        assert!(known.starts_with("glider, blinker, "), "{known}");
    }
}
