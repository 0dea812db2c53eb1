//! The suite file exactly as written: serde structs that mirror the YAML.
//!
//! Unknown keys are refused everywhere (`deny_unknown_fields`), and every
//! value is a checked newtype from [`super::values`], so a successful parse
//! already holds valid scalars. Defaults and rules that span several keys
//! are applied later, in [`super::resolve`].

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize as DeriveDeserialize;

use super::expand::expand_env;
use super::values::{
    scalar, AnyDuration, BaseUrlValue, Confidence, Connections, Cpus, EndpointName, ErrorRate,
    InconclusivePolicy, Method, PositiveDuration, Rate, ReadyUrl, RequestPath, Seed, Status,
    SuiteName, Text, Threshold, Version, Weight,
};
use super::values::{GateMetric, ValueError};
use super::{Metric, PhaseMetric};

#[derive(Debug, DeriveDeserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with version, suite, base_url and endpoints"
)]
pub(super) struct RawSuite {
    /// Checked while parsing; only version 1 exists, so nothing reads it.
    #[serde(rename = "version")]
    pub _version: Version,
    pub suite: SuiteName,
    pub app: Option<RawApp>,
    pub base_url: BaseUrlValue,
    pub load: Option<RawLoad>,
    pub endpoints: Vec<RawEndpoint>,
    pub gate: Option<RawGate>,
}

#[derive(Debug, DeriveDeserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with command and optionally build, cwd, env, ready and cpus"
)]
pub(super) struct RawApp {
    pub command: Command,
    pub build: Option<Command>,
    pub cwd: Option<Text>,
    pub env: Option<BTreeMap<String, Text>>,
    pub ready: Option<RawReady>,
    pub cpus: Option<Cpus>,
}

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields, expecting = "a mapping with url and timeout")]
pub(super) struct RawReady {
    pub url: Option<ReadyUrl>,
    pub timeout: Option<PositiveDuration>,
}

#[derive(Debug, Default, DeriveDeserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with rate, connections, warmup, duration, max_duration, block, timeout, seed and cpus"
)]
pub(super) struct RawLoad {
    pub rate: Option<Rate>,
    pub connections: Option<Connections>,
    pub warmup: Option<AnyDuration>,
    pub duration: Option<PositiveDuration>,
    pub max_duration: Option<PositiveDuration>,
    pub block: Option<PositiveDuration>,
    pub timeout: Option<PositiveDuration>,
    pub seed: Option<Seed>,
    pub cpus: Option<Cpus>,
}

#[derive(Debug, DeriveDeserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with name, path and optionally method, headers, json, body, weight, expect and gate"
)]
pub(super) struct RawEndpoint {
    pub name: EndpointName,
    pub method: Option<Method>,
    pub path: RequestPath,
    pub headers: Option<Headers>,
    pub json: Option<JsonBody>,
    pub body: Option<Text>,
    pub weight: Option<Weight>,
    pub expect: Option<RawExpect>,
    pub gate: Option<RawEndpointGate>,
}

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields, expecting = "a mapping such as { status: 200 }")]
pub(super) struct RawExpect {
    pub status: Status,
}

#[derive(Debug, DeriveDeserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with threshold and metrics"
)]
pub(super) struct RawEndpointGate {
    pub threshold: Option<Threshold>,
    pub metrics: Option<EndpointMetrics>,
}

#[derive(Debug, Default, DeriveDeserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with metrics, threshold, confidence, max_error_rate_increase and inconclusive"
)]
pub(super) struct RawGate {
    pub metrics: Option<Metrics>,
    pub threshold: Option<Threshold>,
    pub confidence: Option<Confidence>,
    pub max_error_rate_increase: Option<ErrorRate>,
    pub inconclusive: Option<InconclusivePolicy>,
}

/// `command:` as an argv list. A plain string is refused, with the list it
/// probably meant, because benchgate never runs a shell.
#[derive(Debug)]
pub(super) struct Command(pub Vec<String>);

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CommandVisitor)
    }
}

struct CommandVisitor;

impl<'de> Visitor<'de> for CommandVisitor {
    type Value = Command;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(r#"a list of arguments such as ["./server", "--port", "8000"]"#)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Command, E> {
        let words: Vec<String> = v
            .split_whitespace()
            .map(|w| serde_json::Value::from(w).to_string())
            .collect();
        Err(E::custom(format!(
            "must be a list of arguments, not a string (benchgate runs no shell); write command: [{}]",
            words.join(", ")
        )))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Command, A::Error> {
        let mut argv = Vec::new();
        while let Some(Text(arg)) = seq.next_element()? {
            argv.push(arg);
        }
        if argv.is_empty() {
            return Err(de::Error::custom(
                r#"the command must not be empty; write e.g. command: ["./server", "--port", "8000"]"#,
            ));
        }
        Ok(Command(argv))
    }
}

/// `headers:` in file order, with checked names and expanded values.
#[derive(Debug)]
pub(super) struct Headers(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(HeadersVisitor)
    }
}

struct HeadersVisitor;

impl<'de> Visitor<'de> for HeadersVisitor {
    type Value = Headers;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of header names to values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Headers, A::Error> {
        let mut headers = Vec::new();
        while let Some((HeaderName(name), Text(value))) = map.next_entry()? {
            headers.push((name, value));
        }
        Ok(Headers(headers))
    }
}

struct HeaderName(String);

impl<'de> Deserialize<'de> for HeaderName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, "a header name such as X-Request-Id", |s| {
            let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
            if !s.is_empty() && s.chars().all(token) {
                Ok(HeaderName(s.to_string()))
            } else {
                Err(ValueError::HeaderName(s.to_string()))
            }
        })
    }
}

/// `metrics:`: at least one, each once; `server-timing:<phase>` entries
/// apart.
#[derive(Debug)]
pub(super) struct Metrics {
    pub latency: Vec<Metric>,
    pub phases: Vec<PhaseMetric>,
}

impl<'de> Deserialize<'de> for Metrics {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(MetricsVisitor { endpoint: false })
    }
}

/// An endpoint's `gate.metrics:`: as [`Metrics`], without the app-level
/// metrics (`cpu`, `peak_rss`), which belong to the whole app and would
/// otherwise be ignored there without a word.
#[derive(Debug)]
pub(super) struct EndpointMetrics(pub Metrics);

impl<'de> Deserialize<'de> for EndpointMetrics {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(MetricsVisitor { endpoint: true })
            .map(EndpointMetrics)
    }
}

struct MetricsVisitor {
    /// Whether the list is an endpoint's.
    endpoint: bool,
}

impl<'de> Visitor<'de> for MetricsVisitor {
    type Value = Metrics;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of metrics such as [p50, mean, p95]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Metrics, A::Error> {
        let (mut latency, mut phases): (Vec<Metric>, Vec<PhaseMetric>) = (Vec::new(), Vec::new());
        while let Some(metric) = seq.next_element::<GateMetric>()? {
            let twice = match metric {
                GateMetric::Latency(m) if latency.contains(&m) => Some(m.config_name().to_string()),
                GateMetric::Latency(m) if self.endpoint && !m.is_latency() => {
                    return Err(de::Error::custom(format!(
                        "{} is a metric of the whole app, not of one endpoint; list it in the suite's gate.metrics",
                        m.config_name()
                    )));
                }
                GateMetric::Latency(m) => {
                    latency.push(m);
                    None
                }
                GateMetric::Phase(p) if phases.contains(&p) => Some(p.name()),
                GateMetric::Phase(p) => {
                    phases.push(p);
                    None
                }
            };
            if let Some(name) = twice {
                return Err(de::Error::custom(format!(
                    "{name} is listed twice; list each metric once"
                )));
            }
        }
        if latency.is_empty() && phases.is_empty() {
            return Err(de::Error::custom(
                "list at least one metric, e.g. metrics: [p50, mean]",
            ));
        }
        Ok(Metrics { latency, phases })
    }
}

/// `json:` rendered as compact JSON text, keys in file order, string leaves
/// expanded.
#[derive(Debug)]
pub(super) struct JsonBody(pub String);

impl<'de> Deserialize<'de> for JsonBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = JsonBody;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON-compatible value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<JsonBody, E> {
        Ok(JsonBody(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsonBody, E> {
        Ok(JsonBody(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsonBody, E> {
        Ok(JsonBody(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsonBody, E> {
        match serde_json::Number::from_f64(v) {
            Some(n) => Ok(JsonBody(n.to_string())),
            None => Err(E::custom(format!(
                "{v} cannot be written in JSON; quote it to send a string"
            ))),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<JsonBody, E> {
        let text = expand_env(v).map_err(E::custom)?;
        Ok(JsonBody(serde_json::Value::from(text).to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<JsonBody, E> {
        Ok(JsonBody("null".to_string()))
    }

    fn visit_none<E: de::Error>(self) -> Result<JsonBody, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonBody, A::Error> {
        let mut items = Vec::new();
        while let Some(JsonBody(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(JsonBody(format!("[{}]", items.join(","))))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonBody, A::Error> {
        let mut members = Vec::new();
        while let Some((JsonKey(key), JsonBody(value))) = map.next_entry()? {
            members.push(format!("{}:{value}", serde_json::Value::from(key)));
        }
        Ok(JsonBody(format!("{{{}}}", members.join(","))))
    }
}

/// A JSON object key: any YAML scalar, taken as its text.
struct JsonKey(String);

impl<'de> Deserialize<'de> for JsonKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, "a string key", |s| Ok(JsonKey(s.to_string())))
    }
}
