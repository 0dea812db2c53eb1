//! The suite file as a user meets it: one valid file read end to end, and
//! each common mistake with the exact message it produces (file, line,
//! column, key and the fix). Over 600 lines as one idea: every test is
//! the same story, one mistake and the message the user reads.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::time::Duration;

use super::*;

/// A minimal valid suite; its endpoint list is open at the end so cases can
/// append keys to the first endpoint or add endpoints.
const MIN: &str = "\
version: 1
suite: api
base_url: http://127.0.0.1:8000
endpoints:
  - name: a
    path: /
";

fn err(text: &str) -> String {
    err_in("benchgate.yaml", text)
}

/// The message that parsing `text` as the file `file` fails with.
fn err_in(file: &str, text: &str) -> String {
    match parse(text, Path::new(file)) {
        Ok(config) => panic!("expected an error, got {config:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_yaml_names_the_line() {
    assert_eq!(
        err("version: 1\nsuite: api\nbase_url: http://x: y\n"),
        "benchgate.yaml:3:19: mapping values are not allowed in this context; this is not \
         valid YAML: check the indentation, and quote values that contain \": \" or \" #\""
    );
}

#[test]
fn unknown_keys_list_the_allowed_ones() {
    assert_eq!(
        err(&format!("{MIN}colour: red\n")),
        "benchgate.yaml:7:1: unknown field `colour`, expected one of `version`, `suite`, \
         `app`, `base_url`, `load`, `endpoints`, `gate`; remove it or fix its spelling"
    );
    assert_eq!(
        err(&format!("{MIN}    methd: GET\n")),
        "benchgate.yaml:7:5: endpoints[0]: unknown field `methd`, expected one of `name`, \
         `method`, `path`, `headers`, `json`, `body`, `weight`, `expect`, `gate`; \
         did you mean `method`?"
    );
}

#[test]
fn wrong_types_say_what_was_expected() {
    assert_eq!(
        err(&format!("{MIN}load:\n  rate: [1]\n")),
        r#"benchgate.yaml:8:9: load.rate: invalid type: sequence, expected a rate such as "200/s", or auto"#
    );
    assert_eq!(
        err("- a\n"),
        "benchgate.yaml:1:1: invalid type: sequence, expected a mapping with version, \
         suite, base_url and endpoints"
    );
}

#[test]
fn bad_durations_show_the_format() {
    assert_eq!(
        err(&format!("{MIN}load:\n  duration: 10 seconds\n")),
        r#"benchgate.yaml:8:13: load.duration: "10 seconds" is not a duration; write e.g. "10s", "500ms", "2m" or "1.5s""#
    );
    assert_eq!(
        err(&format!("{MIN}load:\n  warmup: 0s\n  duration: 10\n")),
        r#"benchgate.yaml:9:13: load.duration: the duration "10" has no unit; write e.g. "10s""#
    );
    assert_eq!(
        err(&format!("{MIN}load:\n  timeout: 0ms\n")),
        r#"benchgate.yaml:8:12: load.timeout: must be above zero, not "0ms"; write e.g. "10s" or "500ms""#
    );
}

#[test]
fn zero_rate_and_bad_connections() {
    assert_eq!(
        err(&format!("{MIN}load:\n  rate: 0/s\n")),
        r#"benchgate.yaml:8:9: load.rate: a rate must be above zero; write e.g. "rate: 200/s" or "rate: auto""#
    );
    for bad in ["0", "-1", "10001"] {
        assert_eq!(
            err(&format!("{MIN}load:\n  connections: {bad}\n")),
            format!(
                r#"benchgate.yaml:8:16: load.connections: "{bad}" is out of range; use a whole number from 1 to 10000, e.g. "connections: 32""#
            )
        );
    }
}

#[test]
fn rate_auto_is_chosen_by_the_run_and_a_bad_word_is_located() {
    let auto = parse(
        &format!("{MIN}load:\n  rate: auto\n"),
        Path::new("benchgate.yaml"),
    )
    .expect("rate: auto is valid");
    assert!(auto.load.rate_auto);
    assert_eq!(auto.load.rate, crate::config::AUTO_RATE_UNTIL_CHOSEN);
    let fixed = parse(
        &format!("{MIN}load:\n  rate: 80/s\n"),
        Path::new("benchgate.yaml"),
    )
    .expect("valid");
    assert!(!fixed.load.rate_auto);
    // --rate on the command line replaces auto.
    let overridden = super::parse_with(
        &format!("{MIN}load:\n  rate: auto\n"),
        Path::new("benchgate.yaml"),
        &Overrides {
            rate: Some(120.0),
            ..Overrides::default()
        },
        8000,
    )
    .expect("valid");
    assert!(!overridden.load.rate_auto);
    assert_eq!(overridden.load.rate, 120.0);
    assert_eq!(
        err(&format!("{MIN}load:\n  rate: automatic\n")),
        r#"benchgate.yaml:8:9: load.rate: "automatic" is not a rate; write e.g. "rate: 200/s" or "rate: auto""#
    );
}

#[test]
fn block_longer_than_duration_points_at_block() {
    assert_eq!(
        err(&format!("{MIN}load:\n  block: 5s\n  duration: 2s\n")),
        r#"benchgate.yaml:8:10: load.block: block (5s) is longer than duration (2s); a block must fit in the measured time, e.g. "block: 1s" with "duration: 30s""#
    );
    // With the default block, the too-short duration is the culprit.
    assert!(err(&format!("{MIN}load:\n  duration: 500ms\n"))
        .starts_with("benchgate.yaml:8:13: load.duration: block (1s) is longer"));
}

#[test]
fn the_budget_is_at_least_the_duration() {
    assert_eq!(
        err(&format!(
            "{MIN}load:\n  duration: 60s\n  max_duration: 30s\n"
        )),
        r#"benchgate.yaml:9:17: load.max_duration: max_duration (30s) is shorter than duration (1m); the budget is the most a run may measure and duration the least, e.g. "duration: 30s" with "max_duration: 120s""#
    );
    let load = |text: &str, overrides: &Overrides| {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("benchgate.yaml");
        std::fs::write(&path, format!("{MIN}{text}")).expect("write suite");
        load(&path, overrides, 8000).map(|c| (c.load.duration, c.load.max_duration))
    };
    let s = Duration::from_secs;
    // Defaults: 30 s at least, 120 s at most.
    assert_eq!(load("", &Overrides::default()).ok(), Some((s(30), s(120))));
    // A long fixed duration with no budget named: the budget is the duration.
    assert_eq!(
        load("load:\n  duration: 300s\n", &Overrides::default()).ok(),
        Some((s(300), s(300)))
    );
    // The command line's budget applies, and is checked against the file's.
    let budget = |secs| Overrides {
        max_duration: Some(s(secs)),
        ..Overrides::default()
    };
    assert_eq!(load("", &budget(45)).ok(), Some((s(30), s(45))));
    let short = load("", &budget(10))
        .map(|_| ())
        .expect_err("budget below duration");
    assert!(
        short
            .to_string()
            .contains("(with the command line's --duration/--max-duration)"),
        "{short}"
    );
}

#[test]
fn paths_must_start_with_a_slash() {
    assert_eq!(
        err(&format!("{MIN}  - name: b\n    path: users?x=1\n")),
        r#"benchgate.yaml:8:11: endpoints[1].path: "users?x=1" must start with "/"; write e.g. "path: /users?x=1""#
    );
}

#[test]
fn undefined_variables_name_the_value() {
    let text = format!(
        "{MIN}  - name: b\n    path: /\n    headers:\n      Authorization: \"Bearer ${{BENCHGATE_TEST_UNSET}}\"\n"
    );
    assert_eq!(
        err(&text),
        "benchgate.yaml:10:22: endpoints[1].headers.Authorization: ${BENCHGATE_TEST_UNSET} \
         is not set; export it before running benchgate, e.g. BENCHGATE_TEST_UNSET=... benchgate run"
    );
    assert!(err(&format!(
        "{MIN}    json: {{ a: [1, \"${{BENCHGATE_TEST_UNSET}}\"] }}\n"
    ))
    .starts_with("benchgate.yaml:7:"));
}

#[test]
fn variables_and_defaults_expand_after_parsing() {
    // cargo sets CARGO_PKG_NAME for the tests it runs.
    let text = format!(
        "{MIN}    body: \"${{CARGO_PKG_NAME}} ${{BENCHGATE_TEST_UNSET:-fallback: #1}} $$5\"\n"
    );
    let config = parse(&text, Path::new("benchgate.yaml")).expect("valid");
    let body = config.endpoints[0].body.as_ref().expect("a body");
    assert_eq!(body.bytes, b"benchgate fallback: #1 $5");
}

#[test]
fn endpoint_list_rules() {
    assert_eq!(
        err("version: 1\nsuite: api\nbase_url: http://x\nendpoints: []\n"),
        "benchgate.yaml:4:12: endpoints: list at least one endpoint; write e.g. \
         endpoints: [{ name: home, path: / }]"
    );
    assert_eq!(
        err(&format!(
            "{MIN}  - name: b\n    path: /b\n  - name: a\n    path: /x\n"
        )),
        "benchgate.yaml:9:11: endpoints[2].name: the name \"a\" is already used by \
         endpoints[0]; give each endpoint its own name, e.g. \"a-2\""
    );
    assert_eq!(
        err(&format!("{MIN}    json: {{ a: 1 }}\n    body: x\n")),
        "benchgate.yaml:8:11: endpoints[0].body: give either json: or body:, not both; \
         keep json: for a JSON payload"
    );
}

#[test]
fn a_bad_base_url_is_quoted_as_written_never_expanded() {
    // `${VAR}` may hold a secret: the message shows the file's text.
    let path = std::env::var("PATH").expect("PATH is set");
    let message = err(&MIN.replace("http://127.0.0.1:8000", "http://${PATH}"));
    assert!(message.contains("http://${PATH}"), "{message}");
    assert!(!message.contains(&path), "{message}");
}

#[test]
fn base_url_app_and_version_rules() {
    assert_eq!(
        err(&MIN.replace("http://", "https://")),
        r#"benchgate.yaml:3:11: base_url: https is not supported yet; benchgate speaks plain HTTP/1.1, so write e.g. "http://127.0.0.1:8000""#
    );
    assert_eq!(
        err(&format!("{MIN}app:\n  command: gunicorn -w 2 app:app\n")),
        r#"benchgate.yaml:8:12: app.command: must be a list of arguments, not a string (benchgate runs no shell); write command: ["gunicorn", "-w", "2", "app:app"]"#
    );
    assert_eq!(
        err(&MIN.replace("version: 1", "version: 2")),
        r#"benchgate.yaml:1:10: version: 2 is not supported; this benchgate reads version 1, so write "version: 1""#
    );
    assert_eq!(
        err("version: 1\nsuite: api\nendpoints: []\n"),
        "benchgate.yaml:1:1: missing field `base_url`; add e.g. `base_url: \"http://127.0.0.1:8000\"`"
    );
}

#[test]
fn gate_values() {
    for bad in ["-5%", "abc"] {
        assert_eq!(
            err(&format!("{MIN}gate:\n  threshold: {bad}\n")),
            format!(
                r#"benchgate.yaml:8:14: gate.threshold: "{bad}" is not a percentage; write e.g. "10%" or 0.10"#
            )
        );
    }
    assert_eq!(
        err(&format!("{MIN}gate:\n  confidence: 50%\n")),
        r#"benchgate.yaml:8:15: gate.confidence: "50%" is out of range; confidence must be above 50% and below 100%, e.g. "confidence: 99%""#
    );
    assert_eq!(
        err(&format!("{MIN}gate:\n  metrics: [p95, p999]\n")),
        "benchgate.yaml:8:18: gate.metrics[1]: \"p999\" is not a metric; \
         did you mean `p99`? use one of p50, p90, p95, p99, mean, cpu, peak_rss, or \"server-timing:<phase>\""
    );
}

#[test]
fn peak_rss_is_a_suite_metric_with_its_typos_caught() {
    let config = parse(
        &format!("{MIN}gate:\n  metrics: [p50, peak_rss, cpu]\n"),
        Path::new("benchgate.yaml"),
    )
    .expect("valid");
    assert_eq!(
        config.gate.metrics,
        vec![Metric::P50, Metric::PeakRss, Metric::Cpu]
    );
    for typo in ["peak-rss", "rss", "peak_mem"] {
        assert_eq!(
            err(&format!("{MIN}gate:\n  metrics: [p50, {typo}]\n")),
            format!(
                "benchgate.yaml:8:18: gate.metrics[1]: \"{typo}\" is not a metric; \
                 did you mean `peak_rss`? use one of p50, p90, p95, p99, mean, cpu, peak_rss, \
                 or \"server-timing:<phase>\""
            )
        );
    }
    assert_eq!(
        err(&format!("{MIN}gate:\n  metrics: [latency]\n")),
        "benchgate.yaml:8:13: gate.metrics[0]: \"latency\" is not a metric; \
         use one of p50, p90, p95, p99, mean, cpu, peak_rss, or \"server-timing:<phase>\""
    );
    assert_eq!(
        err(&format!("{MIN}gate:\n  metrics: [peak_rss, peak_rss]\n")),
        "benchgate.yaml:8:12: gate.metrics: peak_rss is listed twice; list each metric once"
    );
}

#[test]
fn app_metrics_are_refused_on_an_endpoint() {
    for metric in ["peak_rss", "cpu"] {
        let e = err(&format!("{MIN}    gate: {{ metrics: [p50, {metric}] }}\n"));
        assert!(
            e.starts_with("benchgate.yaml:7:")
                && e.ends_with(&format!(
                    "{metric} is a metric of the whole app, not of one endpoint; list it in the suite's gate.metrics"
                )),
            "{e}"
        );
    }
}

#[test]
fn empty_file() {
    assert_eq!(
        err("# nothing yet\n"),
        r#"benchgate.yaml:1: the file is empty; start with "version: 1" (`benchgate init` writes a complete example)"#
    );
}

#[test]
fn missing_file_says_how_to_make_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("x.yaml");
    let message = load(&path, &Overrides::default(), UNBOUND_PORT)
        .expect_err("missing")
        .to_string();
    assert_eq!(
        message,
        format!(
            "cannot read {}: No such file or directory (os error 2); \
             create one with `benchgate init` or pass --config FILE",
            path.display()
        )
    );
}

#[test]
fn cpu_lists_name_the_cpus_this_machine_allows() {
    let allowed = crate::placement::allowed();
    let here = crate::placement::describe(&allowed);
    let cpu = if allowed.contains(&99) { 1023 } else { 99 };
    assert_eq!(
        err(&format!(
            "{MIN}app:\n  command: [./server]\n  cpus: [{cpu}]\n"
        )),
        format!(
            "benchgate.yaml:9:10: app.cpus[0]: CPU {cpu} is not available here \
             (this machine allows {here}); use CPUs from {here} or remove app.cpus"
        )
    );
    let first = allowed[0];
    assert_eq!(
        err(&format!(
            "{MIN}load:\n  rate: 5/s\n  cpus:\n    - {first}\n    - {cpu}\n"
        )),
        format!(
            "benchgate.yaml:11:7: load.cpus[1]: CPU {cpu} is not available here \
             (this machine allows {here}); use CPUs from {here} or remove load.cpus"
        )
    );
}

#[test]
fn cpu_lists_are_distinct_whole_numbers() {
    assert_eq!(
        err(&format!("{MIN}load:\n  cpus: [-1]\n")),
        r#"benchgate.yaml:8:10: load.cpus[0]: "-1" is out of range; use a whole number from 0 to 1023, e.g. "cpus: [1]""#
    );
    assert_eq!(
        err(&format!("{MIN}load:\n  cpus: [0, 0]\n")),
        "benchgate.yaml:8:9: load.cpus: CPU 0 is listed twice; list each CPU once"
    );
    assert_eq!(
        err(&format!("{MIN}load:\n  cpus: []\n")),
        r#"benchgate.yaml:8:9: load.cpus: list at least one CPU, e.g. "cpus: [1]", or remove the key to run anywhere"#
    );
    assert_eq!(
        err(&format!("{MIN}load:\n  cpus: 1\n")),
        r#"benchgate.yaml:8:9: load.cpus: must be a list of CPU numbers, not 1; write e.g. "cpus: [1]" or "cpus: [0, 1]""#
    );
    assert_eq!(
        err(&format!("{MIN}load:\n  cpus: 0-1\n")),
        r#"benchgate.yaml:8:9: load.cpus: must be a list of CPU numbers, not "0-1"; write e.g. "cpus: [1]" or "cpus: [0, 1]""#
    );
}

#[test]
fn cpu_lists_keep_their_order() {
    let allowed = crate::placement::allowed();
    let cpus: Vec<usize> = allowed.iter().rev().copied().collect();
    let list = cpus
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!(
        "{MIN}app:\n  command: [./server]\n  cpus: [{list}]\nload:\n  cpus: [{}]\n",
        allowed[0]
    );
    let config = parse(&text, Path::new("benchgate.yaml")).expect("valid");
    assert_eq!(config.app.expect("an app").cpus, Some(cpus));
    assert_eq!(config.load.cpus, Some(vec![allowed[0]]));
}

const FULL: &str = r#"version: 1
suite: api.v2
app:
  command: ["gunicorn", "-w", "2", "app:app"]
  cwd: ../service/./flask
  env: { APP_ENV: bench, PORT: 8000 }
  ready: { url: "http://127.0.0.1:8000/health", timeout: 45s }
base_url: "http://localhost:8000/"
load:
  rate: 12000/m
  connections: 8
  warmup: 0s
  duration: 1.5m
  block: 500ms
  timeout: 2s
  seed: 7
endpoints:
  - name: list-users
    method: get
    path: /users?limit=20
    weight: 3
    expect: { status: 200 }
    gate: { threshold: 15%, metrics: [p95, mean] }
  - name: create-order
    method: Post
    path: /orders
    headers:
      X-Zeta: z
      Authorization: "Bearer ${BENCHGATE_TEST_UNSET:-dev}"
      Accept: "*/*"
    json: { qty: 1, item: "${CARGO_PKG_NAME}", tags: [a, 2.5, true, null], nested: { "k": "v \"q\"" } }
gate:
  metrics: [p50, p90]
  threshold: 0.05
  confidence: 95%
  max_error_rate_increase: 0%
"#;

#[test]
fn a_full_file_loads_with_every_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let suites = dir.path().join("suites");
    std::fs::create_dir(&suites).expect("mkdir");
    let path = suites.join("benchgate.yaml");
    let mut file = std::fs::File::create(&path).expect("create");
    file.write_all(FULL.as_bytes()).expect("write");

    let config = load(&path, &Overrides::default(), UNBOUND_PORT).expect("valid suite");

    let app = AppConfig {
        command: vec!["gunicorn".into(), "-w".into(), "2".into(), "app:app".into()],
        build: None,
        cwd: dir.path().join("service/flask"),
        env: BTreeMap::from([
            ("APP_ENV".to_string(), "bench".to_string()),
            ("PORT".to_string(), "8000".to_string()),
        ]),
        ready: ReadyProbe {
            url: "http://127.0.0.1:8000/health".into(),
            timeout: Duration::from_secs(45),
        },
        cpus: None,
    };
    let list_users = Endpoint {
        name: "list-users".into(),
        method: "GET".into(),
        path: "/users?limit=20".into(),
        sent_path: "/users?limit=20".into(),
        headers: vec![],
        body: None,
        weight: 3,
        expect_status: Some(200),
        gate: EndpointGate {
            threshold: Some(0.15),
            metrics: Some(vec![Metric::P95, Metric::Mean]),
            phases: Some(Vec::new()),
        },
    };
    let create_order = Endpoint {
        name: "create-order".into(),
        method: "POST".into(),
        path: "/orders".into(),
        sent_path: "/orders".into(),
        headers: vec![
            ("X-Zeta".into(), "z".into()),
            ("Authorization".into(), "Bearer dev".into()),
            ("Accept".into(), "*/*".into()),
        ],
        body: Some(Body {
            bytes: br#"{"qty":1,"item":"benchgate","tags":["a",2.5,true,null],"nested":{"k":"v \"q\""}}"#
                .to_vec(),
            // `${CARGO_PKG_NAME}`'s value masked.
            fingerprinted: br#"{"qty":1,"item":"${}","tags":["a",2.5,true,null],"nested":{"k":"v \"q\""}}"#
                .to_vec(),
            content_type: Some("application/json".into()),
        }),
        weight: 1,
        expect_status: None,
        gate: EndpointGate::default(),
    };
    let expected = Config {
        path: path.clone(),
        suite: "api.v2".into(),
        app: Some(app),
        base_url: BaseUrl {
            host: "localhost".into(),
            port: 8000,
        },
        load: LoadConfig {
            rate: 200.0,
            rate_auto: false,
            connections: 8,
            warmup: Duration::ZERO,
            duration: Duration::from_secs(90),
            max_duration: Duration::from_secs(120),
            block: Duration::from_millis(500),
            timeout: Duration::from_secs(2),
            seed: Some(7),
            cpus: None,
        },
        endpoints: vec![list_users, create_order],
        gate: GateConfig {
            metrics: vec![Metric::P50, Metric::P90],
            phases: Vec::new(),
            threshold: 0.05,
            confidence: 0.95,
            max_error_rate_increase: 0.0,
            inconclusive: Inconclusive::Pass,
        },
        port: None,
    };
    assert_eq!(config, expected);
}

#[test]
fn port_stands_for_the_chosen_port_everywhere_and_reaches_the_app() {
    let text = r#"version: 1
suite: s
app:
  command: ["./server", "--port", "${PORT}"]
  build: ["make", "server"]
  ready: { url: "http://127.0.0.1:${PORT}/health" }
base_url: "http://127.0.0.1:${PORT}"
endpoints:
  - { name: a, path: /a }
"#;
    let config =
        parse_with(text, Path::new("s.yaml"), &Overrides::default(), 40123).expect("valid");
    assert_eq!(config.port, Some(40123));
    assert_eq!(config.base_url.port, 40123);
    let app = config.app.expect("app");
    assert_eq!(app.command, ["./server", "--port", "40123"]);
    assert_eq!(
        app.build,
        Some(vec!["make".to_string(), "server".to_string()])
    );
    assert_eq!(app.ready.url, "http://127.0.0.1:40123/health");
    assert_eq!(app.env.get("PORT").map(String::as_str), Some("40123"));

    let other = parse_with(text, Path::new("s.yaml"), &Overrides::default(), 40124).expect("valid");
    assert_eq!(other.base_url.port, 40124);

    let fixed = parse_with(MIN, Path::new("s.yaml"), &Overrides::default(), 40125).expect("valid");
    assert_eq!(fixed.port, None, "a file without ${{PORT}} keeps its port");
}

#[test]
fn an_empty_build_command_is_refused_with_its_line() {
    let text = format!("{MIN}app:\n  command: [./server]\n  build: []\n");
    let message = err(&text);
    assert!(message.contains("app.build"), "{message}");
}

#[test]
fn a_minimal_file_gets_the_defaults() {
    let text = format!("{MIN}app:\n  command: [./server]\n");
    let config = parse(&text, Path::new("suite.yaml")).expect("valid");
    let app = config.app.expect("an app");
    assert_eq!(app.cwd, std::env::current_dir().expect("cwd"));
    assert_eq!(app.ready.url, "http://127.0.0.1:8000/");
    assert_eq!(app.ready.timeout, Duration::from_secs(30));
    assert_eq!(
        config.load,
        LoadConfig {
            rate: 50.0,
            rate_auto: false,
            connections: 32,
            warmup: Duration::from_secs(5),
            duration: Duration::from_secs(30),
            max_duration: Duration::from_secs(120),
            block: Duration::from_secs(1),
            timeout: Duration::from_secs(2),
            seed: None,
            cpus: None,
        }
    );
    assert_eq!(
        config.gate,
        GateConfig {
            metrics: vec![Metric::P50, Metric::Mean],
            phases: Vec::new(),
            threshold: 0.10,
            confidence: 0.99,
            max_error_rate_increase: 0.01,
            inconclusive: Inconclusive::Pass,
        }
    );
    let endpoint = &config.endpoints[0];
    assert_eq!((endpoint.method.as_str(), endpoint.weight), ("GET", 1));
}

#[test]
fn metrics_have_names_and_quantiles() {
    assert_eq!(Metric::P95.name(), "p95");
    assert_eq!(Metric::P90.quantile(), Some(0.90));
    assert_eq!(Metric::Mean.quantile(), None);
    assert_eq!(
        serde_json::to_string(&Metric::ALL).expect("json"),
        r#"["p50","p90","p95","p99","mean","cpu/request","peak_rss"]"#
    );
    assert_eq!(Metric::Cpu.name(), "cpu/request");
    assert!(!Metric::Cpu.is_latency());
    assert_eq!(
        (Metric::PeakRss.name(), Metric::PeakRss.unit()),
        ("peak_rss", "MiB")
    );
    assert!(!Metric::PeakRss.is_latency() && Metric::P99.is_latency());
}

#[test]
fn command_line_overrides_share_the_grammar() {
    // `--duration` and `--rate` use the same parsers as the file.
    assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
    assert_eq!(parse_rate("12000/m"), Ok(200.0));
}

mod hostile;
mod phases;

#[test]
fn a_secret_in_a_body_is_masked_in_what_the_fingerprint_covers() {
    // Issue 23: `json: {token: "${BENCH_TOKEN}"}` put an unsalted SHA-256 of
    // the exact body, secret included, into every baseline.
    let secret = std::env::var("PATH").expect("PATH is set");
    let suite = |var: &str| {
        let text = format!("{MIN}    json: {{ token: \"${{{var}}}\", qty: 1 }}\n");
        parse(&text, Path::new("benchgate.yaml")).expect("valid")
    };
    let with_path = suite("PATH");
    let body = with_path.endpoints[0].body.as_ref().expect("a body");
    assert!(
        String::from_utf8_lossy(&body.bytes).contains(&secret),
        "sent as expanded"
    );
    assert_eq!(body.fingerprinted, br#"{"token":"${}","qty":1}"#.to_vec());
    // Another value (a rotated token) is the same suite.
    let with_home = suite("CARGO_MANIFEST_DIR");
    assert_eq!(
        with_home.endpoints[0]
            .body
            .as_ref()
            .map(|b| &b.fingerprinted),
        Some(&body.fingerprinted)
    );
    assert_eq!(
        crate::compare::measured(&with_path).1,
        crate::compare::measured(&with_home).1
    );
}
