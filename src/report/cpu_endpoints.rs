//! The line per endpoint of its CPU cost, head vs base, that every writer
//! shows beside the app's `cpu/request`, so a CPU verdict names its
//! endpoint: "(app) cpu/request +6.0% [+2.0%, +10.0%]; by endpoint: report
//! +17.0% [+9.0%, +26.0%]". Informational (see
//! `compare::resources::cpu_endpoints`; not in the gated family): one line
//! for the endpoints whose interval excludes no change, beside the app's
//! figure, and one for those it does not.

use crate::compare::{Comparison, EndpointCpu, MetricComparison};
use crate::config::names::APP_ROW;
use crate::config::Metric;

use super::text::change;

/// The lines of a comparison's `cpu_by_endpoint`, named endpoints first;
/// none when the costs were not told apart.
pub(crate) fn lines(c: &Comparison) -> Vec<String> {
    let app = c
        .endpoints
        .iter()
        .find(|e| e.is_app())
        .and_then(|e| e.metrics.iter().find(|m| m.metric == Metric::Cpu));
    beside(&c.cpu_by_endpoint, app)
}

/// The lines of `costs`, the named ones beside the app's `cpu/request`
/// (`app`) when there is one.
fn beside(costs: &[EndpointCpu], app: Option<&MetricComparison>) -> Vec<String> {
    let figure = |e: &EndpointCpu| {
        format!(
            "{} {} [{}, {}]",
            e.endpoint,
            change(e.ratio),
            change(e.lower),
            change(e.upper)
        )
    };
    let named: Vec<String> = costs.iter().filter(|e| e.named).map(figure).collect();
    let unnamed: Vec<String> = costs.iter().filter(|e| !e.named).map(figure).collect();
    let mut out = Vec::new();
    if !named.is_empty() {
        out.push(format!(
            "{}; by endpoint: {}",
            app.and_then(app_cpu)
                .unwrap_or_else(|| "CPU/request".to_string()),
            named.join("; ")
        ));
    }
    if !unnamed.is_empty() {
        out.push(format!(
            "CPU/request by endpoint, no change told apart: {}",
            unnamed.join("; ")
        ));
    }
    out
}

/// The app's `cpu/request` change and interval, as its row shows it.
fn app_cpu(m: &MetricComparison) -> Option<String> {
    let interval = match (m.lower, m.upper) {
        (Some(l), Some(u)) => format!(" [{}, {}]", change(l), change(u)),
        _ => String::new(),
    };
    Some(format!(
        "{APP_ROW} {} {}{interval}",
        Metric::Cpu.name(),
        change(m.ratio?)
    ))
}

#[cfg(test)]
mod tests;
