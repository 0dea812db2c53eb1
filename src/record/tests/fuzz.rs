//! Fuzzing harness for hostile files (issue 12): the suite parser, the
//! results decoder and the comparison of decoded records, fed mutants of
//! real files. One file past 600 lines because it is one harness: the
//! mutators, the properties every mutant must keep, and the fixed seeds of
//! each reported case share their generators.
//!
//! Every mutant must end in `Ok` or a clean error — never a panic, never an
//! allocation proportional to a number in the file, never a NaN figure or an
//! error rate outside [0, 1]. The mutators are byte-level (flip, insert a
//! hostile token, delete, duplicate), JSON-structural (replace, remove or
//! duplicate a random node), histogram-level (rewrite a V2 header field or
//! payload byte, then re-encode) and Server-Timing-level (phase names spread
//! over an endpoint's blocks, hostile names and histograms). Each reported
//! case of the issues is a fixed seed in the regression tests at the end. The case counts keep the
//! whole harness within a few seconds, so CI runs it on every push; raise
//! `PROPTEST_CASES` locally for a longer session.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use proptest::prelude::*;
use serde_json::Value;

use crate::compare::{self, GateSettings};
use crate::config::{self, Overrides, UNBOUND_PORT};
use crate::record::{self, DecodeError, RunRecord};

const DEMO_SUITE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/demo/benchgate.yaml"
));
const DEMO_RECORD: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/baselines/demo.json"));

/// A suite file that uses most keys (the DESIGN sketch's shape).
const FULL_SUITE: &str = r#"version: 1
suite: api
app:
  command: ["./server", "--port", "${PORT}"]
  cwd: .
  env: { APP_ENV: bench }
  ready: { url: "http://127.0.0.1:${PORT}/health", timeout: 30s }
base_url: "http://127.0.0.1:${PORT}"
load:
  rate: 200/s
  connections: 32
  warmup: 5s
  duration: 30s
  block: 1s
  timeout: 2s
  seed: 7
endpoints:
  - name: list-users
    method: GET
    path: /users?limit=20
    weight: 3
    expect: &ok { status: 200 }
    gate: { threshold: 15%, metrics: [p95, mean] }
  - name: create-order
    method: POST
    path: /orders
    json: { item: 42, qty: 1, tags: [a, 2.5, true, null] }
    headers: { Authorization: "Bearer dev" }
    expect: *ok
gate:
  metrics: [p50, p95, p99]
  threshold: 10%
  confidence: 99%
  max_error_rate_increase: 1%
"#;

// ---------------------------------------------------------------------------
// Mutators
// ---------------------------------------------------------------------------

/// Text that breaks parsers: huge and negative numbers, brackets, YAML
/// anchors and aliases, variables, path climbing, control characters.
pub(crate) const TOKENS: &[&str] = &[
    "4294967295",
    "18446744073709551615",
    "99999999999999999999999",
    "-1",
    "0",
    "1e308",
    "NaN",
    "null",
    "\"\"",
    "[",
    "]",
    "{",
    "}",
    "[[[[[[[[[[[[[[[[",
    "*a",
    "&a ",
    "<<: *a",
    "${BENCH_TOKEN}",
    "${",
    "../../../outside/leak",
    "\n",
    "\n  ",
    "\t",
    "\u{0}",
    "\u{1b}[31m",
    "\n::error title=X::forged\n",
    ":",
    "- ",
    "'",
    "\"",
    "#",
    "|",
    "\\u0000",
    "é",
    "\u{feff}",
];

/// One byte-level edit; positions wrap around the input's length.
#[derive(Debug, Clone)]
pub(crate) enum ByteEdit {
    Flip { at: usize, bit: u8 },
    Insert { at: usize, token: usize },
    Delete { at: usize, len: usize },
    Duplicate { at: usize, len: usize },
    Replace { at: usize, len: usize, token: usize },
}

pub(crate) fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    let at = any::<usize>();
    prop_oneof![
        (at, 0u8..8).prop_map(|(at, bit)| ByteEdit::Flip { at, bit }),
        (at, 0..TOKENS.len()).prop_map(|(at, token)| ByteEdit::Insert { at, token }),
        (at, 1usize..64).prop_map(|(at, len)| ByteEdit::Delete { at, len }),
        (at, 1usize..256).prop_map(|(at, len)| ByteEdit::Duplicate { at, len }),
        (at, 1usize..16, 0..TOKENS.len()).prop_map(|(at, len, token)| ByteEdit::Replace {
            at,
            len,
            token
        }),
    ]
}

/// Applies `edits` to `bytes` in order.
pub(crate) fn apply_bytes(bytes: &mut Vec<u8>, edits: &[ByteEdit]) {
    for edit in edits {
        let n = bytes.len().max(1);
        match *edit {
            ByteEdit::Flip { at, bit } => {
                if let Some(b) = bytes.get_mut(at % n) {
                    *b ^= 1 << bit;
                }
            }
            ByteEdit::Insert { at, token } => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, TOKENS[token].bytes());
            }
            ByteEdit::Delete { at, len } => {
                let at = at % n;
                let end = (at + len).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            ByteEdit::Duplicate { at, len } => {
                let at = at % n;
                let end = (at + len).min(bytes.len());
                if at < end {
                    let copy = bytes[at..end].to_vec();
                    bytes.splice(end..end, copy);
                }
            }
            ByteEdit::Replace { at, len, token } => {
                let at = at % n;
                let end = (at + len).min(bytes.len());
                if at <= end {
                    bytes.splice(at..end, TOKENS[token].bytes());
                }
            }
        }
    }
}

/// Values a JSON node is replaced with.
fn hostile_value(pick: usize) -> Value {
    match pick % 14 {
        0 => Value::from(u64::MAX),
        1 => Value::from(u64::from(u32::MAX)),
        2 => Value::from(-1),
        3 => Value::from(1e308),
        4 => Value::Null,
        5 => Value::from("1"),
        6 => Value::from("../../../outside/leak"),
        7 => Value::from("x\n::error title=X::forged"),
        8 => serde_json::json!([]),
        9 => serde_json::json!({}),
        10 => Value::from(50_000_000),
        11 => Value::from(0),
        12 => Value::from(true),
        _ => Value::from("HISTFAAAACl4nJNpmSzMwMDAzsAAAg"),
    }
}

/// One structural edit of a JSON document: the node reached by `walk`
/// (a child chosen by each step's number) is replaced, removed or, in an
/// array, duplicated `times` times.
#[derive(Debug, Clone)]
pub(crate) enum JsonEdit {
    Set { walk: Vec<usize>, value: usize },
    Remove { walk: Vec<usize> },
    Duplicate { walk: Vec<usize>, times: usize },
}

pub(crate) fn json_edit() -> impl Strategy<Value = JsonEdit> {
    let walk = prop::collection::vec(any::<usize>(), 0..7);
    prop_oneof![
        (walk.clone(), any::<usize>()).prop_map(|(walk, value)| JsonEdit::Set { walk, value }),
        walk.clone().prop_map(|walk| JsonEdit::Remove { walk }),
        (walk, 1usize..50).prop_map(|(walk, times)| JsonEdit::Duplicate { walk, times }),
    ]
}

/// The child of `node` that `step` picks, if `node` has children.
fn child_mut(node: &mut Value, step: usize) -> Option<&mut Value> {
    match node {
        Value::Array(items) if !items.is_empty() => {
            let i = step % items.len();
            items.get_mut(i)
        }
        Value::Object(map) if !map.is_empty() => {
            let i = step % map.len();
            map.values_mut().nth(i)
        }
        _ => None,
    }
}

/// The node `walk` reaches from `node`, stopping at a leaf.
fn descend<'v>(node: &'v mut Value, walk: &[usize]) -> &'v mut Value {
    let Some((step, rest)) = walk.split_first() else {
        return node;
    };
    let has_children = match &*node {
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => false,
    };
    if !has_children {
        return node;
    }
    match child_mut(node, *step) {
        Some(child) => descend(child, rest),
        None => unreachable!("a node with children has a child"),
    }
}

pub(crate) fn apply_json(doc: &mut Value, edit: &JsonEdit) {
    let (walk, last) = match edit {
        JsonEdit::Set { walk, .. }
        | JsonEdit::Remove { walk }
        | JsonEdit::Duplicate { walk, .. } => match walk.split_last() {
            Some((last, walk)) => (walk, *last),
            None => {
                if let JsonEdit::Set { value, .. } = edit {
                    *doc = hostile_value(*value);
                }
                return;
            }
        },
    };
    match (edit, descend(doc, walk)) {
        (JsonEdit::Set { value, .. }, node) => {
            if let Some(child) = child_mut(node, last) {
                *child = hostile_value(*value);
            }
        }
        (JsonEdit::Remove { .. }, Value::Object(map)) if !map.is_empty() => {
            let key = map.keys().nth(last % map.len()).cloned();
            if let Some(key) = key {
                map.remove(&key);
            }
        }
        (JsonEdit::Remove { .. }, Value::Array(items)) if !items.is_empty() => {
            items.remove(last % items.len());
        }
        (JsonEdit::Duplicate { times, .. }, Value::Array(items)) if !items.is_empty() => {
            let copy = items[last % items.len()].clone();
            items.extend(std::iter::repeat_n(copy, *times));
        }
        _ => {}
    }
}

/// One edit of an encoded histogram's V2 bytes.
#[derive(Debug, Clone)]
pub(crate) enum HistogramEdit {
    /// Overwrite the big-endian u32 at header offset 4 × `field` (cookie,
    /// payload length, offset, digits, low/high halves …) of the plain V2.
    Header { field: usize, value: u32 },
    /// Edit the plain V2 bytes (header and counts).
    Plain(ByteEdit),
    /// Edit the compressed bytes themselves.
    Compressed(ByteEdit),
    /// Store the plain encoding, uncompressed.
    Uncompress,
}

pub(crate) fn histogram_edit() -> impl Strategy<Value = HistogramEdit> {
    let hostile_u32 = prop_oneof![
        Just(u32::MAX),
        Just(0u32),
        Just(1u32),
        Just(64u32),
        Just(1 << 20),
        Just(1 << 31),
        any::<u32>(),
    ];
    prop_oneof![
        (0usize..10, hostile_u32).prop_map(|(field, value)| HistogramEdit::Header { field, value }),
        byte_edit().prop_map(HistogramEdit::Plain),
        byte_edit().prop_map(HistogramEdit::Compressed),
        Just(HistogramEdit::Uncompress),
    ]
}

fn zlib(raw: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(raw).expect("in memory");
    z.finish().expect("in memory")
}

/// Applies `edit` to base64 `text` of a V2 compressed histogram; the result
/// is base64 again (of whatever the edit made).
pub(crate) fn apply_histogram(text: &str, edit: &HistogramEdit) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let Ok(bytes) = b64.decode(text) else {
        return text.to_string();
    };
    if bytes.len() < 8 {
        return text.to_string();
    }
    let (head, stream) = bytes.split_at(8);
    let mut plain = Vec::new();
    if flate2::read::ZlibDecoder::new(stream)
        .take(1 << 20)
        .read_to_end(&mut plain)
        .is_err()
    {
        return text.to_string();
    }
    let rewrap = |plain: &[u8]| {
        let stream = zlib(plain);
        let mut out = head[..4].to_vec();
        out.extend((stream.len() as u32).to_be_bytes());
        out.extend(stream);
        out
    };
    let out = match edit {
        HistogramEdit::Header { field, value } => {
            let at = field * 4;
            if plain.len() >= at + 4 {
                plain[at..at + 4].copy_from_slice(&value.to_be_bytes());
            }
            rewrap(&plain)
        }
        HistogramEdit::Plain(e) => {
            apply_bytes(&mut plain, std::slice::from_ref(e));
            rewrap(&plain)
        }
        HistogramEdit::Compressed(e) => {
            let mut bytes = bytes.clone();
            apply_bytes(&mut bytes, std::slice::from_ref(e));
            bytes
        }
        HistogramEdit::Uncompress => plain,
    };
    b64.encode(out)
}

/// Phase names a mutant may use: valid tokens, shared and fresh ones, and
/// names no token can be.
const PHASE_NAMES: &[&str] = &[
    "app",
    "db",
    "render",
    "",
    "a b",
    "\u{1b}[31m",
    "x\n::error title=X::forged",
    "é",
    "a|b",
    "0123456789012345678901234567890123456789012345678901234567890123456789",
];

/// One Server-Timing edit of a results file (issue 23): names spread over
/// an endpoint's blocks, a block's phase renamed, or its histogram replaced.
#[derive(Debug, Clone)]
pub(crate) enum PhaseEdit {
    /// Every block of endpoint `endpoint` reports `per_block` phases:
    /// names new in each block when `fresh`, else the same in every block.
    Spread {
        endpoint: usize,
        per_block: usize,
        fresh: bool,
    },
    /// A block's phases gain one named by `PHASE_NAMES[name]`.
    Name {
        endpoint: usize,
        block: usize,
        name: usize,
    },
    /// A block's first phase's histogram is replaced by a hostile value.
    Value {
        endpoint: usize,
        block: usize,
        value: usize,
    },
}

pub(crate) fn phase_edit() -> impl Strategy<Value = PhaseEdit> {
    prop_oneof![
        (0usize..4, 0usize..20, any::<bool>()).prop_map(|(endpoint, per_block, fresh)| {
            PhaseEdit::Spread {
                endpoint,
                per_block,
                fresh,
            }
        }),
        (0usize..4, 0usize..6, any::<usize>()).prop_map(|(endpoint, block, name)| {
            PhaseEdit::Name {
                endpoint,
                block,
                name,
            }
        }),
        (0usize..4, 0usize..6, any::<usize>()).prop_map(|(endpoint, block, value)| {
            PhaseEdit::Value {
                endpoint,
                block,
                value,
            }
        }),
    ]
}

/// Applies `edit` to a results document of 4 endpoints × 6 blocks, whose
/// blocks time an `app` phase.
pub(crate) fn apply_phases(doc: &mut Value, edit: &PhaseEdit) {
    let histogram = doc["endpoints"][0]["blocks"][0]["phases"]["app"].clone();
    let phases = |doc: &mut Value, e: usize, b: usize| -> Option<serde_json::Map<String, Value>> {
        doc["endpoints"][e]["blocks"][b]["phases"]
            .as_object()
            .cloned()
    };
    match *edit {
        PhaseEdit::Spread {
            endpoint,
            per_block,
            fresh,
        } => {
            let Some(blocks) = doc["endpoints"][endpoint]["blocks"].as_array_mut() else {
                return;
            };
            for (b, block) in blocks.iter_mut().enumerate() {
                let names = (0..per_block).map(|k| {
                    let name = if fresh {
                        format!("b{b}-{k}")
                    } else {
                        format!("p{k}")
                    };
                    (name, histogram.clone())
                });
                block["phases"] = Value::Object(names.collect());
            }
        }
        PhaseEdit::Name {
            endpoint,
            block,
            name,
        } => {
            let mut map = phases(doc, endpoint, block).unwrap_or_default();
            map.insert(PHASE_NAMES[name % PHASE_NAMES.len()].into(), histogram);
            doc["endpoints"][endpoint]["blocks"][block]["phases"] = Value::Object(map);
        }
        PhaseEdit::Value {
            endpoint,
            block,
            value,
        } => {
            let mut map = phases(doc, endpoint, block).unwrap_or_default();
            let name = map.keys().next().cloned().unwrap_or_else(|| "app".into());
            map.insert(name, hostile_value(value));
            doc["endpoints"][endpoint]["blocks"][block]["phases"] = Value::Object(map);
        }
    }
}

// ---------------------------------------------------------------------------
// Seeds and targets
// ---------------------------------------------------------------------------

/// The demo baseline cut to `per_endpoint` blocks an endpoint (fast to
/// decode), as JSON.
fn small_record(per_endpoint: usize) -> Value {
    let mut value: Value = serde_json::from_str(DEMO_RECORD).expect("the demo baseline is JSON");
    if let Some(endpoints) = value["endpoints"].as_array_mut() {
        for endpoint in endpoints {
            if let Some(blocks) = endpoint["blocks"].as_array_mut() {
                blocks.truncate(per_endpoint);
            }
        }
    }
    value
}

/// [`small_record`] of 6 blocks an endpoint with the latency histogram of
/// one of its 24 blocks (`block`, endpoint by endpoint) put through `edits`.
fn with_mutated_histogram(block: usize, edits: &[HistogramEdit]) -> Value {
    let mut doc = small_record(6);
    let (e, b) = (block % 4, block / 4);
    let mut text = doc["endpoints"][e]["blocks"][b]["latency_us"]
        .as_str()
        .expect("encoded")
        .to_string();
    for edit in edits {
        text = apply_histogram(&text, edit);
    }
    doc["endpoints"][e]["blocks"][b]["latency_us"] = text.into();
    doc
}

/// The suite parser on `bytes`: Ok or an error naming the file, quickly.
fn parse_suite(bytes: &[u8]) -> Result<config::Config, config::ConfigError> {
    let text = String::from_utf8_lossy(bytes);
    let started = Instant::now();
    let result = config::parse_with(
        &text,
        Path::new("fuzz.yaml"),
        &Overrides::default(),
        UNBOUND_PORT,
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "parsing took {:?}",
        started.elapsed()
    );
    if let Err(error) = &result {
        let message = error.to_string();
        assert!(message.starts_with("fuzz.yaml"), "unlocated: {message}");
    }
    result
}

/// The decoder on `bytes`: Ok within every limit, or a clean error.
fn decode_record(bytes: &[u8]) -> Result<RunRecord, DecodeError> {
    let started = Instant::now();
    let result = record::decode(bytes);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "decoding took {:?}",
        started.elapsed()
    );
    if let Ok(r) = &result {
        let blocks: usize = r.endpoints.iter().map(|e| e.blocks.len()).sum();
        assert!(blocks <= record::limits::MAX_BLOCKS);
        assert!(r
            .endpoints
            .iter()
            .flat_map(|e| &e.blocks)
            .all(|b| (b.run as usize) < r.run_count()));
        let buckets: usize = r
            .endpoints
            .iter()
            .flat_map(|e| &e.blocks)
            .map(|b| b.latency_us.buckets().len())
            .sum();
        assert!(buckets <= record::limits::MAX_RECORD_BUCKETS);
        assert!(config::names::check_suite(&r.suite).is_ok());
    }
    result
}

/// Compares two decoded records: no panic, no NaN, rates in [0, 1].
fn compare_records(base: &RunRecord, head: &RunRecord) -> compare::Comparison {
    let mut base = base.clone();
    let mut head = head.clone();
    base.summarize();
    head.summarize();
    let comparison = compare::compare(&base, &head, &GateSettings::defaults());
    for endpoint in &comparison.endpoints {
        for m in &endpoint.metrics {
            for (what, x) in [
                ("base_ms", m.base_ms),
                ("head_ms", m.head_ms),
                ("ratio", m.ratio),
                ("p_value", m.p_value),
                ("detectable", m.detectable),
            ] {
                assert!(
                    x.is_none_or(|x| !x.is_nan()),
                    "{} {what} is NaN",
                    endpoint.name
                );
            }
        }
        let e = &endpoint.errors;
        for rate in [e.base_rate, e.head_rate] {
            assert!(
                (0.0..=1.0).contains(&rate),
                "{}: error rate {rate}",
                endpoint.name
            );
        }
    }
    for s in &base.summary {
        assert!((0.0..=1.0).contains(&s.summary.error_rate));
    }
    comparison
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        .. ProptestConfig::default()
    })]

    #[test]
    fn mutated_suite_files_parse_or_fail_cleanly(
        seed in 0usize..3,
        edits in prop::collection::vec(byte_edit(), 1..8),
    ) {
        let mut bytes = [DEMO_SUITE, FULL_SUITE, "version: 1\nsuite: a\nbase_url: http://127.0.0.1:8000\nendpoints: [{name: a, path: /}]\n"][seed]
            .as_bytes()
            .to_vec();
        apply_bytes(&mut bytes, &edits);
        let _ = parse_suite(&bytes);
    }

    #[test]
    fn mutated_results_files_decode_or_fail_cleanly(
        json_edits in prop::collection::vec(json_edit(), 0..4),
        byte_edits in prop::collection::vec(byte_edit(), 0..3),
    ) {
        let mut doc = small_record(6);
        for edit in &json_edits {
            apply_json(&mut doc, edit);
        }
        let mut bytes = serde_json::to_vec(&doc).expect("json");
        apply_bytes(&mut bytes, &byte_edits);
        if let Ok(r) = decode_record(&bytes) {
            let demo = decode_record(&serde_json::to_vec(&small_record(6)).expect("json"))
                .expect("the demo decodes");
            compare_records(&demo, &r);
            compare_records(&r, &demo);
        }
    }

    #[test]
    fn mutated_histograms_decode_or_fail_cleanly(
        block in 0usize..24,
        edits in prop::collection::vec(histogram_edit(), 1..4),
    ) {
        let doc = with_mutated_histogram(block, &edits);
        if let Ok(r) = decode_record(&serde_json::to_vec(&doc).expect("json")) {
            let demo = decode_record(&serde_json::to_vec(&small_record(6)).expect("json"))
                .expect("the demo decodes");
            compare_records(&demo, &r);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        .. ProptestConfig::default()
    })]

    /// A record decoded from a mutant holds at most 16 phase names per
    /// endpoint, and its comparison at most that many phases per endpoint
    /// and metric.
    #[test]
    fn mutated_server_timing_phases_decode_within_the_limit_or_fail_cleanly(
        edits in prop::collection::vec(phase_edit(), 1..5),
    ) {
        let mut doc = small_record(6);
        for edit in &edits {
            apply_phases(&mut doc, edit);
        }
        let Ok(r) = decode_record(&serde_json::to_vec(&doc).expect("json")) else {
            return Ok(());
        };
        for endpoint in &r.endpoints {
            prop_assert!(endpoint.phase_names().len() <= record::phases::MAX_PHASES);
        }
        let demo = decode_record(&serde_json::to_vec(&small_record(6)).expect("json"))
            .expect("the demo decodes");
        for (base, head) in [(&demo, &r), (&r, &demo), (&r, &r)] {
            let c = compare_records(base, head);
            for endpoint in &c.endpoints {
                let bound = record::phases::MAX_PHASES * endpoint.metrics.len().max(1);
                prop_assert!(endpoint.phases.len() <= bound, "{}", endpoint.phases.len());
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The issue's cases, as fixed seeds
// ---------------------------------------------------------------------------

fn edited(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut doc = small_record(6);
    edit(&mut doc);
    serde_json::to_vec(&doc).expect("json")
}

#[test]
fn seeds_from_the_issue_are_refused_cleanly() {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut header = Vec::new();
    for word in [0x1c84_9313u32, u32::MAX, 0, 3] {
        header.extend(word.to_be_bytes());
    }
    header.extend(1u64.to_be_bytes());
    header.extend((1u64 << 20).to_be_bytes());
    header.extend(1.0f64.to_be_bytes());
    let stream = zlib(&header);
    let mut four_gib = 0x1c84_9314u32.to_be_bytes().to_vec();
    four_gib.extend((stream.len() as u32).to_be_bytes());
    four_gib.extend(stream);
    let four_gib = b64.encode(four_gib);

    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "1: run 4294967295",
            edited(|d| d["endpoints"][0]["blocks"][0]["run"] = u32::MAX.into()),
        ),
        (
            "1: run 50000000",
            edited(|d| d["endpoints"][0]["blocks"][0]["run"] = 50_000_000.into()),
        ),
        (
            "2: 4 GiB payload",
            edited(|d| d["endpoints"][0]["blocks"][0]["latency_us"] = four_gib.clone().into()),
        ),
        (
            "5: u64::MAX status",
            edited(|d| {
                d["endpoints"][0]["blocks"][0]["outcomes"]["status"] =
                    serde_json::json!({"500": u64::MAX})
            }),
        ),
        (
            "5: sum past 2^64",
            edited(|d| {
                d["endpoints"][0]["blocks"][0]["outcomes"]["ok"] = (u64::MAX / 2).into();
                d["endpoints"][0]["blocks"][1]["outcomes"]["ok"] = (u64::MAX / 2).into();
            }),
        ),
        (
            "6: suite path",
            edited(|d| d["suite"] = "../../../outside/leak".into()),
        ),
        (
            "6/7: endpoint newline",
            edited(|d| d["endpoints"][0]["name"] = "x\n::error title=X::forged".into()),
        ),
        ("18: format string", edited(|d| d["format"] = "1".into())),
        (
            "18: missing ok",
            edited(|d| {
                d["endpoints"][0]["blocks"][0]["outcomes"]
                    .as_object_mut()
                    .expect("map")
                    .remove("ok");
            }),
        ),
        (
            "issue 23, 5: 16 new phase names a block",
            edited(|d| {
                let spread = PhaseEdit::Spread {
                    endpoint: 0,
                    per_block: 16,
                    fresh: true,
                };
                apply_phases(d, &spread);
            }),
        ),
    ];
    // Hostile phase names 5 (an escape) and 6 (a line break).
    let hostile_names = [
        ("issue 23, 5: a phase name with an escape", 5),
        ("issue 23, 5: a phase name with a line break", 6),
    ]
    .map(|(what, name)| {
        let edit = PhaseEdit::Name {
            endpoint: 1,
            block: 2,
            name,
        };
        (what, edited(|d| apply_phases(d, &edit)))
    });
    for (what, bytes) in cases.into_iter().chain(hostile_names) {
        let err = decode_record(&bytes).expect_err(what);
        let message = err.to_string();
        assert!(!message.contains('\n'), "{what}: {message}");
        assert!(!message.contains('\u{1b}'), "{what}: {message}");
    }
}

#[test]
fn the_demo_seeds_decode_and_compare() {
    let demo = decode_record(DEMO_RECORD.as_bytes()).expect("the demo baseline");
    compare_records(&demo, &demo);
    assert!(parse_suite(DEMO_SUITE.as_bytes()).is_ok());
    assert!(parse_suite(FULL_SUITE.as_bytes()).is_ok());
}

#[test]
fn suite_seeds_from_the_issue_are_refused_cleanly() {
    let deep: String = (0..30_000)
        .map(|i| format!("{}k:\n", " ".repeat(i % 100)))
        .collect();
    let bomb = crate::config::testutil::alias_bomb(12);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "4: weight",
            FULL_SUITE
                .replace("weight: 3", "weight: 4294967295")
                .into_bytes(),
        ),
        (
            "4: rate",
            FULL_SUITE
                .replace("rate: 200/s", "rate: 1e15/s")
                .into_bytes(),
        ),
        (
            "4: blocks",
            FULL_SUITE
                .replace("block: 1s", "block: 10ms")
                .replace("duration: 30s", "duration: 1h")
                .into_bytes(),
        ),
        (
            "6: suite",
            FULL_SUITE
                .replace("suite: api", "suite: ../../x")
                .into_bytes(),
        ),
        (
            "18: utf-8",
            FULL_SUITE
                .replace("suite: api", "suite: a\u{fffd}")
                .into_bytes(),
        ),
        ("19: depth", deep.into_bytes()),
        (
            "19: flow depth",
            format!("a: {}\n", "[".repeat(100_000)).into_bytes(),
        ),
        ("19: aliases", bomb.into_bytes()),
    ];
    for (what, bytes) in cases {
        let message = parse_suite(&bytes).map(|_| ()).expect_err(what).to_string();
        assert!(!message.contains('\u{1b}'), "{what}: {message}");
    }
}

/// A longer session that counts outcomes per target, for the record:
/// `FUZZ_CASES=5000 cargo test --bin benchgate fuzz_census -- --ignored --nocapture`.
#[test]
#[ignore = "a long fuzzing session; CI runs the short proptest suite above"]
fn fuzz_census() {
    use proptest::strategy::ValueTree as _;
    use proptest::test_runner::TestRunner;
    let cases: usize = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000);
    let mut runner = TestRunner::deterministic();
    let seeds = [DEMO_SUITE, FULL_SUITE];
    let suite = (0usize..2, prop::collection::vec(byte_edit(), 1..8));
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..cases {
        let (seed, edits) = suite.new_tree(&mut runner).expect("tree").current();
        let mut bytes = seeds[seed].as_bytes().to_vec();
        apply_bytes(&mut bytes, &edits);
        match parse_suite(&bytes) {
            Ok(_) => ok += 1,
            Err(_) => refused += 1,
        }
    }
    eprintln!("suite files: {cases} mutants, {ok} valid, {refused} refused cleanly");

    let results = (
        prop::collection::vec(json_edit(), 0..4),
        prop::collection::vec(byte_edit(), 0..3),
    );
    let demo = decode_record(&serde_json::to_vec(&small_record(6)).expect("json")).expect("demo");
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..cases {
        let (json_edits, byte_edits) = results.new_tree(&mut runner).expect("tree").current();
        let mut doc = small_record(6);
        for edit in &json_edits {
            apply_json(&mut doc, edit);
        }
        let mut bytes = serde_json::to_vec(&doc).expect("json");
        apply_bytes(&mut bytes, &byte_edits);
        match decode_record(&bytes) {
            Ok(r) => {
                compare_records(&demo, &r);
                ok += 1;
            }
            Err(_) => refused += 1,
        }
    }
    eprintln!(
        "results files: {cases} mutants, {ok} decoded and compared, {refused} refused cleanly"
    );

    let histograms = (0usize..24, prop::collection::vec(histogram_edit(), 1..4));
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..cases {
        let (block, edits) = histograms.new_tree(&mut runner).expect("tree").current();
        let doc = with_mutated_histogram(block, &edits);
        match decode_record(&serde_json::to_vec(&doc).expect("json")) {
            Ok(r) => {
                compare_records(&demo, &r);
                ok += 1;
            }
            Err(_) => refused += 1,
        }
    }
    eprintln!("histograms: {cases} mutants, {ok} decoded and compared, {refused} refused cleanly");
}
