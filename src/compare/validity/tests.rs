//! Validity and context through `compare()`: baselines from another machine
//! or of a single run are warned about, a machine shared with other work
//! decides nothing, and records of a changed suite are refused.

use crate::compare::simulated::*;
use crate::compare::*;
use crate::record::RunRecord;

#[test]
fn a_single_run_baseline_warns_that_run_offsets_are_not_covered() {
    let base = RecordSpec::new(&NAMES, 1, 20).build();
    let head = head().build();
    let c = compare(&base, &head, &GateSettings::defaults());
    assert_eq!(c.base.runs, 1);
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("single run") && w.contains("--runs")),
        "{:?}",
        c.warnings
    );
}

#[test]
fn a_baseline_from_another_machine_is_warned_about() {
    let base = baseline().build();
    let mut head_spec = head();
    head_spec.cpu_model = "Other CPU @ 2.10GHz";
    let c = compare(&base, &head_spec.build(), &GateSettings::defaults());
    let warning = c
        .warnings
        .iter()
        .find(|w| w.contains("another machine"))
        .expect("machine warning");
    assert!(warning.contains("Test CPU @ 3.00GHz") && warning.contains("Other CPU @ 2.10GHz"));
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
}

/// Over 80 lines: one busy check read four ways (verdicts, notes, the
/// reports, and against quieter or older baselines), each against the first.
#[test]
fn a_machine_shared_with_other_work_decides_nothing() {
    // Unchanged code, but the head runs 40% slower: other processes took
    // 1.2 of the 4 cores during the check and 0.05 during the baseline.
    let with_others = |mut record: RunRecord, cores: f64| {
        record.runs = record.run_infos();
        for run in &mut record.runs {
            run.load.others_cores = Some(cores);
        }
        record
    };
    let base = with_others(baseline().build(), 0.05);
    let mut slower = head();
    for e in &mut slower.endpoints {
        e.slowdown = 1.4;
    }
    let busy = with_others(slower.build(), 1.2);
    let c = compare(&base, &busy, &GateSettings::defaults());
    // Undecided, with every estimate near +40%: not judged, never a pass.
    assert_eq!(c.outcome, Outcome::PossibleRegression, "{:?}", c.failed);
    for endpoint in &c.endpoints {
        for m in &endpoint.metrics {
            assert_eq!(m.verdict, VerdictName::Inconclusive, "{}", endpoint.name);
            let note = m.note.as_deref().unwrap_or("");
            assert!(
                note.contains(
                    "kept 1.20 of its 4 cores busy during this run, 0.05 during the baseline's"
                ) && note.contains("--ab")
                    && note.contains("app.command"),
                "{note}"
            );
        }
    }
    assert!(
        c.undecidable
            .as_deref()
            .is_some_and(|u| u.contains("shared with other work")),
        "{:?}",
        c.undecidable
    );
    assert!(
        c.warnings.iter().all(|w| !w.contains("shared")),
        "said once, as undecidable: {:?}",
        c.warnings
    );
    // The terminal report says the reason once, not once per metric, and
    // does not call the metrics too noisy.
    let report = crate::report::Report::new(c.clone(), Vec::new());
    let mut text = Vec::new();
    crate::report::write(&report, crate::report::Format::Text, &mut text).expect("to a Vec");
    let text = String::from_utf8_lossy(&text);
    assert_eq!(
        text.matches("note: every metric: the machine was shared")
            .count(),
        1,
        "{text}"
    );
    assert!(!text.contains("too noisy"), "{text}");
    let mut markdown = Vec::new();
    crate::report::write(&report, crate::report::Format::Markdown, &mut markdown)
        .expect("to a Vec");
    let markdown = String::from_utf8_lossy(&markdown);
    assert_eq!(
        markdown.matches("shared with other work").count(),
        1,
        "{markdown}"
    );
    assert!(
        markdown.contains("**No metric could decide:**"),
        "{markdown}"
    );

    // Up to a tenth of the machine (0.4 cores of 4) it is quiet: the
    // slowdown decides.
    let near = with_others(slower.build(), 0.3);
    let c = compare(&base, &near, &GateSettings::defaults());
    assert_eq!(c.outcome, Outcome::Fail);
    assert_eq!(c.undecidable, None);

    // A baseline from before benchgate recorded the machine's load: said.
    let c = compare(&baseline().build(), &busy, &GateSettings::defaults());
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("does not say how busy")),
        "{:?}",
        c.warnings
    );

    // A baseline recorded beside other work decides nothing either, even
    // against a quiet check: its runs may have been slowed.
    let busy_base = with_others(baseline().build(), 1.0);
    let c = compare(&busy_base, &near, &GateSettings::defaults());
    assert_eq!(c.outcome, Outcome::PossibleRegression);
    let note = c.endpoints[0].metrics[0].note.as_deref().unwrap_or("");
    assert!(
        note.contains("0.30 of its 4 cores busy during this run, 1.00"),
        "{note}"
    );
}

#[test]
fn check_comparable_names_what_changed_and_allows_new_endpoints() {
    let base = baseline().build().measured;
    assert_eq!(check_comparable(&base, &base.clone()), Ok(()));

    let mut faster = base.clone();
    faster.rate *= 2.0;
    let err = check_comparable(&base, &faster)
        .expect_err("rate changed")
        .to_string();
    assert!(err.contains("load.rate 120 → 240"), "{err}");

    let mut moved = base.clone();
    moved.endpoints[1].path = "/find".into();
    let err = check_comparable(&base, &moved)
        .expect_err("path changed")
        .to_string();
    assert!(
        err.contains("search") && err.contains("GET /search → GET /find"),
        "{err}"
    );

    let added = RecordSpec::new(&["home", "search", "cart", "new"], 1, 3)
        .build()
        .measured;
    let mut added = added;
    added.rate = base.rate;
    assert_eq!(check_comparable(&base, &added), Ok(()));
}
