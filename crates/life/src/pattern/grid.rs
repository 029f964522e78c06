//! Golly's bounded-grid suffix of a rule string: `B3/S23:T64,64`.
//!
//! Golly's syntax is `:<letter><width>[*][±shift][,<height>[*][±shift]]`, the letter being `P`
//! (plane), `T` (torus or tube), `K` (Klein bottle), `C` (cross-surface) or `S` (sphere), in either
//! case; a lone width means a square grid (`:T100` is `:T100,100`) and a dimension of 0 is
//! infinite. Colony's engine has finite boards on a torus or a bounded plane only, so `P` and `T`
//! with two positive, unshifted dimensions are accepted and every other form is refused with a
//! reason rather than silently approximated.

use std::fmt;
use std::str::FromStr;

use crate::{LifeError, Result, Rule, Topology, MAX_CELLS};

/// A bounded universe of a fixed size, as Golly's rule suffix describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grid {
    /// Torus (`:T`) or bounded plane (`:P`).
    pub topology: Topology,
    /// Width in cells.
    pub width: usize,
    /// Height in cells.
    pub height: usize,
}

impl fmt::Display for Grid {
    /// Golly's canonical suffix, leading colon included: `:T64,64` or `:P30,20`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = match self.topology {
            Topology::Torus => 'T',
            Topology::Bounded => 'P',
        };
        write!(f, ":{letter}{},{}", self.width, self.height)
    }
}

impl FromStr for Grid {
    type Err = LifeError;

    /// Parses a suffix with or without its leading colon (`:T64,64`, `p30,20`, `T100`).
    fn from_str(text: &str) -> Result<Grid> {
        parse_suffix(text.strip_prefix(':').unwrap_or(text), text)
    }
}

/// Splits a rule like `B3/S23:T64,64` into the rule and its bounded grid (if any).
///
/// Errors are [`LifeError::Rule`] naming the whole text: a bad rule, an unknown or unsupported
/// topology (Klein bottle, cross-surface, sphere), a shift, an infinite (0) or oversized dimension.
pub fn parse_rule_with_grid(text: &str) -> Result<(Rule, Option<Grid>)> {
    let trimmed = text.trim();
    match trimmed.split_once(':') {
        None => Ok((trimmed.parse()?, None)),
        Some((rule, suffix)) => {
            let rule: Rule = rule.parse().map_err(|e| match e {
                LifeError::Rule { reason, .. } => rule_error(text, reason),
                other => other,
            })?;
            Ok((rule, Some(parse_suffix(suffix, text)?)))
        }
    }
}

fn rule_error(text: &str, reason: impl Into<String>) -> LifeError {
    LifeError::Rule {
        rule: text.to_string(),
        reason: reason.into(),
    }
}

/// Parses the suffix after the colon; `whole` is the text to name in errors.
fn parse_suffix(suffix: &str, whole: &str) -> Result<Grid> {
    let err = |reason: &str| rule_error(whole, reason);
    let mut chars = suffix.trim().chars().peekable();
    let topology = match chars.next().map(|c| c.to_ascii_uppercase()) {
        Some('T') => Topology::Torus,
        Some('P') => Topology::Bounded,
        other => return Err(err(&unsupported_topology(other))),
    };
    let width = dimension(&mut chars, whole, "width")?;
    let height = match chars.next() {
        None => width,
        Some(',') => dimension(&mut chars, whole, "height")?,
        Some(c) => return Err(err(&format!("unexpected {c:?} after the grid width"))),
    };
    if let Some(c) = chars.next() {
        return Err(err(&format!("unexpected {c:?} after the grid height")));
    }
    let (Some(width), Some(height)) = (width, height) else {
        return Err(err(
            "a grid dimension of 0 (or none) is infinite, which is not supported",
        ));
    };
    if (width as u64).saturating_mul(height as u64) > MAX_CELLS {
        return Err(err(&format!("grid {width}x{height} is too large")));
    }
    Ok(Grid {
        topology,
        width,
        height,
    })
}

fn unsupported_topology(letter: Option<char>) -> String {
    let what = match letter {
        // Golly reads a bare ":" as the unbounded plane, which Colony cannot run.
        None => return "an empty grid suffix means an unbounded universe, which is not supported".into(),
        Some('K') => "Klein bottle grids (:K)",
        Some('C') => "cross-surface grids (:C)",
        Some('S') => "sphere grids (:S)",
        Some(c) => return format!("unknown grid topology {c:?} (expected T or P)"),
    };
    format!("{what} are not supported; use :T (torus) or :P (bounded plane)")
}

/// Reads one dimension: `None` for 0 or no digits (Golly's infinite), refusing twists and shifts.
fn dimension(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, whole: &str, what: &str) -> Result<Option<usize>> {
    let mut value: usize = 0;
    while let Some(digit) = chars.peek().and_then(|c| c.to_digit(10)) {
        chars.next();
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(digit as usize))
            .ok_or_else(|| rule_error(whole, format!("grid {what} is too large")))?;
    }
    match chars.peek() {
        Some('*') => Err(rule_error(whole, "twisted edges (*) are not supported")),
        Some('+' | '-') => Err(rule_error(whole, "shifted edges are not supported")),
        _ => Ok((value > 0).then_some(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golly_forms() {
        let torus = |w, h| {
            Some(Grid {
                topology: Topology::Torus,
                width: w,
                height: h,
            })
        };
        assert_eq!(
            parse_rule_with_grid("B3/S23:T64,64").ok(),
            Some((Rule::CONWAY, torus(64, 64)))
        );
        assert_eq!(
            parse_rule_with_grid("B3/S23:t100").ok(),
            Some((Rule::CONWAY, torus(100, 100)))
        );
        assert_eq!(parse_rule_with_grid("23/3").ok(), Some((Rule::CONWAY, None)));
        let plane = parse_rule_with_grid("B3/S23:P30,20").ok().and_then(|(_, g)| g);
        assert_eq!(plane.map(|g| g.to_string()), Some(":P30,20".to_string()));
        assert_eq!(":T4,3".parse::<Grid>().ok(), torus(4, 3));
        assert_eq!("p5".parse::<Grid>().ok().map(|g| g.topology), Some(Topology::Bounded));
        for bad in [
            "B3/S23:",
            "B3/S23:T",
            "B3/S23:T0,20",
            "B3/S23:P30,0",
            "B3/S23:K30*,20",
            "B3/S23:C30,20",
            "B3/S23:S30",
            "B3/S23:T30+5,20",
            "B3/S23:T30,20-2",
            "B3/S23:X3,3",
            "B3/S23:T3,3,3",
            "B3/S23:T3x3",
            "B9/S23:T3,3",
            "B3/S23:T99999999999999999999999,1",
            "B3/S23:T300000,300000",
        ] {
            assert!(
                matches!(parse_rule_with_grid(bad), Err(LifeError::Rule { .. })),
                "{bad}"
            );
        }
    }
}
