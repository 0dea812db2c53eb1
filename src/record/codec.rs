//! Reading and writing results files, trusting nothing in them.
//!
//! A results file may come from a pull request of a fork (the fork-safe
//! workflow compares files the pull request uploaded), so decoding checks
//! every length, count and index against [`super::limits`] *before*
//! allocating anything proportional to it, and names the JSON path of what
//! it refused (`endpoints[0].blocks[3].latency_us: …`).
//!
//! Histograms use HdrHistogram's V2 encoding, usually deflated ("V2
//! compressed"): a 4-byte cookie, a 4-byte payload length, then a zlib stream
//! of the plain V2 encoding (a 40-byte header — cookie, payload length,
//! normalizing offset, significant digits, lowest and highest trackable value,
//! int-to-double ratio — and ZigZag LEB128 counts, negative numbers being runs
//! of empty buckets). The `hdrhistogram` crate's own decoder allocates the
//! declared payload length and inflates without bound; here the zlib stream
//! is inflated into a capped buffer, the header is checked, and only then is
//! the plain payload handed to the crate.

use std::io::Read;

use base64::Engine as _;
use flate2::read::ZlibDecoder;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
use serde::Deserialize;

use super::limits::{self, MAX_HISTOGRAM_BUCKETS, MAX_HISTOGRAM_TEXT, MAX_INFLATED};
use super::{Latency, RunRecord, FORMAT};

/// HdrHistogram's V2 cookie (plain encoding).
const V2_COOKIE: u32 = 0x1c84_9313;
/// HdrHistogram's V2 compressed cookie (zlib-deflated V2).
const V2_COMPRESSED_COOKIE: u32 = 0x1c84_9314;
/// Bytes of a plain V2 header.
const V2_HEADER: usize = 40;

/// Why a results file could not be read. `Display` is the reason only; the
/// caller names the file.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("`format` is {found}")]
    Format { found: String },
    /// A field has the wrong shape or an unusable value.
    #[error("{path}: {message}")]
    Field { path: String, message: String },
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
fn spend(inflated: usize, buckets: usize) -> Result<(), String> {
    BUDGET.with(|cell| {
        let Some(left) = cell.get() else {
            return Ok(());
        };
        let after = Budget {
            inflated: left.inflated.checked_sub(inflated).ok_or_else(|| {
                format!(
                    "the record's histograms inflate past {} bytes in all",
                    limits::MAX_RECORD_INFLATED
                )
            })?,
            buckets: left.buckets.checked_sub(buckets).ok_or_else(|| {
                format!(
                    "the record's histograms hold more than {} non-empty buckets in all",
                    limits::MAX_RECORD_BUCKETS
                )
            })?,
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

/// Counts the blocks in a cheap first pass (histograms skipped), so that a
/// file of millions of blocks is refused before any is decoded. A file whose
/// shape is wrong passes here and gets its message from the full decode.
fn check_block_count(bytes: &[u8]) -> Result<(), DecodeError> {
    use serde::de::IgnoredAny;
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
        blocks: Vec<IgnoredAny>,
    }
    #[derive(Deserialize)]
    struct SkeletonMeasured {
        #[serde(default)]
        endpoints: Vec<IgnoredAny>,
    }
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

/// At most 40 characters of a user's text, for a message.
pub(super) fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Encodes a histogram as base64 of its V2 deflate encoding.
pub fn encode_histogram(h: &Histogram<u64>) -> Result<String, String> {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(h, &mut bytes)
        .map_err(|e| format!("cannot encode histogram: {e:?}"))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Decodes what [`encode_histogram`] wrote, or any V2 / V2 compressed
/// encoding within [`super::limits`], into a full (auto-resizing) histogram.
pub fn decode_histogram(text: &str) -> Result<Histogram<u64>, String> {
    let text = text.trim();
    if text.len() > MAX_HISTOGRAM_TEXT {
        return Err(format!(
            "histogram text is {} bytes, over the limit of {MAX_HISTOGRAM_TEXT}",
            text.len()
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("histogram is not valid base64: {e}"))?;
    let raw = match cookie(&bytes) {
        Some(V2_COMPRESSED_COOKIE) => inflate(&bytes)?,
        Some(V2_COOKIE) => bytes,
        _ => return Err(not_v2("its first 4 bytes are no HdrHistogram V2 cookie")),
    };
    spend(raw.len(), 0)?;
    check_v2(&raw)?;
    let mut h: Histogram<u64> = Deserializer::new()
        .deserialize(&mut raw.as_slice())
        .map_err(|e| not_v2(&format!("{e}")))?;
    h.auto(true);
    Ok(h)
}

/// [`decode_histogram`], kept sparse.
pub fn decode_latency(text: &str) -> Result<Latency, String> {
    let latency = Latency::from_histogram(&decode_histogram(text)?);
    spend(0, latency.buckets().len())?;
    Ok(latency)
}

fn not_v2(why: &str) -> String {
    format!("histogram is not a valid HdrHistogram V2 encoding: {why}")
}

fn cookie(bytes: &[u8]) -> Option<u32> {
    be_u32(bytes, 0)
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let four: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(four))
}

fn be_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let eight: [u8; 8] = bytes.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_be_bytes(eight))
}

/// Inflates a V2 compressed encoding into at most [`MAX_INFLATED`] bytes.
fn inflate(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let declared = be_u32(bytes, 4).ok_or_else(|| not_v2("it ends inside its header"))? as usize;
    let stream = &bytes[8..];
    if declared > stream.len() {
        return Err(not_v2(&format!(
            "it declares {declared} compressed bytes but holds {}",
            stream.len()
        )));
    }
    let mut raw = Vec::new();
    let cap = MAX_INFLATED as u64 + 1;
    ZlibDecoder::new(&stream[..declared])
        .take(cap)
        .read_to_end(&mut raw)
        .map_err(|e| not_v2(&format!("its deflate stream is broken ({e})")))?;
    if raw.len() > MAX_INFLATED {
        return Err(format!(
            "histogram inflates past {MAX_INFLATED} bytes; no benchgate histogram is that large"
        ));
    }
    Ok(raw)
}

/// Checks a plain V2 encoding's header against its own length and the
/// limits, so that the decoder allocates nothing unexpected.
fn check_v2(raw: &[u8]) -> Result<(), String> {
    let header = |at| be_u32(raw, at).ok_or_else(|| not_v2("it ends inside its header"));
    if header(0)? != V2_COOKIE {
        return Err(not_v2("the inflated payload has no V2 cookie"));
    }
    let payload = header(4)? as usize;
    let digits = header(12)?;
    let (Some(low), Some(high)) = (be_u64(raw, 16), be_u64(raw, 24)) else {
        return Err(not_v2("it ends inside its header"));
    };
    let available = raw.len().saturating_sub(V2_HEADER);
    if raw.len() < V2_HEADER || payload > available {
        return Err(not_v2(&format!(
            "it declares {payload} payload bytes but holds {available}"
        )));
    }
    if !(1..=5).contains(&digits) || low == 0 || high < low.saturating_mul(2) {
        return Err(not_v2(&format!(
            "its layout is invalid ({digits} significant digits, values {low} to {high})"
        )));
    }
    match bucket_count(low, high, digits) {
        Some(n) if n <= MAX_HISTOGRAM_BUCKETS => Ok(()),
        _ => Err(format!(
            "histogram layout ({digits} significant digits, values {low} to {high}) needs more than {MAX_HISTOGRAM_BUCKETS} buckets"
        )),
    }
}

/// Length of the count array HdrHistogram allocates for this layout
/// (`Histogram::new_with_bounds`), or `None` when it would not fit.
fn bucket_count(low: u64, high: u64, digits: u32) -> Option<usize> {
    let largest_single_unit = 2 * 10u64.checked_pow(digits)?;
    let sub_bucket_count_magnitude = 64 - (largest_single_unit - 1).leading_zeros();
    let unit_magnitude = 63 - low.leading_zeros();
    if unit_magnitude + sub_bucket_count_magnitude > 62 {
        return None;
    }
    let sub_bucket_count = 1u64 << sub_bucket_count_magnitude;
    let mut smallest_untrackable = sub_bucket_count << unit_magnitude;
    let mut buckets: usize = 1;
    while smallest_untrackable <= high {
        if smallest_untrackable > u64::MAX / 2 {
            buckets += 1;
            break;
        }
        smallest_untrackable <<= 1;
        buckets += 1;
    }
    (buckets + 1).checked_mul((sub_bucket_count / 2) as usize)
}

pub(super) mod latency_base64 {
    use serde::{de, Deserialize, Deserializer, Serializer};

    use super::super::Latency;

    pub fn serialize<S: Serializer>(l: &Latency, s: S) -> Result<S::Ok, S::Error> {
        let text = super::encode_histogram(&l.to_histogram()).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Latency, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::decode_latency(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
