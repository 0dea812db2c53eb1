//! The endpoints both records measured, side by side, and whether the two
//! records are the two sides of one A/B run.

use crate::record::{EndpointRecord, Pairing, RunRecord};

/// One endpoint as the base and the head recorded it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EndpointPair<'a> {
    pub base: &'a EndpointRecord,
    pub head: &'a EndpointRecord,
}

/// Whether two records are the two sides of one A/B run: both marked with
/// the same pairing, one block per pair.
pub(crate) fn paired(base: &RunRecord, head: &RunRecord) -> Option<Pairing> {
    let pairing = base.pairing.filter(|p| Some(*p) == head.pairing)?;
    let same_blocks = head.endpoints.iter().all(|h| {
        base.endpoint(&h.name)
            .is_none_or(|b| b.blocks.len() == h.blocks.len())
    });
    same_blocks.then_some(pairing)
}

/// The head's endpoints that the base measured too, in the head's order.
pub(crate) fn shared_endpoints<'a>(
    base: &'a RunRecord,
    head: &'a RunRecord,
) -> Vec<EndpointPair<'a>> {
    head.endpoints
        .iter()
        .filter_map(|h| {
            base.endpoint(&h.name)
                .map(|b| EndpointPair { base: b, head: h })
        })
        .collect()
}
