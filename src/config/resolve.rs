//! Turns the parsed file into a [`Config`]: fills defaults, resolves `cwd`
//! and checks the rules that span several keys.
//!
//! Problems found here carry a key path (`endpoints[2].name`) instead of a
//! position; the caller locates the path in the text.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use super::raw::{RawApp, RawEndpoint, RawGate, RawLoad, RawSuite};
use super::values::Cpus;
use super::{AppConfig, Body, Config, Endpoint, EndpointGate, GateConfig, LoadConfig, Metric};
use super::{BaseUrl, Inconclusive, Overrides, ReadyProbe, AUTO_RATE_UNTIL_CHOSEN};

/// A rule broken across keys: where (a key path) and what to do.
#[derive(Debug)]
pub(super) struct Problem {
    pub path: String,
    pub message: String,
}

fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        path: path.into(),
        message: message.into(),
    }
}

pub(super) fn resolve(
    raw: RawSuite,
    file: &Path,
    overrides: &Overrides,
) -> Result<Config, Problem> {
    let base_url = raw.base_url.0;
    let app = raw
        .app
        .map(|app| resolve_app(app, file, &base_url))
        .transpose()?;
    let endpoints = resolve_endpoints(raw.endpoints)?;
    let load = resolve_load(raw.load.unwrap_or_default(), overrides)?;
    super::bounds::check_load(&load, endpoints.len()).map_err(|e| {
        let flags = if *overrides == Overrides::default() {
            ""
        } else {
            " (with the command line's --rate/--duration/--block/--warmup)"
        };
        problem(e.key, format!("{}{flags}", e.message))
    })?;
    Ok(Config {
        path: file.to_path_buf(),
        suite: raw.suite.0,
        app,
        base_url,
        load,
        endpoints,
        gate: resolve_gate(raw.gate.unwrap_or_default()),
        port: None,
    })
}

fn resolve_app(app: RawApp, file: &Path, base_url: &BaseUrl) -> Result<AppConfig, Problem> {
    let dir = file.parent().unwrap_or(Path::new(""));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let relative = match app.cwd {
        Some(cwd) => dir.join(cwd.0),
        None => dir.to_path_buf(),
    };
    let cwd = std::path::absolute(&relative).map_err(|e| {
        problem(
            "app.cwd",
            format!(
                "cannot resolve {}: {e}; give an absolute path",
                relative.display()
            ),
        )
    })?;
    let cpus = app.cpus.map(|c| available("app.cpus", c)).transpose()?;
    let ready = app.ready.unwrap_or(super::raw::RawReady {
        url: None,
        timeout: None,
    });
    Ok(AppConfig {
        command: app.command.0,
        build: app.build.map(|b| b.0),
        cwd: normalize(&cwd),
        env: app
            .env
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.0))
            .collect::<BTreeMap<_, _>>(),
        ready: ReadyProbe {
            url: ready
                .url
                .map_or_else(|| format!("{}/", base_url.to_url()), |u| u.0),
            timeout: ready.timeout.map_or(Duration::from_secs(30), |t| t.0),
        },
        cpus,
    })
}

/// Refuses CPUs that this process may not run on (offline, or outside the
/// mask it was started with, e.g. by `taskset` or a container).
fn available(key: &str, cpus: Cpus) -> Result<Vec<usize>, Problem> {
    let allowed = crate::placement::allowed();
    match cpus.0.iter().position(|cpu| !allowed.contains(cpu)) {
        None => Ok(cpus.0),
        Some(i) => {
            let here = crate::placement::describe(&allowed);
            Err(problem(
                format!("{key}[{i}]"),
                format!(
                    "CPU {} is not available here (this machine allows {here}); \
                     use CPUs from {here} or remove {key}",
                    cpus.0[i]
                ),
            ))
        }
    }
}

/// Removes `.` and folds `..` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn resolve_load(load: RawLoad, overrides: &Overrides) -> Result<LoadConfig, Problem> {
    let from_file = LoadConfig {
        rate: load
            .rate
            .as_ref()
            .map_or(50.0, |r| r.0.unwrap_or(AUTO_RATE_UNTIL_CHOSEN)),
        rate_auto: load.rate.as_ref().is_some_and(|r| r.0.is_none()),
        connections: load.connections.map_or(32, |c| c.0),
        warmup: load.warmup.map_or(Duration::from_secs(5), |d| d.0),
        duration: load.duration.map_or(Duration::from_secs(30), |d| d.0),
        max_duration: load
            .max_duration
            .as_ref()
            .map_or(DEFAULT_MAX_DURATION, |d| d.0),
        block: load.block.as_ref().map_or(Duration::from_secs(1), |d| d.0),
        timeout: load.timeout.map_or(Duration::from_secs(2), |d| d.0),
        seed: load.seed.map(|s| s.0),
        cpus: load.cpus.map(|c| available("load.cpus", c)).transpose()?,
    };
    let mut config = from_file;
    overrides.apply(&mut config);
    if config.duration.is_zero() || config.block.is_zero() || config.rate <= 0.0 {
        return Err(problem(
            "load",
            "--duration, --block and --rate must be above zero",
        ));
    }
    check_block(&config, load.block.is_some(), overrides)?;
    budget(config, load.max_duration.is_some(), overrides)
}

/// A block that fits in the measured time; `at` the key to blame.
fn check_block(config: &LoadConfig, in_file: bool, overrides: &Overrides) -> Result<(), Problem> {
    if config.block > config.duration {
        let at = if in_file {
            "load.block"
        } else {
            "load.duration"
        };
        let flags = match (overrides.block.is_some(), overrides.duration.is_some()) {
            (false, false) => "",
            _ => " (with the command line's --block/--duration)",
        };
        return Err(problem(
            at,
            format!(
                "block ({}) is longer than duration ({}){flags}; a block must fit in the measured time, \
                 e.g. \"block: 1s\" with \"duration: 30s\"",
                humantime::format_duration(config.block),
                humantime::format_duration(config.duration),
            ),
        ));
    }
    Ok(())
}

/// The load with its budget of measured time: at least the duration, the
/// duration itself when no budget was given; `in_file` when the suite file
/// names one.
fn budget(config: LoadConfig, in_file: bool, overrides: &Overrides) -> Result<LoadConfig, Problem> {
    let budget_given = in_file || overrides.max_duration.is_some();
    if config.max_duration < config.duration {
        if budget_given {
            let flags = match (
                overrides.max_duration.is_some(),
                overrides.duration.is_some(),
            ) {
                (false, false) => "",
                _ => " (with the command line's --duration/--max-duration)",
            };
            let at = if in_file {
                "load.max_duration"
            } else {
                "load.duration"
            };
            return Err(problem(
                at,
                format!(
                    "max_duration ({}) is shorter than duration ({}){flags}; the budget is the most a run may measure and duration the least, \
                     e.g. \"duration: 30s\" with \"max_duration: 120s\"",
                    humantime::format_duration(config.max_duration),
                    humantime::format_duration(config.duration),
                ),
            ));
        }
        // A long fixed duration without a budget: the budget is the duration.
        return Ok(LoadConfig {
            max_duration: config.duration,
            ..config
        });
    }
    Ok(config)
}

/// A/B mode's budget of measured time per side when the suite names none.
pub const DEFAULT_MAX_DURATION: Duration = Duration::from_secs(120);

fn resolve_endpoints(raw: Vec<RawEndpoint>) -> Result<Vec<Endpoint>, Problem> {
    if raw.is_empty() {
        return Err(problem(
            "endpoints",
            "list at least one endpoint; write e.g. \
             endpoints: [{ name: home, path: / }]",
        ));
    }
    let mut endpoints: Vec<Endpoint> = Vec::with_capacity(raw.len());
    for (i, endpoint) in raw.into_iter().enumerate() {
        let endpoint = resolve_endpoint(endpoint, i)?;
        if let Some(first) = endpoints.iter().position(|e| e.name == endpoint.name) {
            return Err(problem(
                format!("endpoints[{i}].name"),
                format!(
                    "the name \"{}\" is already used by endpoints[{first}]; \
                     give each endpoint its own name, e.g. \"{}-2\"",
                    endpoint.name, endpoint.name
                ),
            ));
        }
        endpoints.push(endpoint);
    }
    Ok(endpoints)
}

fn resolve_endpoint(raw: RawEndpoint, i: usize) -> Result<Endpoint, Problem> {
    let headers = raw.headers.map(|h| h.0).unwrap_or_default();
    let header_type = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.clone());
    let body = match (raw.json, raw.body) {
        (Some(_), Some(_)) => {
            return Err(problem(
                format!("endpoints[{i}].body"),
                "give either json: or body:, not both; keep json: for a JSON payload",
            ))
        }
        (Some(json), None) => Some(Body {
            fingerprinted: json.0.clone().into_bytes(),
            bytes: json.0.into_bytes(),
            content_type: header_type.or_else(|| Some("application/json".to_string())),
        }),
        (None, Some(text)) => Some(Body {
            fingerprinted: text.0.clone().into_bytes(),
            bytes: text.0.into_bytes(),
            content_type: header_type,
        }),
        (None, None) => None,
    };
    let gate = raw
        .gate
        .map_or_else(EndpointGate::default, |g| EndpointGate {
            threshold: g.threshold.map(|t| t.0),
            phases: g.metrics.as_ref().map(|m| m.0.phases.clone()),
            metrics: g.metrics.map(|m| m.0.latency),
        });
    Ok(Endpoint {
        name: raw.name.0,
        method: raw.method.map_or_else(|| "GET".to_string(), |m| m.0),
        path: raw.path.written,
        sent_path: raw.path.expanded,
        headers,
        body,
        weight: raw.weight.map_or(1, |w| w.0),
        expect_status: raw.expect.map(|e| e.status.0),
        gate,
    })
}

fn resolve_gate(gate: RawGate) -> GateConfig {
    let (metrics, phases) = gate.metrics.map_or_else(
        || (vec![Metric::P50, Metric::Mean], Vec::new()),
        |m| (m.latency, m.phases),
    );
    GateConfig {
        metrics,
        phases,
        threshold: gate.threshold.map_or(0.10, |t| t.0),
        confidence: gate.confidence.map_or(0.99, |c| c.0),
        max_error_rate_increase: gate.max_error_rate_increase.map_or(0.01, |e| e.0),
        inconclusive: gate.inconclusive.map_or(Inconclusive::Pass, |i| i.0),
    }
}
