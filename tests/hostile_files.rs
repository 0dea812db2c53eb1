//! Hostile files through the real binary (issue 12): crafted results and
//! baseline files — which the fork-safe workflow compares in a privileged
//! job — and absurd suite files. Each ends quickly with exit 2 and one
//! `benchgate:` line that names the file and what is wrong; none aborts
//! (exit 134), hangs or allocates what a number in the file asks for. And a
//! secret in a path's query never reaches the results file.

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;
use support::{benchgate, demo_bin, output_in, schema_errors};

const DEMO: &str = include_str!("../baselines/demo.json");

fn demo_with(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value: Value = serde_json::from_str(DEMO).expect("json");
    edit(&mut value);
    serde_json::to_vec(&value).expect("json")
}

/// Runs `benchgate ARGS` in `dir`; asserts exit 2 within 20 s and exactly
/// one `benchgate:` line; returns that line.
fn refused(dir: &Path, args: &[&str]) -> String {
    let started = Instant::now();
    let output = output_in(dir, args);
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        elapsed < Duration::from_secs(20),
        "{args:?} took {elapsed:?}"
    );
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("benchgate:"))
        .collect();
    assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    lines[0].to_string()
}

/// `compare demo.json hostile.json` in a fresh directory.
fn compare_with(hostile: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("demo.json"), DEMO).expect("written");
    std::fs::write(dir.path().join("hostile.json"), hostile).expect("written");
    refused(dir.path(), &["compare", "demo.json", "hostile.json"])
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn v2_compressed(raw: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(raw).expect("in memory");
    let stream = z.finish().expect("in memory");
    let mut out = 0x1c84_9314u32.to_be_bytes().to_vec();
    out.extend((stream.len() as u32).to_be_bytes());
    out.extend(stream);
    out
}

fn v2_header(payload: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for word in [0x1c84_9313u32, payload, 0, 3] {
        out.extend(word.to_be_bytes());
    }
    out.extend(1u64.to_be_bytes());
    out.extend((1u64 << 20).to_be_bytes());
    out.extend(1.0f64.to_be_bytes());
    out
}

#[test]
fn a_run_index_past_the_runs_is_refused_not_allocated() {
    // Case 1: aborted allocating 103 GB (exit 134, no benchgate: line).
    let line = compare_with(&demo_with(|v| {
        v["endpoints"][0]["blocks"][0]["run"] = u32::MAX.into();
    }));
    assert!(
        line.contains("hostile.json is not a valid benchgate record (endpoints[0].blocks[0].run: run 4294967295 does not exist: the record holds 5 runs)"),
        "{line}"
    );
}

#[test]
fn histogram_bombs_are_refused() {
    // Case 2: a 52-byte string declaring 4 GiB, and a deflate bomb.
    let four_gib = b64(&v2_compressed(&v2_header(u32::MAX)));
    let line = compare_with(&demo_with(|v| {
        v["endpoints"][1]["blocks"][2]["latency_us"] = four_gib.into();
    }));
    assert!(
        line.contains("endpoints[1].blocks[2].latency_us: "),
        "{line}"
    );
    assert!(line.contains("declares 4294967295 payload bytes"), "{line}");

    let size = 64 << 20;
    let mut raw = v2_header(size as u32);
    raw.resize(raw.len() + size, 0x01);
    let bomb = b64(&v2_compressed(&raw));
    let line = compare_with(&demo_with(|v| {
        v["endpoints"][0]["blocks"][0]["latency_us"] = bomb.into();
    }));
    assert!(line.contains("inflates past 1048576 bytes"), "{line}");
}

#[test]
fn overflowing_counts_are_refused() {
    // Case 5: wrapped into an error rate of 1.5e18 % and "unchanged".
    let line = compare_with(&demo_with(|v| {
        v["endpoints"][0]["blocks"][0]["outcomes"]["status"] =
            serde_json::json!({ "500": u64::MAX });
    }));
    assert!(
        line.contains("endpoints[0].blocks[0].outcomes: status.500 is 18446744073709551615"),
        "{line}"
    );
}

#[test]
fn server_timing_names_spread_over_blocks_are_refused_before_any_is_compared() {
    // Issue 23: 16 new names in each block, the same in base and head, made
    // `compare` clone every block per name: 31 s and 3.8 GB for 1.6 MB.
    let hostile = demo_with(|v| {
        let blocks = v["endpoints"][0]["blocks"].as_array_mut().expect("blocks");
        let app = blocks[0]["phases"]["app"].clone();
        assert!(app.is_string(), "the demo times its app phase");
        for (b, block) in blocks.iter_mut().enumerate() {
            let names = (0..16).map(|k| (format!("x{b}-{k}"), app.clone()));
            block["phases"] = Value::Object(names.collect());
        }
    });
    let line = compare_with(&hostile);
    assert_eq!(
        line,
        "benchgate: hostile.json is not a valid benchgate record (endpoints[0].blocks[1].phases.x1-0: \
         endpoint \"health\" reports more than 16 distinct Server-Timing phase names over its blocks, \
         over the limit of 16 per endpoint; benchgate records at most 16 per endpoint, \
         so this file was edited or written by another tool: record it again with benchgate); \
         it may be truncated or edited by hand: restore it from git or record it again with `benchgate baseline update`"
    );
}

#[test]
fn names_that_are_paths_or_control_text_are_refused() {
    // Case 6: a suite name read from a results file names files.
    let line = compare_with(&demo_with(|v| v["suite"] = "../../../outside/leak".into()));
    assert!(
        line.contains("(suite: suite name \"../../../outside/leak\" is not an identifier"),
        "{line}"
    );
    // A newline in a name is shown escaped (case 18), never raw.
    let line = compare_with(&demo_with(|v| {
        v["endpoints"][0]["name"] = "x\n::error title=X::forged".into();
    }));
    assert!(
        line.contains(r#"endpoint name "x\n::error title=X::forged" contains control characters"#),
        "{line}"
    );
}

#[test]
fn decoding_errors_name_the_json_path_and_what_was_found() {
    // Case 18.
    let line = compare_with(&demo_with(|v| v["format"] = "1".into()));
    assert!(
        line.contains("has format \"1\" (a string: write the number without quotes), but this benchgate reads format 1"),
        "{line}"
    );
    let line = compare_with(&demo_with(|v| {
        v["endpoints"][2]["blocks"][5]["outcomes"]
            .as_object_mut()
            .expect("map")
            .remove("ok");
    }));
    assert!(
        line.contains("(endpoints[2].blocks[5].outcomes: missing field `ok` (line 1, column "),
        "{line}"
    );
}

/// A suite file in a fresh directory, with `text` as bytes.
fn suite(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, bytes).expect("written");
    (dir, path)
}

const MIN: &str = "\
version: 1
suite: api
base_url: http://127.0.0.1:9
endpoints:
  - name: a
    path: /
";

#[test]
fn absurd_suite_files_are_refused_before_anything_starts() {
    // Case 4.
    let (dir, _) = suite(format!("{MIN}    weight: 4294967295\n").as_bytes());
    let line = refused(dir.path(), &["run", "--config", "s.yaml"]);
    assert!(
        line.starts_with("benchgate: s.yaml:7:13: endpoints[0].weight: "),
        "{line}"
    );
    let (dir, _) = suite(format!("{MIN}load:\n  duration: 1h\n  block: 10ms\n").as_bytes());
    let line = refused(dir.path(), &["run", "--config", "s.yaml"]);
    assert!(
        line.contains("load.block: 1h of 10ms blocks is 360000 blocks"),
        "{line}"
    );
    // A command line override is bounded too.
    let (dir, _) = suite(MIN.as_bytes());
    let line = refused(
        dir.path(),
        &["run", "--config", "s.yaml", "--rate", "100000000/s"],
    );
    assert!(line.contains("load.rate: "), "{line}");
    // Case 6: the suite name.
    let (dir, _) = suite(MIN.replace("suite: api", "suite: ../../x").as_bytes());
    let line = refused(dir.path(), &["run", "--config", "s.yaml"]);
    assert!(line.starts_with("benchgate: s.yaml:2:8: suite: "), "{line}");
}

#[test]
fn yaml_bombs_and_bad_bytes_are_refused_quickly_with_a_line() {
    // Case 19: depth 30,000 took 12–26 s; an alias bomb 32 s and 775 MB.
    let deep: String = (0..10_000)
        .map(|i| format!("{}k:\n", " ".repeat(i % 100)))
        .collect();
    let (dir, _) = suite(deep.as_bytes());
    let line = refused(dir.path(), &["run", "--config", "s.yaml"]);
    assert!(line.contains("nests deeper than 64 levels"), "{line}");

    let mut bomb = String::from(
        "a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    for level in 0..40 {
        let previous = if level == 0 {
            "a".to_string()
        } else {
            format!("l{}", level - 1)
        };
        bomb.push_str(&format!(
            "l{level}: &l{level} [{}]\n",
            vec![format!("*{previous}"); 9].join(", ")
        ));
    }
    // Refused where its expansion passes the bound (line 6: 9^6 values),
    // before its alias count would be.
    let (dir, _) = suite(bomb.as_bytes());
    let line = refused(dir.path(), &["run", "--config", "s.yaml"]);
    assert!(
        line.contains("s.yaml:6: the file's aliases (`*name`) expand to more than 100000 values"),
        "{line}"
    );

    // Issue 23: an anchor of 150,000 values read through 40 aliases, and a
    // quote inside a plain scalar (`q 'x`) that hid the brackets after it
    // (52.8 s to refuse before the scan knew where a quoted scalar starts).
    let values = vec!["1"; 150_000].join(",");
    let mut big = format!("{MIN}    json: &big [{values}]\n");
    for i in 0..40 {
        big.push_str(&format!("  - name: e{i}\n    path: /\n    json: *big\n"));
    }
    let (dir, _) = suite(big.as_bytes());
    let line = refused(dir.path(), &["validate", "--config", "s.yaml"]);
    assert!(line.contains("expand to more than 100000 values"), "{line}");
    let hidden = format!(
        "{MIN}    json: [q 'x, {}{}]\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (dir, _) = suite(hidden.as_bytes());
    let line = refused(dir.path(), &["validate", "--config", "s.yaml"]);
    assert!(line.contains("nests deeper than 64 levels"), "{line}");

    let (dir, _) = suite(&vec![b'#'; 2 << 20]);
    let line = refused(dir.path(), &["run", "--config", "s.yaml"]);
    assert!(line.contains("the limit for a suite file"), "{line}");

    // Case 18: invalid UTF-8 names its line.
    let mut bytes = MIN.as_bytes().to_vec();
    bytes.extend(b"    method: G\xffT\n");
    let (dir, _) = suite(&bytes);
    let line = refused(dir.path(), &["run", "--config", "s.yaml"]);
    assert!(
        line.starts_with("benchgate: s.yaml:7:14: byte 0xff is not valid UTF-8"),
        "{line}"
    );
}

#[test]
fn a_token_in_a_query_never_reaches_the_results_file() {
    // Case 15: the expanded path was written in clear to results and baselines.
    let secret = "s3cr3t-t0ken-15";
    let text = format!(
        "version: 1
suite: secret
app:
  command: [\"{}\", \"--port\", \"${{PORT}}\"]
  ready: {{ url: \"http://127.0.0.1:${{PORT}}/health\" }}
base_url: \"http://127.0.0.1:${{PORT}}\"
load: {{ rate: 40/s, warmup: 0s, duration: 1s, block: 250ms, timeout: 2s }}
endpoints:
  - name: health
    path: \"/health?api_key=${{BENCH_TOKEN_15}}\"
",
        demo_bin()
    );
    let (dir, _) = suite(text.as_bytes());
    let output = benchgate()
        .current_dir(dir.path())
        .env("BENCH_TOKEN_15", secret)
        .args(["run", "--config", "s.yaml", "--out", "results.json"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let results = std::fs::read_to_string(dir.path().join("results.json")).expect("results");
    assert!(!results.contains(secret), "the token was written");
    assert!(
        results.contains("/health?api_key=${BENCH_TOKEN_15}"),
        "{results}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains(secret));
    assert!(!stderr.contains(secret));
    // Requests were sent with the expanded path: the demo app answered them.
    let record: Value = serde_json::from_str(&results).expect("json");
    assert!(
        record["summary"][0]["ok"].as_u64().unwrap_or(0) > 0,
        "{results}"
    );
}

#[test]
fn the_committed_demo_baseline_still_compares() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("demo.json"), DEMO).expect("written");
    let output = output_in(dir.path(), &["compare", "demo.json", "demo.json"]);
    assert_eq!(output.status.code(), Some(0), "{:?}", output);
}

#[test]
fn the_demo_baseline_matches_the_results_schema() {
    let valid =
        |v: &Value| schema_errors(include_str!("../schemas/results.schema.json"), v).is_empty();
    let demo: Value = serde_json::from_str(DEMO).expect("json");
    assert!(valid(&demo));
    let mut hostile = demo.clone();
    hostile["suite"] = "../../x".into();
    assert!(!valid(&hostile));
    let mut hostile = demo.clone();
    hostile["endpoints"][0]["name"] = "a\u{1b}b".into();
    assert!(!valid(&hostile));
    let mut hostile = demo;
    hostile["endpoints"][0]["blocks"][0]["outcomes"]["ok"] = u64::MAX.into();
    assert!(!valid(&hostile));
}

/// A suite of `endpoints` endpoints, 10 s in 10 ms blocks (1,000 a run:
/// 100,000 over 100 endpoints, within one run's bounds), with a budget of
/// `max_duration`; its build and app leave marker files behind if started.
fn joined_suite(endpoints: usize, max_duration: &str) -> tempfile::TempDir {
    let list: String = (0..endpoints)
        .map(|i| format!("  - {{ name: e{i}, path: /{i} }}\n"))
        .collect();
    let text = format!(
        "version: 1\nsuite: api\napp:\n  build: [\"sh\", \"-c\", \"touch built\"]\n  command: [\"sh\", \"-c\", \"touch started; exec sleep 60\"]\n  ready: {{ url: \"http://127.0.0.1:${{PORT}}/\", timeout: 2s }}\nbase_url: \"http://127.0.0.1:${{PORT}}\"\nload:\n  duration: 10s\n  block: 10ms\n  max_duration: {max_duration}\nendpoints:\n{list}"
    );
    let (dir, _) = suite(text.as_bytes());
    dir
}

/// Issue 23, item 7: 100 endpoints × 1,000 blocks × 3 runs is 300,000
/// blocks, over the 200,000 the decoder reads. Recording it used to take
/// minutes and write a baseline that every later `compare` and `check`
/// refused; it is refused first, with the numbers and what to change, and
/// neither the build nor the app starts. The same for an A/B run's rounds,
/// whose budget joins up to 60 of them.
#[test]
fn a_record_too_large_to_read_back_is_refused_before_anything_starts() {
    let dir = joined_suite(100, "10s");
    let line = refused(
        dir.path(),
        &["baseline", "update", "--config", "s.yaml", "--runs", "3"],
    );
    for words in [
        "`baseline update --runs 3` joins 3 runs: 100 endpoint(s) × 3000 blocks of 10ms each is 300000 blocks",
        "over the limit of 200000",
        "--runs 2",
        "load.block (at least 16ms)",
    ] {
        assert!(line.contains(words), "{words}: {line}");
    }
    let dir = joined_suite(100, "10m");
    let base = tempfile::tempdir().expect("base dir");
    std::fs::copy(dir.path().join("s.yaml"), base.path().join("s.yaml")).expect("copied");
    let base_dir = base.path().to_str().expect("utf-8 path");
    let line = refused(
        dir.path(),
        &["ab", "--config", "s.yaml", "--base-dir", base_dir],
    );
    for words in [
        "an A/B run may join up to 60 rounds of 10s per side in load.max_duration 10m",
        "load.max_duration (at most",
        "load.block (at least",
    ] {
        assert!(line.contains(words), "{words}: {line}");
    }
    let line = refused(dir.path(), &["validate", "--config", "s.yaml"]);
    assert!(line.contains("`check` may join up to 60 runs"), "{line}");
    for (d, marker) in [
        (&dir, "built"),
        (&dir, "started"),
        (&base, "built"),
        (&base, "started"),
    ] {
        assert!(!d.path().join(marker).exists(), "{marker}");
    }
    assert!(!dir.path().join("baselines").exists());
}
