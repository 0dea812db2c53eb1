//! Server-Timing phases end to end: two real copies of the demo app side by
//! side (A/B), the head's `db` phase of `POST /orders` slowed ×5 through
//! `DEMO_PHASE_SLOWDOWN`. The report must say where the time went — `db`,
//! not `render` — in JSON and in the terminal text, the gated
//! `server-timing:db` must fail the gate, and the results files must carry
//! each phase's histograms.
//!
//! The wait is 2 ms → 10 ms of time the CPUs do not serve, so the effect
//! (+8 ms on a ~3 ms endpoint) dwarfs a loaded 2-core machine's noise; the
//! suite's threshold of 50% means a phase must move by 25% or more to be
//! named, far beyond the two instances' CPU speed difference on `render`.
//! The run is measured until known (4 s, up to 24 s): on a loaded machine
//! one 4-s round once left the ×2 endpoint's p50 at [0.98, 4.3].

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::{benchgate, schema_errors, serial, DemoSuite};

/// The demo suite with `POST /orders` (phases db and render) and an
/// endpoint without phases; `env` for the app.
fn suite(env: &str) -> String {
    DemoSuite {
        app: &format!("  env: {{ {env} }}"),
        load: "  rate: 60/s
  warmup: 1s
  duration: 4s
  max_duration: 24s
  block: 500ms",
        endpoints: "  - name: orders-by-customer
    method: POST
    path: /orders
    json: { item: 42, qty: 1 }
    expect: { status: 201 }
    weight: 2
  - name: list-users
    path: /users?limit=20
    weight: 1",
        gate: "  metrics: [p50, \"server-timing:db\"]\n  threshold: 50%",
        ..DemoSuite::default()
    }
    .yaml()
}

fn endpoint<'a>(c: &'a Value, name: &str) -> &'a Value {
    c["endpoints"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["name"] == name))
        .unwrap_or_else(|| panic!("{name} compared: {c}"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn a_slowed_db_phase_is_named_and_gated_and_render_is_not_named() {
    let _serial = serial();
    let head = support::suite_dir(&suite(r#"DEMO_PHASE_SLOWDOWN: "db=5""#));
    let base = support::suite_dir(&suite(""));
    let reports = head.path().join("reports");
    let out = benchgate()
        .current_dir(head.path())
        .args(["ab", "--config", "benchgate.yaml", "--format", "json"])
        .arg("--base-dir")
        .arg(base.path())
        .arg("--report-dir")
        .arg(&reports)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run benchgate");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let c: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(out.status.code(), Some(1), "{stderr}\n{c}");
    let errors = schema_errors(include_str!("../schemas/comparison.schema.json"), &c);
    assert!(errors.is_empty(), "{errors:#?}");

    // JSON: the endpoint regressed at p50, and of its phases only db moved.
    let orders = endpoint(&c, "orders-by-customer");
    let p50 = orders["metrics"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["metric"] == "p50"))
        .expect("p50");
    assert_eq!(p50["verdict"], "regressed", "{orders}");
    let phases = orders["phases"].as_array().expect("phases compared");
    let at_p50 = |name: &str| {
        phases
            .iter()
            .find(|p| p["phase"] == name && p["metric"] == "p50")
            .unwrap_or_else(|| panic!("{name} at p50: {orders}"))
    };
    let db = at_p50("db");
    assert_eq!(
        (db["gated"].as_bool(), db["moved"].as_bool()),
        (Some(true), Some(true)),
        "{db}"
    );
    assert_eq!(db["verdict"], "regressed");
    let ratio = db["ratio"].as_f64().expect("db ratio");
    assert!(ratio > 3.0, "db ×{ratio}: the wait went from 2 ms to 10 ms");
    let render = at_p50("render");
    assert_eq!(render["moved"], false, "{render}");
    assert_eq!(render["gated"], false, "{render}");
    let moved: Vec<&str> = phases
        .iter()
        .filter(|p| p["moved"] == true)
        .filter_map(|p| p["phase"].as_str())
        .collect();
    // The demo's `app` phase is the whole handler: it moves with db.
    assert!(
        moved.contains(&"db") && !moved.contains(&"render"),
        "{moved:?}"
    );
    assert!(
        endpoint(&c, "list-users").get("phases").is_none(),
        "list-users reports no db phase (nothing gated) and did not change (nothing to explain)"
    );

    // The terminal text (the saved report, rendered again) names db alone.
    let text = benchgate()
        .args(["report"])
        .arg(reports.join("comparison.json"))
        .output()
        .expect("run benchgate report");
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    let line = text
        .lines()
        .find(|l| l.starts_with("where the time went: orders-by-customer p50 "))
        .unwrap_or_else(|| panic!("no attribution line:\n{text}"));
    let named = line.split("; steady:").next().unwrap_or_default();
    assert!(named.contains(" db +"), "{line}");
    assert!(
        !named.contains("render"),
        "render is not named as moved: {line}"
    );
    assert!(
        text.contains("server-timing:db"),
        "the gated phase's row:\n{text}"
    );
    let md = std::fs::read_to_string(reports.join("comparison.md")).expect("markdown written");
    assert!(md.contains("**Where the time went**"), "{md}");

    // The results files carry the phases, per block, within the schema.
    for side in ["base", "head"] {
        let record = read_json(&head.path().join(format!(".benchgate/demo.{side}.json")));
        let errors = schema_errors(include_str!("../schemas/results.schema.json"), &record);
        assert!(errors.is_empty(), "{side}: {errors:#?}");
        let orders = &record["endpoints"][0];
        assert_eq!(orders["name"], "orders-by-customer");
        let with_phases = orders["blocks"]
            .as_array()
            .expect("blocks")
            .iter()
            .filter(|b| {
                let names: Vec<&String> = b["phases"]
                    .as_object()
                    .map(|p| p.keys().collect())
                    .unwrap_or_default();
                names == ["app", "db", "render"]
            })
            .count();
        assert!(with_phases >= 6, "{side}: phases in {with_phases} blocks");
    }
}
