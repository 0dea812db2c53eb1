//! Gated metrics one side did not produce: an endpoint one side sent no
//! request, and the sentences that fail the gate for every metric whose
//! verdict is missing (see [`crate::compare::MissingOn`]).

use crate::compare::latency::EndpointPair;
use crate::compare::model::{EndpointComparison, MissingOn, VerdictName};
use crate::record::EndpointRecord;

/// Why an endpoint's metrics are missing on `on`.
pub(crate) fn no_request(on: MissingOn) -> String {
    format!(
        "the {}'s results hold no request of this endpoint",
        on.side()
    )
}

/// The side of a shared endpoint that sent it no request while the other
/// did: every gated metric of it is missing there.
pub(crate) fn endpoint_missing(pair: EndpointPair<'_>) -> Option<MissingOn> {
    MissingOn::of(sent(pair.base), sent(pair.head))
}

/// Whether a side sent the endpoint any request.
fn sent(endpoint: &EndpointRecord) -> bool {
    endpoint.outcomes().total() > 0
}

/// One sentence per endpoint and reason for the gated metrics whose
/// verdict is missing: "search server-timing:app: missing on head (the base
/// measured it; the head sent no such Server-Timing phase)". Metrics of one
/// endpoint missing for one reason share a sentence.
pub(crate) fn missing_lines(endpoints: &[EndpointComparison]) -> Vec<String> {
    let mut lines = Vec::new();
    for endpoint in endpoints {
        // (labels, note), in the order first seen.
        let mut groups: Vec<(Vec<String>, &str)> = Vec::new();
        for (label, m) in endpoint.labelled_metrics() {
            if m.verdict != VerdictName::Missing {
                continue;
            }
            let note = m.note.as_deref().unwrap_or("missing on one side");
            match groups.iter_mut().find(|(_, n)| *n == note) {
                Some((labels, _)) => labels.push(label),
                None => groups.push((vec![label], note)),
            }
        }
        let name = if endpoint.is_app() {
            "the app's"
        } else {
            endpoint.name.as_str()
        };
        for (labels, note) in groups {
            lines.push(format!("{name} {}: {note}", labels.join(", ")));
        }
    }
    lines
}
