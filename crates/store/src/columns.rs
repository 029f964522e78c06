//! Conversions between Rust values and SQLite's signed 64-bit integer and text columns.

use colony_life::Outcome;

use crate::{Result, StoreError};

/// A count (generation, population, size) as an SQLite integer; fails beyond `i64::MAX`.
pub(crate) fn to_sql_count(value: u64, what: &str) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::Invalid(format!("{what} {value} exceeds {}", i64::MAX)))
}

/// A stored count back as `u64`; a negative value is an error message for the caller to wrap.
pub(crate) fn from_sql_count(value: i64, what: &str) -> Result<u64, String> {
    u64::try_from(value).map_err(|_| format!("negative {what} {value}"))
}

/// A full-range `u64` (seed, checksum) stored bit for bit in a signed column.
pub(crate) fn u64_bits(value: u64) -> i64 {
    i64::from_ne_bytes(value.to_ne_bytes())
}

/// The inverse of [`u64_bits`].
pub(crate) fn bits_u64(value: i64) -> u64 {
    u64::from_ne_bytes(value.to_ne_bytes())
}

/// An outcome as its label column and period column. A spaceship's label carries its motion:
/// `spaceship 1 1` (older builds never wrote one).
pub(crate) fn outcome_to_parts(outcome: Outcome) -> (String, Option<u64>) {
    let label = match outcome.displacement() {
        Some((dx, dy)) => format!("{} {dx} {dy}", outcome.label()),
        None => outcome.label().to_string(),
    };
    (label, outcome.period())
}

/// An outcome from its label and period; an unknown label or a missing period is an error message.
pub(crate) fn outcome_from_parts(kind: &str, period: Option<u64>) -> Result<Outcome, String> {
    match kind {
        "running" => Ok(Outcome::Running),
        "extinct" => Ok(Outcome::Extinct),
        "still" => Ok(Outcome::StillLife),
        "oscillating" => match period {
            Some(period) if period >= 2 => Ok(Outcome::Oscillating { period }),
            other => Err(format!("oscillating outcome with period {other:?}")),
        },
        spaceship if spaceship.starts_with("spaceship ") => {
            let mut motion = spaceship["spaceship ".len()..].split(' ').map(str::parse::<i64>);
            match (motion.next(), motion.next(), motion.next(), period) {
                (Some(Ok(dx)), Some(Ok(dy)), None, Some(period)) if period >= 1 => {
                    Ok(Outcome::Spaceship { period, dx, dy })
                }
                _ => Err(format!("spaceship outcome {spaceship:?} with period {period:?}")),
            }
        }
        other => Err(format!("unknown outcome {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip() {
        for outcome in [
            Outcome::Running,
            Outcome::Extinct,
            Outcome::StillLife,
            Outcome::Oscillating { period: 2 },
            Outcome::Oscillating { period: u64::MAX },
            Outcome::Spaceship {
                period: 4,
                dx: -1,
                dy: 1,
            },
        ] {
            let (kind, period) = outcome_to_parts(outcome);
            assert_eq!(outcome_from_parts(&kind, period), Ok(outcome));
        }
        assert!(outcome_from_parts("oscillating", Some(1)).is_err());
        assert!(outcome_from_parts("oscillating", None).is_err());
        assert!(outcome_from_parts("exploding", None).is_err());
        assert!(outcome_from_parts("spaceship 1", Some(4)).is_err());
        assert!(outcome_from_parts("spaceship 1 1 1", Some(4)).is_err());
        assert!(outcome_from_parts("spaceship 1 1", None).is_err());
    }

    #[test]
    fn integers_convert_checked_or_bitwise() {
        assert_eq!(bits_u64(u64_bits(u64::MAX)), u64::MAX);
        assert_eq!(u64_bits(u64::MAX), -1);
        assert!(to_sql_count(u64::MAX, "generation").is_err());
        assert_eq!(to_sql_count(42, "generation").ok(), Some(42));
        assert!(from_sql_count(-1, "generation").is_err());
    }
}
