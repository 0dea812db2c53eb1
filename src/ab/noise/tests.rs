use std::path::Path;

use super::*;

/// A calibration file as `calibrate` writes it, with `p50`'s figures
/// written as `tau` and `df`.
fn file(tau: &str, df: &str) -> String {
    format!(
        r#"{{
  "suite": "demo",
  "host": {{ "cpu_model": "Test CPU", "cores": 2, "os": "linux" }},
  "time_utc": "2026-01-01T00:00:00Z",
  "runs": 10,
  "metrics": [
    {{ "metric": "p95", "tau": 0.05, "df": 18.0 }},
    {{ "metric": "p50", "tau": {tau}, "df": {df} }}
  ]
}}"#
    )
}

/// The message of decoding `text` as `baselines/demo.noise.json`.
fn refused(text: &str) -> String {
    decode(text.as_bytes(), Path::new("baselines/demo.noise.json"))
        .expect_err("refused")
        .to_string()
}

#[test]
fn a_calibrated_file_is_read() {
    let read = decode(file("0.03", "18.0").as_bytes(), Path::new("x")).expect("valid");
    assert_eq!(read.runs, 10);
    assert_eq!(read.metrics[1].metric, Metric::P50);
    assert_eq!(read.metrics[1].tau, 0.03);
    // τ 0 (no spread beyond each run's own) and the bounds themselves pass.
    decode(file("0", "1e7").as_bytes(), Path::new("x")).expect("zero and the bound");
    decode(file("0.5", "0.5").as_bytes(), Path::new("x")).expect("the bound");
}

#[test]
fn out_of_bounds_figures_are_refused_with_their_place_and_the_fix() {
    let fix = "; run `benchgate calibrate --runs 10` again on the base branch and commit its file, or delete the file (A/B mode then uses the default floor)";
    assert_eq!(
        refused(&file("-0.1", "18.0")),
        format!("baselines/demo.noise.json is not a valid run-to-run floor: metrics[1].tau: τ is -0.1, but it is a standard deviation: 0 or more (line 8, column 34){fix}")
    );
    assert_eq!(
        refused(&file("3", "1000")),
        format!("baselines/demo.noise.json is not a valid run-to-run floor: metrics[1].tau: τ is 3, over 0.5, the largest run-to-run floor accepted (two copies of one build 65% apart: a machine that noisy cannot gate) (line 8, column 31){fix}")
    );
    assert_eq!(
        refused(&file("0.02", "1e308")),
        format!("baselines/demo.noise.json is not a valid run-to-run floor: metrics[1].df: df is 1e308, over 10,000,000, the most a calibration can measure (1,000 endpoints × 10,000 runs) (line 8, column 49){fix}")
    );
    assert_eq!(
        refused(&file("0.02", "0")),
        format!("baselines/demo.noise.json is not a valid run-to-run floor: metrics[1].df: df is 0, but degrees of freedom are more than 0 (line 8, column 45){fix}")
    );
    // JSON has no NaN: the file does not parse, and says where.
    assert_eq!(
        refused(&file("NaN", "18.0")),
        format!("baselines/demo.noise.json is not a valid run-to-run floor: metrics[1].tau: expected value (line 8, column 31){fix}")
    );
    assert_eq!(
        refused(&file("0.02", "18.0").replace("\"p50\"", "\"p42\"")),
        format!("baselines/demo.noise.json is not a valid run-to-run floor: metrics[1].metric: unknown metric \"p42\"; the metrics are p50, p90, p95, p99, mean, cpu/request, peak_rss (line 8, column 21){fix}")
    );
    assert_eq!(
        refused(&file("0.02", "18.0").replace("\"p95\"", "\"p50\"")),
        format!("baselines/demo.noise.json is not a valid run-to-run floor: metrics: p50 is listed twice (line 10, column 1){fix}")
    );
    assert_eq!(
        refused(&file("0.02", "18.0").replace("\"runs\": 10", "\"runs\": 1000000")),
        format!("baselines/demo.noise.json is not a valid run-to-run floor: runs: runs is 1000000; a calibration file comes from 2 to 10000 A/A runs (line 5, column 17){fix}")
    );
}

#[test]
fn numbers_that_are_not_numbers_are_refused_by_the_checks_too() {
    for tau in [f64::NAN, f64::INFINITY, -1e-9, 0.5000001, 3.0] {
        assert!(check_tau(tau).is_err(), "{tau}");
    }
    for df in [f64::NAN, f64::INFINITY, 0.0, -1.0, 1e7 + 1.0, 1e308] {
        assert!(check_df(df).is_err(), "{df}");
    }
    assert_eq!(
        check_tau(f64::NAN).map_err(|e| e.to_string()),
        Err("τ is NaN, not a number".into())
    );
}

#[test]
fn an_oversized_file_is_refused_before_it_is_read_whole() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = noise_path(dir.path(), "demo");
    // Valid JSON, padded past the limit with spaces.
    let padded = format!("{}{}", file("0.02", "18.0"), " ".repeat(MAX_BYTES));
    std::fs::write(&path, padded).expect("write");
    let e = run_noise(dir.path(), "demo").expect_err("too large");
    assert_eq!(
        e.to_string(),
        format!("{} is over 65536 bytes, the limit for a run-to-run floor file; run `benchgate calibrate --runs 10` again on the base branch and commit its file, or delete the file (A/B mode then uses the default floor)", path.display())
    );
    assert_eq!(e.exit_code(), Code::Usage);
}

#[test]
fn no_file_is_the_defaults_and_a_file_is_used() {
    let dir = tempfile::tempdir().expect("a temp dir");
    assert_eq!(
        run_noise(dir.path(), "demo").expect("defaults"),
        RunNoise::defaults()
    );
    std::fs::write(noise_path(dir.path(), "demo"), file("0.03", "18.0")).expect("write");
    let noise = run_noise(dir.path(), "demo").expect("read");
    let p50 = noise.metrics.iter().find(|m| m.metric == Metric::P50);
    assert_eq!(p50.map(|m| m.tau), Some(0.03));
    assert!(noise.source.contains("10 A/A runs"), "{}", noise.source);
}

#[test]
fn the_head_changing_the_file_is_said() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (base, head) = (dir.path().join("base.json"), dir.path().join("head.json"));
    assert_eq!(head_change(&base, &head), None, "neither has one");
    std::fs::write(&base, file("0.03", "18.0")).expect("write");
    std::fs::write(&head, file("0.03", "18.0")).expect("write");
    assert_eq!(head_change(&base, &head), None, "the same file");
    std::fs::write(&head, file("3", "1000")).expect("write");
    let said = head_change(&base, &head).expect("changed");
    assert_eq!(
        said,
        format!(
            "this pull request changes {}; the base's was used",
            head.display()
        )
    );
    std::fs::remove_file(&head).expect("remove");
    assert!(head_change(&base, &head)
        .expect("deleted")
        .contains("deletes"));
    std::fs::remove_file(&base).expect("remove");
    std::fs::write(&head, file("3", "1000")).expect("write");
    assert!(head_change(&base, &head).expect("added").contains("adds"));
}

/// Fuzzing the noise file (issue 23): any τ, df, runs, metric name and
/// text, written as a calibration file would be. Every file is either read
/// with each figure within its bounds, or refused with the file's name and
/// the fix; none panics.
mod fuzz {
    use proptest::prelude::*;

    use super::*;

    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<f64>().prop_map(|x| format!("{x:?}")),
            (-1.0f64..2.0).prop_map(|x| format!("{x}")),
            Just("1e308".to_string()),
            Just("-0".to_string()),
            Just("null".to_string()),
            Just("\"0.1\"".to_string()),
        ]
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("p50".to_string()),
            Just("mean".to_string()),
            Just("cpu/request".to_string()),
            "[a-z/\u{1b}\n]{0,12}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn a_mutated_file_is_read_within_bounds_or_refused_cleanly(
            tau in number(),
            df in number(),
            runs in prop_oneof![Just("10".to_string()), any::<i64>().prop_map(|r| r.to_string())],
            metric in name(),
            twice in any::<bool>(),
            cpu in "[ -~\u{1b}]{0,250}",
        ) {
            let cpu = serde_json::to_string(&cpu).expect("a JSON string");
            let metric = serde_json::to_string(&metric).expect("a JSON string");
            let second = if twice { format!(r#", {{ "metric": {metric}, "tau": 0.02, "df": 5 }}"#) } else { String::new() };
            let text = format!(
                r#"{{ "suite": "demo", "host": {{ "cpu_model": {cpu}, "cores": 2, "os": "linux" }},
                     "time_utc": "2026-01-01T00:00:00Z", "runs": {runs},
                     "metrics": [ {{ "metric": {metric}, "tau": {tau}, "df": {df} }}{second} ] }}"#
            );
            match decode(text.as_bytes(), Path::new("baselines/demo.noise.json")) {
                Ok(file) => {
                    prop_assert!((2..=MAX_RUNS).contains(&file.runs));
                    for m in &file.metrics {
                        prop_assert!(m.tau.is_finite() && (0.0..=MAX_TAU).contains(&m.tau), "{}", m.tau);
                        prop_assert!(m.df.is_finite() && m.df > 0.0 && m.df <= MAX_DF, "{}", m.df);
                    }
                    prop_assert!(!file.host.cpu_model.chars().any(char::is_control));
                }
                Err(e) => {
                    let message = e.to_string();
                    prop_assert!(message.starts_with("baselines/demo.noise.json"), "{message}");
                    prop_assert!(message.contains("benchgate calibrate"), "{message}");
                    prop_assert!(!message.contains('\u{1b}'), "{message}");
                }
            }
        }
    }
}
