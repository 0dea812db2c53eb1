use super::{write, HistoryFormat, HistoryView};
use crate::chain::{series, ChainStep, Machine, StepMetric};

fn step(commit: &str, parent: &str, ratio: f64, cpu: &str) -> ChainStep {
    ChainStep {
        suite: "demo".into(),
        commit: commit.into(),
        parent: parent.into(),
        time_utc: "2026-12-07T00:00:00Z".into(),
        machine: Machine {
            cpu_model: cpu.into(),
            cores: 2,
        },
        confidence: 0.99,
        metrics: vec![StepMetric {
            endpoint: "orders".into(),
            metric: "p50".into(),
            ratio,
            lower: ratio * 0.98,
            upper: ratio * 1.02,
            verdict: "unchanged".into(),
        }],
    }
}

fn view() -> HistoryView {
    let chain = vec![
        step("1111111111aa", "0000000000aa", 1.0, "AMD EPYC"),
        step("2222222222aa", "1111111111aa", 1.08, "AMD EPYC"),
        step("4444444444aa", "3333333333aa", 1.0, "Intel Xeon"),
    ];
    let (all, gaps) = series(&chain);
    HistoryView::of(&chain, all, gaps)
}

fn render(format: HistoryFormat) -> String {
    let mut out = Vec::new();
    write(&view(), format, &mut out).expect("written");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn every_format_names_the_change_the_flagged_step_the_gap_and_the_machines() {
    for format in [HistoryFormat::Text, HistoryFormat::Markdown] {
        // Markdown escapes the brackets it would read as a link.
        let text = render(format).replace('\\', "");
        for says in [
            "+8.0%",
            "orders p50: step at 2222222222: +8.0% [+5.8%, +10.2%]",
            "gap: the step of 4444444444 was measured against 3333333333",
            "measured on AMD EPYC (2 cores) ×2, Intel Xeon (2 cores) ×1",
        ] {
            assert!(text.contains(says), "{format:?} lacks {says:?}:\n{text}");
        }
    }
    let json: serde_json::Value = serde_json::from_str(&render(HistoryFormat::Json)).expect("JSON");
    assert_eq!(json["steps"], 3);
    let ratio = json["series"][0]["ratio"].as_f64().expect("ratio");
    assert!((ratio - 1.08).abs() < 1e-9, "{json}");
    assert_eq!(json["series"][0]["flagged"][0]["commit"], "2222222222aa");
}

#[test]
fn the_html_page_charts_each_series_and_escapes_what_the_file_says() {
    let mut v = view();
    v.series[0].endpoint = "<script>".into();
    let mut out = Vec::new();
    write(&v, HistoryFormat::Html, &mut out).expect("written");
    let page = String::from_utf8(out).expect("UTF-8");
    assert!(
        page.contains("<svg role=\"img\" aria-label=\"&lt;script&gt; p50\""),
        "{page}"
    );
    assert!(page.contains("<polygon class=\"band\""));
    assert_eq!(page.matches("<circle class=\"flag\"").count(), 1);
    assert!(!page.contains("<script>"));
}
