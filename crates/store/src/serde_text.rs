//! Serde adapters for the engine's types, which carry no serde derives of their own.

/// Serializes through `Display`, deserializes through `FromStr` (rules as `B3/S23`, topologies
/// as `torus`).
pub(crate) mod display {
    use std::fmt::Display;
    use std::str::FromStr;

    use serde::{de, Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<T: Display, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub(crate) fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(de::Error::custom)
    }
}

/// An [`Outcome`](colony_life::Outcome) as `{"kind": "oscillating", "period": 2}` (the period is
/// null unless the board repeats).
pub(crate) mod outcome {
    use colony_life::Outcome;
    use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

    use crate::columns;

    #[derive(Serialize, Deserialize)]
    struct Wire {
        kind: String,
        period: Option<u64>,
    }

    pub(crate) fn serialize<S: Serializer>(value: &Outcome, serializer: S) -> Result<S::Ok, S::Error> {
        Wire {
            kind: value.label().to_string(),
            period: value.period(),
        }
        .serialize(serializer)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Outcome, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        columns::outcome_from_parts(&wire.kind, wire.period).map_err(de::Error::custom)
    }
}
