//! Hostile and absurd suite files (issue 12): each is refused before
//! anything starts, quickly, with the file, line, key and fix.

use std::time::Instant;

use super::MIN;
use crate::config::testutil::alias_bomb;
use crate::config::*;

fn err(text: &str) -> String {
    super::err_in("s.yaml", text)
}

#[test]
fn a_huge_weight_is_refused() {
    // Case 4: `weight: 4294967295` validated, then built a multi-GB mix table.
    assert_eq!(
        err(&format!("{MIN}    weight: 4294967295\n")),
        r#"s.yaml:7:13: endpoints[0].weight: "4294967295" is out of range; use a whole number from 1 to 1000, e.g. "weight: 1""#
    );
    assert!(parse(&format!("{MIN}    weight: 1000\n"), Path::new("s.yaml")).is_ok());
}

#[test]
fn load_bounds_are_checked() {
    let load = |lines: &str| err(&format!("{MIN}load:\n{lines}"));
    for (lines, says) in [
        (
            "  rate: 1000000/s\n",
            "load.rate: 1000000 requests per second is out of range",
        ),
        ("  duration: 2h\n", "load.duration: 2h is longer than 1h"),
        ("  warmup: 5h\n", "load.warmup: 5h is longer"),
        ("  timeout: 1h\n", "load.timeout: 1h is longer than 10m"),
        ("  block: 1ms\n", "load.block: 1ms is shorter than 10ms"),
    ] {
        let e = load(lines);
        assert!(e.starts_with("s.yaml:8:") && e.contains(says), "{e}");
    }
    let many = load("  duration: 1h\n  block: 100ms\n");
    assert!(
        many.contains("36000 blocks, over the limit of 10000"),
        "{many}"
    );
    let connections = load("  connections: 4294967295\n");
    assert!(connections.contains("from 1 to 10000"), "{connections}");
    // The demo suite is within every bound.
    let demo = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/demo/benchgate.yaml"
    ));
    assert!(parse(demo, Path::new("fixtures/demo/benchgate.yaml")).is_ok());
}

#[test]
fn endpoints_times_blocks_stay_readable() {
    let mut text = String::from(
        "version: 1\nsuite: api\nbase_url: http://127.0.0.1:8000\nload:\n  duration: 100s\n  block: 10ms\nendpoints:\n",
    );
    for i in 0..21 {
        text.push_str(&format!("  - {{ name: e{i}, path: / }}\n"));
    }
    let e = err(&text);
    assert!(e.contains("21 endpoints × 10000 blocks"), "{e}");
}

#[test]
fn a_suite_name_is_an_identifier() {
    // Case 6: a suite name names files under baselines/.
    let e = err(&MIN.replace("suite: api", "suite: ../../outside/leak"));
    assert!(
        e.starts_with("s.yaml:2:8: suite: suite name \"../../outside/leak\" is not an identifier"),
        "{e}"
    );
    let e = err(&MIN.replace("suite: api", "suite: \"api\\n::error title=X::forged\""));
    assert!(e.starts_with("s.yaml:2:8: suite: "), "{e}");
    assert!(!e.contains('\n'), "printed escaped: {e}");
    let e = err(&MIN.replace("name: a", "name: \"a\\u001b[31m\""));
    assert!(e.contains("control characters"), "{e}");
    assert!(!e.contains('\u{1b}'), "{e}");
}

#[test]
fn a_path_is_recorded_as_written() {
    // Case 15: a token in a query reached the results file and the baseline.
    std::env::set_var("BENCHGATE_TEST_TOKEN_15", "s3cr3t");
    let text = MIN.replace(
        "path: /",
        "path: \"/health?api_key=${BENCHGATE_TEST_TOKEN_15}\"",
    );
    let config = parse(&text, Path::new("s.yaml")).expect("valid");
    let endpoint = &config.endpoints[0];
    assert_eq!(endpoint.path, "/health?api_key=${BENCHGATE_TEST_TOKEN_15}");
    assert_eq!(endpoint.sent_path, "/health?api_key=s3cr3t");
    // Without variables, both are the file's text (fingerprints unchanged).
    let plain = parse(MIN, Path::new("s.yaml")).expect("valid");
    assert_eq!(plain.endpoints[0].path, plain.endpoints[0].sent_path);
}

#[test]
fn invalid_utf8_names_the_line() {
    // Case 18.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.yaml");
    let mut bytes = MIN.as_bytes().to_vec();
    bytes.extend(b"    method: G\xc3ET\n");
    std::fs::write(&path, bytes).expect("written");
    let e = load(&path, &Overrides::default(), UNBOUND_PORT)
        .expect_err("not UTF-8")
        .to_string();
    assert!(
        e.ends_with("s.yaml:7:14: byte 0xc3 is not valid UTF-8; save the file as UTF-8"),
        "{e}"
    );
}

#[test]
fn deep_nesting_and_alias_bombs_are_refused_fast() {
    // Case 19: depth 30,000 took 12–26 s; a 680 KB alias bomb 32 s and 775 MB.
    let started = Instant::now();
    let deep: String = (0..30_000)
        .map(|i| format!("{}k:\n", " ".repeat(i % 200)))
        .collect();
    let flow = format!("{MIN}x: {}{}\n", "[".repeat(30_000), "]".repeat(30_000));
    let bomb = format!("{MIN}{}", alias_bomb(9));
    let big = format!("{MIN}{}", "# padding\n".repeat(120_000));
    for (what, text) in [("deep", deep), ("flow", flow), ("bomb", bomb), ("big", big)] {
        let e = err(&text);
        assert!(e.starts_with("s.yaml:"), "{what}: {e}");
    }
    // A billion laughs within the alias cap is refused by the parser, quickly.
    let small = format!("{MIN}{}", alias_bomb(10));
    let _ = parse(&small, Path::new("s.yaml"));
    assert!(
        started.elapsed().as_secs() < 5,
        "took {:?}",
        started.elapsed()
    );
}
