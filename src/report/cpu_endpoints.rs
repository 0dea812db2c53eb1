//! The line per endpoint of its CPU cost, head vs base, that every writer
//! shows beside the app's `cpu/request`: "report: CPU/request +11.0% [+7.0%,
//! +15.0%]", so a CPU verdict names its endpoint. Informational (see
//! `compare::resources::cpu_endpoints`): one line for the endpoints whose
//! interval excludes no change, and one for those it does not.

use crate::compare::EndpointCpu;

use super::text::change;

/// The lines of a comparison's `cpu_by_endpoint`, named endpoints first;
/// none when the costs were not told apart.
pub(crate) fn lines(costs: &[EndpointCpu]) -> Vec<String> {
    let figure = |e: &EndpointCpu| {
        format!(
            "{}: CPU/request {} [{}, {}]",
            e.endpoint,
            change(e.ratio),
            change(e.lower),
            change(e.upper)
        )
    };
    let named: Vec<String> = costs.iter().filter(|e| e.named).map(figure).collect();
    let unnamed: Vec<String> = costs.iter().filter(|e| !e.named).map(figure).collect();
    let mut out: Vec<String> = named
        .into_iter()
        .map(|line| format!("CPU by endpoint: {line}"))
        .collect();
    if !unnamed.is_empty() {
        out.push(format!(
            "CPU by endpoint, no change told apart: {}",
            unnamed.join("; ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(endpoint: &str, ratio: f64, lower: f64, upper: f64) -> EndpointCpu {
        EndpointCpu {
            endpoint: endpoint.into(),
            base_ms: 1.0,
            head_ms: ratio,
            ratio,
            lower,
            upper,
            named: lower > 1.0 || upper < 1.0,
        }
    }

    #[test]
    fn a_named_endpoint_gets_its_own_line_and_the_rest_share_one() {
        assert!(lines(&[]).is_empty());
        let costs = [
            cost("health", 1.01, 0.7, 1.4),
            cost("report", 1.11, 1.07, 1.15),
            cost("search", 0.98, 0.9, 1.05),
        ];
        assert_eq!(
            lines(&costs),
            [
                "CPU by endpoint: report: CPU/request +11.0% [+7.0%, +15.0%]",
                "CPU by endpoint, no change told apart: health: CPU/request +1.0% [-30.0%, +40.0%]; search: CPU/request -2.0% [-10.0%, +5.0%]",
            ]
        );
    }
}
