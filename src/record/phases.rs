//! `Server-Timing` phases in a record: per block, one sparse histogram per
//! phase name (µs), stored like the latency histogram.
//!
//! A phase's histograms form a record of their own shape:
//! [`EndpointRecord::phase`] returns the endpoint with each block's latency
//! replaced by that phase's durations, so the comparison engine that
//! estimates latency metrics estimates phase metrics unchanged.

use std::collections::BTreeMap;

use super::{Block, EndpointRecord, Latency, Outcomes};

/// Most distinct phase names kept per endpoint (and read per block): an app
/// that invents a name per request cannot grow a run's memory or a file.
pub const MAX_PHASES: usize = 16;

/// Longest phase name, bytes.
pub const MAX_NAME: usize = 64;

/// Why `name` cannot be a phase name, if it cannot: phase names are HTTP
/// tokens (RFC 9110 `tchar`), 1 to [`MAX_NAME`] bytes.
pub fn check_name(name: &str) -> Result<(), String> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() {
        Err("a phase name is empty".into())
    } else if name.len() > MAX_NAME {
        Err(format!("a phase name is over {MAX_NAME} bytes"))
    } else if !name.bytes().all(token) {
        Err(format!(
            "phase name {:?} is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
            super::codec::clip(name)
        ))
    } else {
        Ok(())
    }
}

impl EndpointRecord {
    /// Every phase any block reported, in name order.
    pub fn phase_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .blocks
            .iter()
            .flat_map(|b| b.phases.keys().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// This endpoint as phase `name` saw it: each block's latency is the
    /// phase's durations, and its ok count the responses that timed the
    /// phase (no errors: a phase is timed only in ok responses). Blocks
    /// without the phase stay, empty, so that A/B pairs keep their places.
    pub fn phase(&self, name: &str) -> EndpointRecord {
        EndpointRecord {
            name: self.name.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            blocks: self
                .blocks
                .iter()
                .map(|b| {
                    let latency_us = b.phases.get(name).cloned().unwrap_or_default();
                    Block {
                        run: b.run,
                        outcomes: Outcomes {
                            ok: latency_us.len(),
                            ..Outcomes::default()
                        },
                        latency_us,
                        phases: BTreeMap::new(),
                    }
                })
                .collect(),
        }
    }
}

/// (De)serialises a block's phases as a map of name to base64 V2
/// histogram, refusing more than [`MAX_PHASES`] before decoding any.
pub(super) mod base64_map {
    use std::collections::BTreeMap;
    use std::fmt;

    use serde::de::{self, MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    use super::super::histogram_text::{decode_latency, encode_histogram};
    use super::{Latency, MAX_PHASES};

    pub fn serialize<S: Serializer>(
        phases: &BTreeMap<String, Latency>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(phases.len()))?;
        for (name, latency) in phases {
            let text =
                encode_histogram(&latency.to_histogram()).map_err(serde::ser::Error::custom)?;
            map.serialize_entry(name, &text)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Latency>, D::Error> {
        d.deserialize_map(PhasesVisitor)
    }

    struct PhasesVisitor;

    impl<'de> Visitor<'de> for PhasesVisitor {
        type Value = BTreeMap<String, Latency>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map of phase names to base64 histograms")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut phases = BTreeMap::new();
            while let Some(name) = map.next_key::<String>()? {
                if phases.len() >= MAX_PHASES {
                    return Err(de::Error::custom(format!(
                        "more than {MAX_PHASES} phases in one block"
                    )));
                }
                let text = map.next_value::<std::borrow::Cow<'de, str>>()?;
                let latency = decode_latency(&text).map_err(de::Error::custom)?;
                if phases.insert(name, latency).is_some() {
                    return Err(de::Error::custom("a phase is listed twice"));
                }
            }
            Ok(phases)
        }
    }
}
