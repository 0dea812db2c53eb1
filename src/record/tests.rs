//! The record's own rules on hand-built records: joining runs, summaries,
//! outcomes.

use super::*;

#[test]
fn placement_is_optional_in_provenance() {
    let old = r#"{"benchgate_version":"0.1.0","git_commit":null,"git_branch":null,
        "time_utc":"1970-01-01T00:00:00Z","host":{"cpu_model":"x","cores":2,"os":"linux"}}"#;
    let mut p: Provenance = serde_json::from_str(old).expect("a file without placement");
    assert_eq!(p.placement, None);
    let json = serde_json::to_value(&p).expect("json");
    assert!(json.get("placement").is_none(), "absent, not null: {json}");

    p.placement = Some(Placement {
        app: Some("1".into()),
        load: None,
    });
    let json = serde_json::to_value(&p).expect("json");
    assert_eq!(json["placement"], serde_json::json!({ "app": "1" }));
    let back: Provenance = serde_json::from_value(json).expect("round trip");
    assert_eq!(back, p);
}

#[test]
fn placement_reads_as_a_sentence() {
    let p = |app: Option<&str>, load: Option<&str>| Placement {
        app: app.map(String::from),
        load: load.map(String::from),
    };
    assert_eq!(
        p(Some("1"), Some("0")).describe(),
        "app on CPU 1, load on CPU 0"
    );
    assert_eq!(
        p(Some("1-3"), None).describe(),
        "app on CPUs 1-3, load anywhere"
    );
    assert_eq!(
        p(None, Some("0,2")).describe(),
        "app anywhere, load on CPUs 0,2"
    );
}

#[test]
fn outcomes_count_every_error_kind() {
    let mut o = Outcomes {
        ok: 10,
        timeout: 2,
        connect: 1,
        other: 1,
        ..Default::default()
    };
    o.status.insert(500, 3);
    assert_eq!(o.errors(), 7);
    assert_eq!(o.total(), 17);
    let mut sum = Outcomes::default();
    sum.add(&o);
    sum.add(&o);
    assert_eq!(sum.status[&500], 6);
    assert_eq!(sum.total(), 34);
}

mod fuzz;
mod phases;
