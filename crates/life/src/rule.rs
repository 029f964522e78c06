//! Life-like rules in B/S notation.

use std::fmt;
use std::str::FromStr;

use crate::LifeError;

/// A Life-like (outer-totalistic, Moore neighbourhood) rule: which neighbour counts give birth to a
/// dead cell and which keep a live one alive.
#[derive(Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Rule {
    /// Bit `n` set: a dead cell with `n` live neighbours is born.
    birth: u16,
    /// Bit `n` set: a live cell with `n` live neighbours survives.
    survival: u16,
}

impl Rule {
    /// Conway's Game of Life, B3/S23.
    pub const CONWAY: Rule = Rule {
        birth: 1 << 3,
        survival: (1 << 2) | (1 << 3),
    };

    /// A rule from neighbour-count masks (bit `n` for `n` neighbours, `n` in `0..=8`).
    pub fn from_masks(birth: u16, survival: u16) -> Rule {
        Rule {
            birth: birth & 0x1ff,
            survival: survival & 0x1ff,
        }
    }

    /// Birth mask: bit `n` set when a dead cell with `n` live neighbours is born.
    pub fn birth_mask(&self) -> u16 {
        self.birth
    }

    /// Survival mask: bit `n` set when a live cell with `n` live neighbours survives.
    pub fn survival_mask(&self) -> u16 {
        self.survival
    }

    /// The next state of one cell.
    #[inline]
    pub fn next(&self, alive: bool, neighbours: u32) -> bool {
        let mask = if alive { self.survival } else { self.birth };
        neighbours <= 8 && (mask >> neighbours) & 1 == 1
    }

    /// Whether this is Conway's B3/S23.
    pub fn is_conway(&self) -> bool {
        *self == Rule::CONWAY
    }
}

impl Default for Rule {
    fn default() -> Self {
        Rule::CONWAY
    }
}

fn digits(mask: u16) -> String {
    (0..=8)
        .filter(|n| mask >> n & 1 == 1)
        .map(|n| char::from(b'0' + n as u8))
        .collect()
}

impl fmt::Display for Rule {
    /// The canonical form, e.g. `B3/S23`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "B{}/S{}", digits(self.birth), digits(self.survival))
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rule({self})")
    }
}

impl From<Rule> for String {
    fn from(rule: Rule) -> String {
        rule.to_string()
    }
}

impl TryFrom<String> for Rule {
    type Error = LifeError;
    fn try_from(text: String) -> Result<Rule, LifeError> {
        text.parse()
    }
}

impl FromStr for Rule {
    type Err = LifeError;

    /// Parses `B3/S23` (any case, parts in either order, `/` optional between them as in `B3S23`)
    /// or Golly's survival-first form `23/3`.
    fn from_str(text: &str) -> Result<Rule, LifeError> {
        let err = |reason: &str| LifeError::Rule {
            rule: text.to_string(),
            reason: reason.to_string(),
        };
        let s = text.trim();
        if s.is_empty() {
            return Err(err("empty rule"));
        }
        let mask_of = |part: &str| -> Result<u16, LifeError> {
            let mut mask = 0u16;
            for c in part.chars() {
                match c.to_digit(10) {
                    Some(d) if d <= 8 => {
                        if mask >> d & 1 == 1 {
                            return Err(err(&format!("neighbour count {d} appears twice")));
                        }
                        mask |= 1 << d;
                    }
                    Some(d) => return Err(err(&format!("neighbour count {d} is more than 8"))),
                    None => return Err(err(&format!("unexpected character {c:?}"))),
                }
            }
            Ok(mask)
        };
        let lower = s.to_ascii_lowercase();
        if lower.starts_with('b') || lower.starts_with('s') {
            // B/S notation: two letter-prefixed parts, optionally separated by '/'.
            let (first, second) = match lower.find('/') {
                Some(i) => (&lower[..i], &lower[i + 1..]),
                None => match lower[1..].find(['b', 's']) {
                    Some(i) => (&lower[..i + 1], &lower[i + 1..]),
                    None => return Err(err("expected both a B part and an S part")),
                },
            };
            let (mut birth, mut survival) = (None, None);
            for part in [first, second] {
                let Some(tag) = part.chars().next() else {
                    return Err(err("empty part"));
                };
                let slot = match tag {
                    'b' => &mut birth,
                    's' => &mut survival,
                    _ => return Err(err("each part must start with B or S")),
                };
                if slot.is_some() {
                    return Err(err(&format!("two {} parts", tag.to_ascii_uppercase())));
                }
                *slot = Some(mask_of(&part[1..])?);
            }
            match (birth, survival) {
                (Some(b), Some(s)) => Ok(Rule::from_masks(b, s)),
                _ => Err(err("expected both a B part and an S part")),
            }
        } else if let Some((survival, birth)) = s.split_once('/') {
            Ok(Rule::from_masks(mask_of(birth)?, mask_of(survival)?))
        } else {
            Err(err("expected B/S notation like B3/S23 or S/B notation like 23/3"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        for text in ["B3/S23", "b3/s23", "B3S23", "S23/B3", "23/3", " B3/S23 "] {
            assert_eq!(text.parse::<Rule>().expect(text), Rule::CONWAY, "{text}");
        }
        let highlife: Rule = "B36/S23".parse().expect("highlife");
        assert_eq!(highlife.to_string(), "B36/S23");
        let seeds: Rule = "B2/S".parse().expect("seeds");
        assert_eq!(seeds.to_string(), "B2/S");
        assert_eq!(seeds.survival_mask(), 0);
        let day_night: Rule = "B3678/S34678".parse().expect("day & night");
        assert_eq!(day_night.to_string(), "B3678/S34678");
        assert_eq!("/3".parse::<Rule>().expect("golly empty survival").to_string(), "B3/S");
    }

    #[test]
    fn rejects_nonsense() {
        for text in [
            "",
            "B9/S23",
            "B3/S23/S1",
            "X3/S23",
            "B3/B3",
            "B33/S2",
            "life",
            "B3",
            "3",
        ] {
            assert!(text.parse::<Rule>().is_err(), "{text} should fail");
        }
    }

    #[test]
    fn next_follows_the_masks() {
        let r = Rule::CONWAY;
        assert!(r.next(false, 3) && !r.next(false, 2));
        assert!(r.next(true, 2) && r.next(true, 3) && !r.next(true, 4) && !r.next(true, 1));
    }
}
