use std::io::Write as _;

use base64::Engine as _;
use flate2::write::ZlibEncoder;
use hdrhistogram::serialization::Deserializer;

use super::*;
use crate::record::histogram_text::*;
use crate::record::{new_histogram, Latency, NamedSummary};

const DEMO: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/baselines/demo.json"));

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A plain V2 header: cookie, payload length, offset, digits, low, high, ratio.
fn v2_header(payload: u32, digits: u32, low: u64, high: u64) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(V2_COOKIE.to_be_bytes());
    out.extend(payload.to_be_bytes());
    out.extend(0u32.to_be_bytes());
    out.extend(digits.to_be_bytes());
    out.extend(low.to_be_bytes());
    out.extend(high.to_be_bytes());
    out.extend(1.0f64.to_be_bytes());
    out
}

/// `raw` deflated and wrapped as V2 compressed.
fn compressed(raw: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(raw).expect("in memory");
    let stream = z.finish().expect("in memory");
    let mut out = Vec::new();
    out.extend(V2_COMPRESSED_COOKIE.to_be_bytes());
    out.extend((stream.len() as u32).to_be_bytes());
    out.extend(stream);
    out
}

#[test]
fn histogram_round_trips_through_base64_v2_deflate() {
    let mut h = new_histogram();
    for v in [1u64, 17, 950, 1_000, 1_001, 20_000, 123_456, 5_000_000] {
        h.record_n(v, v % 7 + 1)
            .expect("auto-resizing histogram records any value");
    }
    let text = encode_histogram(&h).expect("encodes");
    let back = decode_histogram(&text).expect("decodes");
    assert_eq!(back.len(), h.len());
    for q in [0.0, 0.5, 0.9, 0.99, 1.0] {
        assert_eq!(
            back.value_at_quantile(q),
            h.value_at_quantile(q),
            "quantile {q}"
        );
    }
    assert_eq!(back.max(), h.max());
    assert_eq!(back.min(), h.min());
    assert_eq!(
        decode_latency(&text).ok(),
        Some(Latency::from_histogram(&h))
    );
}

#[test]
fn decoding_garbage_is_an_error_not_a_panic() {
    assert!(decode_histogram("not base64 !!").is_err());
    assert!(decode_histogram("aGVsbG8gd29ybGQ=").is_err());
    assert!(decode_histogram("").is_err());
    assert!(decode_histogram(&b64(&V2_COMPRESSED_COOKIE.to_be_bytes())).is_err());
    assert!(decode_histogram(&b64(&V2_COOKIE.to_be_bytes())).is_err());
}

#[test]
fn a_declared_4_gib_payload_is_refused_before_allocating() {
    // Issue 12, case 2: the crate's decoder allocated the declared length.
    let text = b64(&compressed(&v2_header(u32::MAX, 3, 1, 1 << 20)));
    assert!(text.len() < 100, "a tiny file: {}", text.len());
    let err = decode_histogram(&text).expect_err("refused").to_string();
    assert!(err.contains("declares 4294967295 payload bytes"), "{err}");
    // The same, uncompressed.
    let err = decode_histogram(&b64(&v2_header(u32::MAX, 3, 1, 1 << 20)))
        .expect_err("refused")
        .to_string();
    assert!(err.contains("declares 4294967295"), "{err}");
    // A compressed length past the end.
    let mut lying = compressed(&v2_header(0, 3, 1, 1 << 20));
    lying[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    let err = decode_histogram(&b64(&lying))
        .expect_err("refused")
        .to_string();
    assert!(err.contains("compressed bytes"), "{err}");
}

#[test]
fn a_deflate_bomb_is_refused_at_the_cap() {
    // 16 MiB of zero-run varints (0x01 = ZigZag −1: one empty bucket)
    // deflate to ≈ 16 KB; the cap stops inflation at 1 MiB.
    let size = 16 << 20;
    let mut raw = v2_header(size as u32, 3, 1, 1 << 20);
    raw.resize(raw.len() + size, 0x01);
    let text = b64(&compressed(&raw));
    assert!(text.len() < 100_000, "{}", text.len());
    let err = decode_histogram(&text).expect_err("refused").to_string();
    assert!(err.contains("inflates past"), "{err}");
}

#[test]
fn layouts_needing_huge_count_arrays_are_refused() {
    for (digits, low, high) in [
        (5, 1, u64::MAX / 2),
        (6, 1, 1 << 20),
        (0, 1, 1 << 20),
        (3, 0, 1 << 20),
        (3, 10, 11),
        (3, 1 << 60, u64::MAX),
    ] {
        let text = b64(&compressed(&v2_header(0, digits, low, high)));
        assert!(decode_histogram(&text).is_err(), "{digits} {low} {high}");
    }
    // Another tool's sane layout is read.
    let text = b64(&compressed(&v2_header(0, 2, 1, 1 << 30)));
    assert!(decode_histogram(&text).expect("read").is_empty());
}

#[test]
fn bucket_count_matches_hdrhistogram() {
    for (low, high, digits) in [
        (1, 1 << 20, 3),
        (1, 2, 3),
        (1000, 1 << 40, 2),
        (1, 1 << 62, 3),
    ] {
        let h = hdrhistogram::Histogram::<u64>::new_with_bounds(low, high, digits as u8)
            .expect("valid");
        assert_eq!(
            bucket_count(low, high, digits),
            Some(h.distinct_values()),
            "{low} {high} {digits}"
        );
    }
}

#[test]
fn the_committed_demo_baseline_loads_identically() {
    let record = decode(DEMO.as_bytes()).expect("the demo baseline loads");
    let value: serde_json::Value = serde_json::from_str(DEMO).expect("json");
    let mut blocks = 0;
    for (e, endpoint) in record.endpoints.iter().enumerate() {
        for (b, block) in endpoint.blocks.iter().enumerate() {
            let text = value["endpoints"][e]["blocks"][b]["latency_us"]
                .as_str()
                .expect("text");
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .expect("base64");
            // What earlier versions decoded: the crate's own decoder.
            let old: hdrhistogram::Histogram<u64> = Deserializer::new()
                .deserialize(&mut bytes.as_slice())
                .expect("decodes");
            assert_eq!(block.latency_us, Latency::from_histogram(&old));
            assert_eq!(block.latency_us.len(), old.len());
            blocks += 1;
        }
    }
    assert_eq!(blocks, 400);
    // The readable summary recomputed from the decoded blocks is the file's.
    let mut again = record.clone();
    again.summarize();
    let stored: Vec<NamedSummary> =
        serde_json::from_value(value["summary"].clone()).expect("summary");
    assert_eq!(again.summary, stored);
    // And writing it back reads back the same record.
    let json = serde_json::to_vec(&record).expect("encodes");
    assert_eq!(decode(&json).expect("decodes"), record);
}

fn demo_with(edit: impl FnOnce(&mut serde_json::Value)) -> Result<RunRecord, DecodeError> {
    let mut value: serde_json::Value = serde_json::from_str(DEMO).expect("json");
    edit(&mut value);
    decode(&serde_json::to_vec(&value).expect("json"))
}

fn field_error(result: Result<RunRecord, DecodeError>) -> (String, String) {
    match result {
        Err(DecodeError::Field { path, message }) => (path, message),
        Err(DecodeError::Name { path, source }) => (path, source.to_string()),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn a_run_index_past_the_runs_is_refused() {
    // Issue 12, case 1: `"run": 4294967295` aborted allocating 103 GB.
    for run in [u64::from(u32::MAX), 50_000_000, 5] {
        let (path, message) = field_error(demo_with(|v| {
            v["endpoints"][1]["blocks"][7]["run"] = run.into();
        }));
        assert_eq!(path, "endpoints[1].blocks[7].run");
        assert!(message.contains("the record holds 5 runs"), "{message}");
    }
    // A single-run record holds run 0 only.
    let (path, _) = field_error(demo_with(|v| {
        v.as_object_mut().expect("map").remove("runs");
        v["endpoints"][0]["blocks"][0]["run"] = 1.into();
    }));
    assert_eq!(path, "endpoints[0].blocks[0].run");
}

#[test]
fn too_many_blocks_are_refused() {
    let mut value: serde_json::Value = serde_json::from_str(DEMO).expect("json");
    let block = value["endpoints"][0]["blocks"][0].to_string();
    value["endpoints"][0]["blocks"] = serde_json::json!(["BLOCKS"]);
    let many = vec![block.as_str(); limits::MAX_BLOCKS + 1].join(",");
    let text = value.to_string().replace("\"BLOCKS\"", &many);
    let (path, message) = field_error(decode(text.as_bytes()));
    assert_eq!(path, "endpoints");
    assert!(message.contains("over the limit"), "{message}");
}

#[test]
fn long_lists_are_refused_before_decoding() {
    for (key, n) in [
        ("runs", limits::MAX_RUNS + 1),
        ("summary", limits::MAX_ENDPOINTS + 1),
    ] {
        let (path, message) = field_error(demo_with(|v| {
            v[key] = vec![serde_json::Value::Null; n].into();
        }));
        assert_eq!(path, key);
        assert!(message.contains("over the limit"), "{message}");
    }
}

#[test]
fn overflowing_or_implausible_counts_are_refused() {
    // Issue 12, case 5: u64::MAX wrapped into an error rate of 1.5e18 %.
    let (path, message) = field_error(demo_with(|v| {
        v["endpoints"][0]["blocks"][0]["outcomes"]["status"] =
            serde_json::json!({ "500": u64::MAX });
    }));
    assert_eq!(path, "endpoints[0].blocks[0].outcomes");
    assert!(
        message.contains("status.500 is 18446744073709551615"),
        "{message}"
    );
    let (_, message) = field_error(demo_with(|v| {
        v["endpoints"][0]["blocks"][0]["outcomes"]["ok"] = (limits::MAX_COUNT + 1).into();
    }));
    assert!(message.contains("ok is"), "{message}");
}

#[test]
fn a_suite_name_that_is_a_path_is_refused() {
    // Issue 12, case 6.
    let (path, message) = field_error(demo_with(|v| {
        v["suite"] = "../../../outside/leak".into();
    }));
    assert_eq!(path, "suite");
    assert!(message.contains("not an identifier"), "{message}");
    let (path, message) = field_error(demo_with(|v| {
        v["suite"] = "demo\n::error title=X::forged".into();
    }));
    assert_eq!(path, "suite");
    assert!(!message.contains('\n'), "{message}");
    let (path, _) = field_error(demo_with(|v| {
        v["endpoints"][2]["name"] = "x\n::error::forged".into();
    }));
    assert_eq!(path, "endpoints[2].name");
}

#[test]
fn errors_name_the_json_path_and_what_was_found() {
    // Issue 12, case 18.
    let (path, message) = field_error(demo_with(|v| {
        v["endpoints"][3]["blocks"][2]["outcomes"]
            .as_object_mut()
            .expect("map")
            .remove("ok");
    }));
    assert_eq!(path, "endpoints[3].blocks[2].outcomes");
    assert!(message.starts_with("missing field `ok`"), "{message}");
    let (path, message) = field_error(demo_with(|v| {
        v["endpoints"][0]["blocks"][4]["latency_us"] = "bm90IGEgaGlzdG9ncmFt".into();
    }));
    assert_eq!(path, "endpoints[0].blocks[4].latency_us");
    assert!(message.contains("V2"), "{message}");
    let err = demo_with(|v| v["format"] = "1".into()).expect_err("a string");
    assert_eq!(
        err.to_string(),
        "`format` is \"1\" (a string: write the number without quotes)"
    );
    let err = demo_with(|v| {
        v.as_object_mut().expect("map").remove("format");
    })
    .expect_err("missing");
    assert_eq!(err.to_string(), "`format` is none (no `format` field)");
    assert_eq!(
        demo_with(|v| v["format"] = 2.into())
            .expect_err("another version")
            .to_string(),
        "`format` is 2"
    );
    assert!(matches!(
        decode(b"{\"format\": 1,"),
        Err(DecodeError::Json(_))
    ));
}

/// A histogram with every bucket of 1 µs … 2^62 µs holding one value: ≈ 100
/// bytes of base64 that decode into 55,296 buckets.
fn amplified_block() -> String {
    let buckets = 55_296;
    let mut raw = v2_header(buckets, 3, 1, 1 << 62);
    raw.resize(raw.len() + buckets as usize, 0x02);
    b64(&compressed(&raw))
}

#[test]
fn many_amplified_blocks_exhaust_the_record_budget() {
    let text = amplified_block();
    assert!(text.len() < 400, "{}", text.len());
    assert_eq!(
        decode_latency(&text).expect("one is fine").buckets().len(),
        55_296
    );
    let (path, message) = field_error(demo_with(|v| {
        let mut block = v["endpoints"][0]["blocks"][0].clone();
        block["latency_us"] = text.clone().into();
        v["endpoints"][0]["blocks"] = vec![block; 200].into();
    }));
    assert!(path.starts_with("endpoints[0].blocks["), "{path}");
    assert!(message.contains("non-empty buckets in all"), "{message}");
    // The budget belongs to one decode: the next file starts afresh.
    assert!(decode(DEMO.as_bytes()).is_ok());
    assert!(decode_latency(&text).is_ok());
}

#[test]
fn resource_blocks_are_bounded_and_checked() {
    let block = serde_json::json!({ "cpu_us": 1, "ok": 1, "cpu_cores": 0.1, "rss_bytes": 1 });
    let (path, message) = field_error(demo_with(|v| {
        v["resources"] = serde_json::json!({
            "blocks": vec![serde_json::Value::Null; limits::MAX_BLOCKS + 1]
        });
    }));
    assert_eq!(path, "resources.blocks");
    assert!(message.contains("over the limit"), "{message}");
    for (field, bad, why) in [
        ("run", serde_json::json!(99), "does not exist"),
        ("cpu_us", serde_json::json!(u64::MAX), "over the limit"),
        ("rss_bytes", serde_json::json!(1u64 << 60), "over the limit"),
    ] {
        let (path, message) = field_error(demo_with(|v| {
            let mut b = block.clone();
            b[field] = bad.clone();
            v["resources"] = serde_json::json!({ "blocks": [b] });
        }));
        assert_eq!(path, format!("resources.blocks[0].{field}"));
        assert!(message.contains(why), "{field}: {message}");
    }
    // Older files have no resources, and a file may say why there are none.
    let record = demo_with(|v| {
        v["resources"] = serde_json::json!({ "absent": "no /proc" });
    })
    .expect("decodes");
    assert_eq!(
        record.resources.and_then(|r| r.absent).as_deref(),
        Some("no /proc")
    );
}
