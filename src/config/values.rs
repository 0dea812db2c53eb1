//! Checked scalar values of the suite file, one newtype per kind of value.
//!
//! Each newtype validates (and, for text, expands `${VAR}`) inside a serde
//! visitor. That matters: serde_yaml only attaches the line, column and key
//! path of a value to errors raised while that value is being visited, so
//! checking here is what lets every message point at the offending line.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::de::{self, Deserialize, Deserializer, Visitor};

use super::expand::{expand_env, ExpandError};
use super::metric::MetricError;
use super::names::NameError;
use super::scalar::{parse_base_url, parse_duration, parse_percent, rate, ScalarError};
use super::{BaseUrl, Metric};

const POSITIVE_EXAMPLE: &str = r#"write e.g. "10s" or "500ms""#;
const READY_EXAMPLE: &str = r#"write e.g. "url: http://127.0.0.1:8000/health""#;
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const POLICY_FIX: &str = r#"write "inconclusive: pass" (blind metrics are counted, the gate passes) or "inconclusive: fail""#;

/// A scalar of the suite file that cannot be used; serde_yaml puts the
/// file, line and key in front of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum ValueError {
    #[error(transparent)]
    Expand(#[from] ExpandError),
    #[error(transparent)]
    Scalar(#[from] ScalarError),
    #[error(transparent)]
    Name(#[from] NameError),
    #[error(transparent)]
    Metric(#[from] MetricError),
    #[error(r#"{0} is not supported; this benchgate reads version 1, so write "version: 1""#)]
    Version(String),
    #[error(r#"must be above zero, not "{0}"; {POSITIVE_EXAMPLE}"#)]
    ZeroDuration(String),
    #[error(
        r#""{text}" is out of range; use a whole number from {min} to {max}, e.g. "{example}""#
    )]
    IntRange {
        text: String,
        min: u64,
        max: u64,
        example: &'static str,
    },
    #[error(r#""{0}" is not a supported method; use one of {methods}"#, methods = METHODS.join(", "))]
    Method(String),
    #[error(r#""{0}" must start with "/"; write e.g. "path: /{trimmed}""#, trimmed = .0.trim_start_matches('/'))]
    PathSlash(String),
    #[error(
        r#""{0}" is not a valid request path; percent-encode spaces and other special characters (e.g. %20)"#
    )]
    PathInvalid(String),
    #[error("https is not supported yet; {READY_EXAMPLE}")]
    ReadyHttps,
    #[error(r#""{0}" is not an http:// URL; {READY_EXAMPLE}"#)]
    ReadyNotHttp(String),
    #[error(r#""{text}" is out of range; {rule}"#)]
    PercentRange { text: String, rule: &'static str },
    #[error(r#""{0}" is not a policy; {POLICY_FIX}"#)]
    Policy(String),
    #[error(r#""{0}" is not a valid header name; use letters, digits and "-", e.g. X-Request-Id"#)]
    HeaderName(String),
}

/// Reads one scalar as text and converts it with `parse`; its error becomes
/// a located serde error.
pub(super) fn scalar<'de, D, T>(
    d: D,
    expecting: &'static str,
    parse: impl FnOnce(&str) -> Result<T, ValueError>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    d.deserialize_str(ScalarVisitor {
        expecting,
        parse,
        out: PhantomData,
    })
}

struct ScalarVisitor<F, T> {
    expecting: &'static str,
    parse: F,
    out: PhantomData<T>,
}

impl<'de, F, T> Visitor<'de> for ScalarVisitor<F, T>
where
    F: FnOnce(&str) -> Result<T, ValueError>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).map_err(E::custom)
    }
}

/// Declares `impl Deserialize` for a newtype read from one scalar.
macro_rules! from_scalar {
    ($ty:ty, $expecting:literal, $parse:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                scalar(d, $expecting, $parse)
            }
        }
    };
}

/// A string with `${VAR}` expanded.
#[derive(Debug)]
pub(super) struct Text(pub String);
from_scalar!(Text, "a string", |s| Ok(expand_env(s).map(Text)?));

/// `version: 1`, the only version this build reads.
#[derive(Debug)]
pub(super) struct Version;
from_scalar!(Version, "the number 1", |s| match s.trim() {
    "1" => Ok(Version),
    other => Err(ValueError::Version(other.to_string())),
});

/// A suite name: it names `baselines/<suite>.json`, so it is an identifier
/// (see [`super::names`]).
#[derive(Debug)]
pub(super) struct SuiteName(pub String);
from_scalar!(SuiteName, "a suite name such as api", |s| {
    super::names::check_suite(s)?;
    Ok(SuiteName(s.to_string()))
});

/// An endpoint name: non-empty, without control characters.
#[derive(Debug)]
pub(super) struct EndpointName(pub String);
from_scalar!(EndpointName, "an endpoint name such as list-users", |s| {
    super::names::check_endpoint(s)?;
    Ok(EndpointName(s.to_string()))
});

/// Any duration, zero included.
#[derive(Debug)]
pub(super) struct AnyDuration(pub Duration);
from_scalar!(AnyDuration, r#"a duration such as "10s""#, |s| {
    Ok(AnyDuration(parse_duration(s)?))
});

/// A duration above zero.
#[derive(Debug)]
pub(super) struct PositiveDuration(pub Duration);
from_scalar!(PositiveDuration, r#"a duration such as "10s""#, |s| {
    match parse_duration(s)? {
        d if d.is_zero() => Err(ValueError::ZeroDuration(s.to_string())),
        d => Ok(PositiveDuration(d)),
    }
});

/// Requests per second, above zero; `None` for `auto` (chosen from the app
/// at the start of a run).
#[derive(Debug)]
pub(super) struct Rate(pub Option<f64>);
from_scalar!(
    Rate,
    r#"a rate such as "200/s", or auto"#,
    |s| match s.trim() {
        "auto" => Ok(Rate(None)),
        s => Ok(Rate(Some(rate(s, r#"rate: 200/s" or "rate: auto"#)?))),
    }
);

/// An unsigned integer in `min..=max`; `example` completes `write e.g. …`.
fn int_in<T: TryFrom<u64>>(
    s: &str,
    min: u64,
    max: u64,
    example: &'static str,
) -> Result<T, ValueError> {
    s.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| ValueError::IntRange {
            text: s.to_string(),
            min,
            max,
            example,
        })
}

#[derive(Debug)]
pub(super) struct Connections(pub u32);
from_scalar!(Connections, "a whole number such as 32", |s| {
    int_in(s, 1, 10_000, "connections: 32").map(Connections)
});

#[derive(Debug)]
pub(super) struct Weight(pub u32);
from_scalar!(Weight, "a whole number such as 1", |s| {
    int_in(s, 1, u64::from(super::bounds::MAX_WEIGHT), "weight: 1").map(Weight)
});

#[derive(Debug)]
pub(super) struct Status(pub u16);
from_scalar!(Status, "an HTTP status such as 200", |s| {
    int_in(s, 100, 599, "status: 200").map(Status)
});

#[derive(Debug)]
pub(super) struct Seed(pub u64);
from_scalar!(Seed, "a whole number such as 1", |s| {
    int_in(s, 0, u64::MAX, "seed: 1").map(Seed)
});

/// An HTTP method, stored upper-case.
#[derive(Debug)]
pub(super) struct Method(pub String);
from_scalar!(Method, "an HTTP method such as GET", |s| {
    let upper = s.trim().to_ascii_uppercase();
    if METHODS.contains(&upper.as_str()) {
        Ok(Method(upper))
    } else {
        Err(ValueError::Method(s.to_string()))
    }
});

/// A request path and query starting with `/`: as written (what records
/// show) and expanded (what is sent).
#[derive(Debug)]
pub(super) struct RequestPath {
    pub written: String,
    pub expanded: String,
}
from_scalar!(RequestPath, r#"a path such as "/users""#, |s| {
    let path = expand_env(s)?;
    if !path.starts_with('/') {
        return Err(ValueError::PathSlash(path));
    }
    match path.parse::<http::uri::PathAndQuery>() {
        Ok(_) => Ok(RequestPath {
            written: s.to_string(),
            expanded: path,
        }),
        Err(_) => Err(ValueError::PathInvalid(path)),
    }
});

/// `base_url`, expanded and parsed.
#[derive(Debug)]
pub(super) struct BaseUrlValue(pub BaseUrl);
from_scalar!(
    BaseUrlValue,
    r#"a URL such as "http://127.0.0.1:8000""#,
    |s| {
        let expanded = expand_env(s)?;
        let parsed = parse_base_url(&expanded).map_err(|e| e.quoting(s))?;
        Ok(BaseUrlValue(parsed))
    }
);

/// The readiness URL: any `http://` URL.
#[derive(Debug)]
pub(super) struct ReadyUrl(pub String);
from_scalar!(
    ReadyUrl,
    r#"a URL such as "http://127.0.0.1:8000/health""#,
    |s| {
        let url = expand_env(s)?;
        if url.starts_with("https://") {
            return Err(ValueError::ReadyHttps);
        }
        match url.parse::<http::Uri>() {
            Ok(uri) if uri.scheme_str() == Some("http") && uri.host().is_some() => {
                Ok(ReadyUrl(url))
            }
            _ => Err(ValueError::ReadyNotHttp(url)),
        }
    }
);

/// A percentage or fraction; the three gate settings differ in range.
fn percent_in(s: &str, ok: impl Fn(f64) -> bool, rule: &'static str) -> Result<f64, ValueError> {
    match parse_percent(s)? {
        v if ok(v) => Ok(v),
        _ => Err(ValueError::PercentRange {
            text: s.to_string(),
            rule,
        }),
    }
}

#[derive(Debug)]
pub(super) struct Threshold(pub f64);
from_scalar!(Threshold, r#"a percentage such as "10%""#, |s| {
    let rule = r#"a threshold must be above 0% and below 1000%, e.g. "threshold: 10%""#;
    percent_in(s, |v| v > 0.0 && v < 10.0, rule).map(Threshold)
});

#[derive(Debug)]
pub(super) struct Confidence(pub f64);
from_scalar!(Confidence, r#"a percentage such as "99%""#, |s| {
    let rule = r#"confidence must be above 50% and below 100%, e.g. "confidence: 99%""#;
    percent_in(s, |v| v > 0.5 && v < 1.0, rule).map(Confidence)
});

#[derive(Debug)]
pub(super) struct ErrorRate(pub f64);
from_scalar!(ErrorRate, r#"a percentage such as "1%""#, |s| {
    let rule = r#"use 0% to 100%, e.g. "max_error_rate_increase: 1%""#;
    percent_in(s, |v| (0.0..=1.0).contains(&v), rule).map(ErrorRate)
});

#[derive(Debug)]
pub(super) struct InconclusivePolicy(pub super::Inconclusive);
from_scalar!(InconclusivePolicy, r#""pass" or "fail""#, |s| {
    match s.trim() {
        "pass" => Ok(InconclusivePolicy(super::Inconclusive::Pass)),
        "fail" => Ok(InconclusivePolicy(super::Inconclusive::Fail)),
        other => Err(ValueError::Policy(other.to_string())),
    }
});

from_scalar!(Metric, "a metric such as p95", |s| Ok(Metric::parse(s)?));

/// One entry of `gate.metrics`: a metric of the endpoint's latency (or the
/// app's CPU), or `server-timing:<phase>[:<metric>]`.
#[derive(Debug)]
pub(super) enum GateMetric {
    Latency(Metric),
    Phase(super::PhaseMetric),
}

from_scalar!(
    GateMetric,
    r#"a metric such as p95 or "server-timing:db""#,
    |s| match s.trim().strip_prefix("server-timing:") {
        Some(rest) => Ok(GateMetric::Phase(super::PhaseMetric::parse(rest)?)),
        None => Ok(GateMetric::Latency(Metric::parse(s)?)),
    }
);

/// `cpus:` — CPU numbers, at least one, each once. Whether this machine has
/// them is checked in [`super::resolve`], where the key is known.
#[derive(Debug)]
pub(super) struct Cpus(pub Vec<usize>);

impl<'de> Deserialize<'de> for Cpus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CpusVisitor)
    }
}

struct CpusVisitor;

impl CpusVisitor {
    fn not_a_list<E: de::Error>(written: impl fmt::Display) -> E {
        E::custom(format!(
            "must be a list of CPU numbers, not {written}; write e.g. \"cpus: [1]\" or \"cpus: [0, 1]\""
        ))
    }
}

impl<'de> Visitor<'de> for CpusVisitor {
    type Value = Cpus;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of CPU numbers such as [1]")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cpus, E> {
        Err(Self::not_a_list(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cpus, E> {
        Err(Self::not_a_list(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cpus, E> {
        Err(Self::not_a_list(format_args!("\"{v}\"")))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Cpus, A::Error> {
        let mut cpus: Vec<usize> = Vec::new();
        while let Some(Cpu(cpu)) = seq.next_element()? {
            if cpus.contains(&cpu) {
                return Err(de::Error::custom(format!(
                    "CPU {cpu} is listed twice; list each CPU once"
                )));
            }
            cpus.push(cpu);
        }
        if cpus.is_empty() {
            return Err(de::Error::custom(
                "list at least one CPU, e.g. \"cpus: [1]\", or remove the key to run anywhere",
            ));
        }
        Ok(Cpus(cpus))
    }
}

/// One CPU number.
struct Cpu(usize);
from_scalar!(Cpu, "a CPU number such as 1", |s| {
    let max = crate::placement::MAX_CPUS as u64 - 1;
    int_in(s, 0, max, "cpus: [1]").map(Cpu)
});
