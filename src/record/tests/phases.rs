//! Server-Timing phases in results files: old files load, phases round-trip,
//! and a hostile file's phases are refused with their JSON path.

use crate::record::*;

const DEMO: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/baselines/demo.json"));

/// The demo's baseline as a benchgate before Server-Timing wrote it: the
/// same file with every block's `phases` taken out.
fn without_phases() -> Vec<u8> {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                map.remove("phases");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value: serde_json::Value = serde_json::from_str(DEMO).expect("the demo baseline");
    strip(&mut value);
    serde_json::to_vec(&value).expect("encodes")
}

fn latency(values: &[u64]) -> Latency {
    let mut l = Latency::default();
    for v in values {
        l.record(*v);
    }
    l
}

fn with_phases() -> RunRecord {
    let mut record = decode(&without_phases()).expect("the demo baseline loads");
    let block = &mut record.endpoints[0].blocks[0];
    block
        .phases
        .insert("db".into(), latency(&[2_000, 2_500, 0]));
    block.phases.insert("render".into(), latency(&[120]));
    record
}

#[test]
fn a_file_without_phases_still_loads_and_writes_none() {
    let record = decode(&without_phases()).expect("the demo baseline loads");
    assert!(record
        .endpoints
        .iter()
        .all(|e| e.blocks.iter().all(|b| b.phases.is_empty())));
    let text = serde_json::to_string(&record).expect("encodes");
    assert!(!text.contains("\"phases\""));
}

#[test]
fn phases_round_trip_through_a_file() {
    let record = with_phases();
    let bytes = serde_json::to_vec(&record).expect("encodes");
    let back = decode(&bytes).expect("decodes");
    assert_eq!(back, record);
    let e = &back.endpoints[0];
    assert_eq!(e.phase_names(), ["db", "render"]);
    let db = e.phase("db");
    assert_eq!(
        db.blocks.len(),
        e.blocks.len(),
        "every block keeps its place"
    );
    assert_eq!(db.blocks[0].outcomes.ok, 3);
    assert_eq!(db.blocks[0].outcomes.errors(), 0);
    assert_eq!(db.blocks[1].outcomes.ok, 0);
    let pooled = db.pooled();
    assert!(pooled.equivalent(pooled.max(), 2_500));
    assert!(e.phase("nothing").pooled().is_empty());
}

/// The demo file with endpoint 0's block 1 given `phases` (raw JSON).
fn hostile(phases: &str) -> Result<RunRecord, DecodeError> {
    let mut value: serde_json::Value = serde_json::from_str(DEMO).expect("JSON");
    value["endpoints"][0]["blocks"][1]["phases"] = serde_json::from_str(phases).expect("test JSON");
    decode(&serde_json::to_vec(&value).expect("encodes"))
}

#[test]
fn hostile_phases_are_refused_with_their_path() {
    let good = with_phases().endpoints[0].blocks[0].phases["db"].clone();
    let text = histogram_text::encode_histogram(&good.to_histogram()).expect("encodes");
    let many: serde_json::Map<String, serde_json::Value> = (0..17)
        .map(|i| (format!("p{i}"), serde_json::Value::from(text.clone())))
        .collect();
    let err = hostile(&serde_json::Value::Object(many).to_string()).expect_err("refused");
    assert!(
        err.to_string().contains("endpoints[0].blocks[1].phases")
            && err.to_string().contains("more than 16 phases"),
        "{err}"
    );
    for (name, why) in [("", "empty"), ("a b", "not an HTTP token")] {
        let err = hostile(&format!(r#"{{"{name}": "{text}"}}"#)).expect_err("refused");
        assert!(
            err.to_string().contains("endpoints[0].blocks[1].phases")
                && err.to_string().contains(why),
            "{err}"
        );
    }
    let err = hostile(r#"{"db": "not a histogram"}"#).expect_err("refused");
    assert!(err.to_string().contains("base64"), "{err}");
    assert!(hostile(&format!(r#"{{"db": "{text}"}}"#)).is_ok());
}

/// The demo file without phases, then endpoint 0's first blocks given
/// `per_block` phases each, all of distinct names, `p0` onwards.
fn spread(per_block: &[usize]) -> Vec<u8> {
    let good = with_phases().endpoints[0].blocks[0].phases["db"].clone();
    let text = histogram_text::encode_histogram(&good.to_histogram()).expect("encodes");
    let mut value: serde_json::Value = serde_json::from_slice(&without_phases()).expect("JSON");
    let mut next = 0;
    for (b, &n) in per_block.iter().enumerate() {
        let phases: serde_json::Map<String, serde_json::Value> = (next..next + n)
            .map(|i| (format!("p{i}"), serde_json::Value::from(text.clone())))
            .collect();
        next += n;
        value["endpoints"][0]["blocks"][b]["phases"] = serde_json::Value::Object(phases);
    }
    serde_json::to_vec(&value).expect("encodes")
}

#[test]
fn more_distinct_phase_names_per_endpoint_than_the_limit_are_refused_where_they_start() {
    // 16 per endpoint, however spread, load.
    assert!(decode(&spread(&[8, 8])).is_ok());
    // The 17th, in a block of its own or not, is refused before any
    // histogram is decoded, and after it as well.
    let endpoint = decode(&without_phases()).expect("loads").endpoints[0]
        .name
        .clone();
    let expected = format!(
        "endpoints[0].blocks[1].phases.p16: endpoint {endpoint:?} reports more than 16 distinct Server-Timing phase names over its blocks, \
         over the limit of 16 per endpoint; benchgate records at most 16 per endpoint, \
         so this file was edited or written by another tool: record it again with benchgate"
    );
    for per_block in [&[16, 1][..], &[10, 10], &[16, 16, 16]] {
        let err = decode(&spread(per_block)).err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some(expected.as_str()), "{per_block:?}");
    }
    let mut record = decode(&spread(&[16])).expect("loads");
    record.endpoints[0].blocks[1]
        .phases
        .insert("p16".into(), latency(&[1]));
    assert_eq!(
        limits::check(&record).expect_err("refused").to_string(),
        expected
    );
}

#[test]
fn joined_runs_keep_the_first_phase_names_up_to_the_limit() {
    let first = decode(&spread(&[16])).expect("loads");
    let mut second = first.clone();
    for block in &mut second.endpoints[0].blocks {
        block.phases = std::mem::take(&mut block.phases)
            .into_iter()
            .map(|(name, l)| (format!("x{name}"), l))
            .collect();
    }
    let joined = RunRecord::combine(vec![first.clone(), second]).expect("joins");
    let names: Vec<String> = joined.endpoints[0]
        .phase_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let mut expected: Vec<String> = first.endpoints[0]
        .phase_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    let bytes = serde_json::to_vec(&joined).expect("encodes");
    assert!(decode(&bytes).is_ok());
}

#[test]
fn runs_that_join_into_an_unreadable_record_are_refused() {
    let one = decode(&spread(&[1])).expect("loads");
    let each = one.run_count();
    let copies = limits::MAX_RUNS / each + 1;
    let fits = vec![one.clone(); copies - 1];
    assert!(
        RunRecord::combine(fits).is_ok(),
        "{} runs fit",
        (copies - 1) * each
    );
    let err = RunRecord::combine(vec![one; copies]).expect_err("refused");
    assert_eq!(
        err.to_string(),
        format!(
            "the joined record could not be read back: runs: {} runs, over the limit of {}; join fewer runs",
            copies * each,
            limits::MAX_RUNS
        )
    );
}
