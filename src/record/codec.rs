//! Reading and writing results files, trusting nothing in them.
//!
//! A results file may come from a pull request of a fork (the fork-safe
//! workflow compares files the pull request uploaded), so decoding checks
//! every length, count and index against [`super::limits`] *before*
//! allocating anything proportional to it, and names the JSON path of what
//! it refused (`endpoints[0].blocks[3].latency_us: …`).
//!
//! Histograms are decoded by [`super::histogram_text`], within the same
//! per-record budget.

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::error::DecodeError;
use super::limits;
use super::model::{RunRecord, FORMAT};
use crate::config::names::clip;

/// A histogram that would take the record being decoded past its budget.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverBudget {
    #[error(
        "the record's histograms inflate past {} bytes in all",
        limits::MAX_RECORD_INFLATED
    )]
    Inflated,
    #[error(
        "the record's histograms hold more than {} non-empty buckets in all",
        limits::MAX_RECORD_BUCKETS
    )]
    Buckets,
}

/// What one record's histograms may still cost while it is decoded: the
/// per-histogram caps bound one block, these bound the sum, so that many
/// small, highly compressed blocks cannot add up to gigabytes or minutes.
#[derive(Debug, Clone, Copy)]
struct Budget {
    inflated: usize,
    buckets: usize,
}

thread_local! {
    static BUDGET: std::cell::Cell<Option<Budget>> = const { std::cell::Cell::new(None) };
}

/// Takes `inflated` bytes and `buckets` buckets from the budget of the
/// record being decoded, if any.
pub(super) fn spend(inflated: usize, buckets: usize) -> Result<(), OverBudget> {
    BUDGET.with(|cell| {
        let Some(left) = cell.get() else {
            return Ok(());
        };
        let after = Budget {
            inflated: left
                .inflated
                .checked_sub(inflated)
                .ok_or(OverBudget::Inflated)?,
            buckets: left
                .buckets
                .checked_sub(buckets)
                .ok_or(OverBudget::Buckets)?,
        };
        cell.set(Some(after));
        Ok(())
    })
}

/// Decodes a results or baseline file: format version first, then the
/// record, then the record's limits and identifiers.
pub fn decode(bytes: &[u8]) -> Result<RunRecord, DecodeError> {
    check_format(bytes)?;
    check_block_count(bytes)?;
    BUDGET.with(|cell| {
        cell.set(Some(Budget {
            inflated: limits::MAX_RECORD_INFLATED,
            buckets: limits::MAX_RECORD_BUCKETS,
        }))
    });
    let record = decode_record(bytes);
    BUDGET.with(|cell| cell.set(None));
    let record = record?;
    limits::check(&record)?;
    Ok(record)
}

fn decode_record(bytes: &[u8]) -> Result<RunRecord, DecodeError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize::<_, RunRecord>(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = strip_position(&inner);
        DecodeError::Field {
            path: if path == "." {
                "(top level)".into()
            } else {
                path
            },
            message: format!(
                "{message} (line {}, column {})",
                inner.line(),
                inner.column()
            ),
        }
    })
}

/// serde_json's message without its " at line L column C" suffix (printed
/// once, by us).
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}

/// A results file's shape without its histograms: what the cheap first
/// pass reads.
#[derive(Deserialize)]
struct Skeleton {
    #[serde(default)]
    endpoints: Vec<SkeletonEndpoint>,
    #[serde(default)]
    runs: Vec<IgnoredAny>,
    #[serde(default)]
    summary: Vec<IgnoredAny>,
    #[serde(default)]
    measured: Option<SkeletonMeasured>,
    #[serde(default)]
    resources: Option<SkeletonResources>,
}

#[derive(Deserialize)]
struct SkeletonResources {
    #[serde(default)]
    blocks: Vec<IgnoredAny>,
}

#[derive(Deserialize)]
struct SkeletonEndpoint {
    #[serde(default)]
    name: String,
    #[serde(default)]
    blocks: Vec<SkeletonBlock>,
}

#[derive(Deserialize)]
struct SkeletonBlock {
    #[serde(default)]
    phases: PhaseNames,
}

#[derive(Deserialize)]
struct SkeletonMeasured {
    #[serde(default)]
    endpoints: Vec<IgnoredAny>,
}

/// A block's phase names, their histograms skipped; none when the block
/// holds more than the per-block limit (the full decode refuses the block
/// with its own message).
#[derive(Default)]
struct PhaseNames(Vec<String>);

impl<'de> Deserialize<'de> for PhaseNames {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Names;
        impl<'de> serde::de::Visitor<'de> for Names {
            type Value = PhaseNames;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of phase names")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<PhaseNames, A::Error> {
                let (mut names, mut all) = (Vec::new(), 0_usize);
                while let Some(name) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    all += 1;
                    if all <= limits::MAX_PHASES {
                        names.push(name);
                    }
                }
                if all > limits::MAX_PHASES {
                    names.clear();
                }
                Ok(PhaseNames(names))
            }
        }
        d.deserialize_map(Names)
    }
}

/// Counts the blocks and each endpoint's phase names in a cheap first pass
/// (histograms skipped), so that a file of millions of blocks, or of more
/// phase names than an endpoint may hold, is refused before any histogram
/// is decoded. A file whose shape is wrong passes here and gets its
/// message from the full decode.
fn check_block_count(bytes: &[u8]) -> Result<(), DecodeError> {
    let Ok(skeleton) = serde_json::from_slice::<Skeleton>(bytes) else {
        return Ok(());
    };
    let over = |path: &str, n: usize, limit: usize| DecodeError::Field {
        path: path.into(),
        message: format!("{n} entries, over the limit of {limit}"),
    };
    let endpoints = limits::MAX_ENDPOINTS;
    for (path, n, limit) in [
        ("endpoints", skeleton.endpoints.len(), endpoints),
        ("summary", skeleton.summary.len(), endpoints),
        ("runs", skeleton.runs.len(), limits::MAX_RUNS),
        (
            "measured.endpoints",
            skeleton.measured.map_or(0, |m| m.endpoints.len()),
            endpoints,
        ),
        (
            "resources.blocks",
            skeleton.resources.map_or(0, |r| r.blocks.len()),
            limits::MAX_BLOCKS,
        ),
    ] {
        if n > limit {
            return Err(over(path, n, limit));
        }
    }
    let blocks: usize = skeleton.endpoints.iter().map(|e| e.blocks.len()).sum();
    if blocks > limits::MAX_BLOCKS {
        return Err(DecodeError::Field {
            path: "endpoints".into(),
            message: limits::too_many_blocks(blocks),
        });
    }
    for (e, endpoint) in skeleton.endpoints.iter().enumerate() {
        let names = endpoint.blocks.iter().map(|b| &b.phases.0);
        limits::check_phase_names(e, &endpoint.name, names)?;
    }
    Ok(())
}

/// Checks `format` before the rest so that a file of another version gets a
/// clear message rather than a confusing field error.
fn check_format(bytes: &[u8]) -> Result<(), DecodeError> {
    #[derive(Deserialize)]
    struct FormatOnly {
        #[serde(default)]
        format: Option<serde_json::Value>,
    }
    let found: FormatOnly =
        serde_json::from_slice(bytes).map_err(|e| DecodeError::Json(e.to_string()))?;
    let found = match found.format {
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(FORMAT)) => {
            return Ok(())
        }
        Some(serde_json::Value::Number(n)) => format!("{n}"),
        Some(serde_json::Value::String(s)) => {
            format!("{:?} (a string: write the number without quotes)", clip(&s))
        }
        Some(serde_json::Value::Null) => "null".into(),
        Some(other) => format!("a {}", json_kind(&other)),
        None => "none (no `format` field)".into(),
    };
    Err(DecodeError::Format { found })
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "list",
        serde_json::Value::Object(_) => "map",
    }
}

#[cfg(test)]
mod tests;
