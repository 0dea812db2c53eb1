//! A histogram as text in a results file: base64 of HdrHistogram's V2
//! encoding, trusting nothing in it.
//!
//! The encoding is HdrHistogram's V2 encoding, usually deflated ("V2
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

use super::codec::{spend, OverBudget};
use super::latency::Latency;
use super::limits::{MAX_HISTOGRAM_BUCKETS, MAX_HISTOGRAM_TEXT, MAX_INFLATED};

/// HdrHistogram's V2 cookie (plain encoding).
pub(super) const V2_COOKIE: u32 = 0x1c84_9313;
/// HdrHistogram's V2 compressed cookie (zlib-deflated V2).
pub(super) const V2_COMPRESSED_COOKIE: u32 = 0x1c84_9314;
/// Bytes of a plain V2 header.
const V2_HEADER: usize = 40;

/// A histogram text that cannot be read (or a histogram that cannot be
/// written): what is wrong with it, within which limit.
#[derive(Debug, thiserror::Error)]
pub enum HistogramError {
    #[error("cannot encode histogram: {0:?}")]
    Encode(hdrhistogram::serialization::V2DeflateSerializeError),
    #[error("histogram text is {0} bytes, over the limit of {MAX_HISTOGRAM_TEXT}")]
    TextTooLong(usize),
    #[error("histogram is not valid base64: {0}")]
    Base64(#[source] base64::DecodeError),
    /// Not a V2 encoding, and why.
    #[error("histogram is not a valid HdrHistogram V2 encoding: {0}")]
    NotV2(String),
    #[error("histogram inflates past {MAX_INFLATED} bytes; no benchgate histogram is that large")]
    Inflated,
    #[error(
        "histogram layout ({digits} significant digits, values {low} to {high}) needs more than {MAX_HISTOGRAM_BUCKETS} buckets"
    )]
    Layout { digits: u32, low: u64, high: u64 },
    #[error(transparent)]
    Budget(#[from] OverBudget),
}

/// Encodes a histogram as base64 of its V2 deflate encoding.
pub fn encode_histogram(h: &Histogram<u64>) -> Result<String, HistogramError> {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(h, &mut bytes)
        .map_err(HistogramError::Encode)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Decodes what [`encode_histogram`] wrote, or any V2 / V2 compressed
/// encoding within [`super::limits`], into a full (auto-resizing) histogram.
pub fn decode_histogram(text: &str) -> Result<Histogram<u64>, HistogramError> {
    let text = text.trim();
    if text.len() > MAX_HISTOGRAM_TEXT {
        return Err(HistogramError::TextTooLong(text.len()));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(HistogramError::Base64)?;
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
pub fn decode_latency(text: &str) -> Result<Latency, HistogramError> {
    let latency = Latency::from_histogram(&decode_histogram(text)?);
    spend(0, latency.buckets().len())?;
    Ok(latency)
}

fn not_v2(why: &str) -> HistogramError {
    HistogramError::NotV2(why.to_string())
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
fn inflate(bytes: &[u8]) -> Result<Vec<u8>, HistogramError> {
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
        return Err(HistogramError::Inflated);
    }
    Ok(raw)
}

/// Checks a plain V2 encoding's header against its own length and the
/// limits, so that the decoder allocates nothing unexpected.
fn check_v2(raw: &[u8]) -> Result<(), HistogramError> {
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
        _ => Err(HistogramError::Layout { digits, low, high }),
    }
}

/// Length of the count array HdrHistogram allocates for this layout
/// (`Histogram::new_with_bounds`), or `None` when it would not fit.
pub(super) fn bucket_count(low: u64, high: u64, digits: u32) -> Option<usize> {
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

    use super::Latency;

    pub fn serialize<S: Serializer>(l: &Latency, s: S) -> Result<S::Ok, S::Error> {
        let text = super::encode_histogram(&l.to_histogram()).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Latency, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::decode_latency(&text).map_err(de::Error::custom)
    }
}

/// (De)serialises a block's phases as a map of name to base64 V2
/// histogram, refusing more than [`super::limits::MAX_PHASES`] before decoding any.
pub(super) mod phases_base64 {
    use std::collections::BTreeMap;
    use std::fmt;

    use serde::de::{self, MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    use super::super::limits::MAX_PHASES;
    use super::{decode_latency, encode_histogram, Latency};

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
