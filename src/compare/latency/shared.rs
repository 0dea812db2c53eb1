//! The endpoints both records measured, side by side, and whether the two
//! records are the two sides of one A/B run. An endpoint both sides' suites
//! list but one record does not hold is compared too, against an empty
//! stand-in: the gate finds it missing there, rather than taking it for an
//! endpoint the suite removed.

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

/// Empty stand-ins for the endpoints one record lacks though its own suite
/// lists them (`measured.endpoints`) and the other record holds them.
#[derive(Debug, Default)]
pub(crate) struct Unrecorded {
    base: Vec<EndpointRecord>,
    head: Vec<EndpointRecord>,
}

impl Unrecorded {
    pub(crate) fn of(base: &RunRecord, head: &RunRecord) -> Unrecorded {
        Unrecorded {
            base: lacking(base, head),
            head: lacking(head, base),
        }
    }
}

/// Whether `record`'s suite lists endpoint `name`.
pub(crate) fn listed(record: &RunRecord, name: &str) -> bool {
    record.measured.endpoints.iter().any(|m| m.name == name)
}

/// Empty records of the endpoints `other` holds and `record`'s suite lists
/// but `record` does not hold.
fn lacking(record: &RunRecord, other: &RunRecord) -> Vec<EndpointRecord> {
    other
        .endpoints
        .iter()
        .filter(|e| record.endpoint(&e.name).is_none() && listed(record, &e.name))
        .map(|e| EndpointRecord {
            name: e.name.clone(),
            method: e.method.clone(),
            path: e.path.clone(),
            blocks: Vec::new(),
        })
        .collect()
}

/// The endpoints to compare: those both records hold, in the head's order,
/// each with a stand-in for the side that lacks it where its suite lists
/// it (`unrecorded`); the base's stand-ins at the end.
pub(crate) fn compared_endpoints<'a>(
    base: &'a RunRecord,
    head: &'a RunRecord,
    unrecorded: &'a Unrecorded,
) -> Vec<EndpointPair<'a>> {
    let stand_in = |list: &'a [EndpointRecord], name: &str| list.iter().find(|e| e.name == name);
    let mut pairs: Vec<EndpointPair<'a>> = head
        .endpoints
        .iter()
        .filter_map(|h| {
            let b = base
                .endpoint(&h.name)
                .or_else(|| stand_in(&unrecorded.base, &h.name))?;
            Some(EndpointPair { base: b, head: h })
        })
        .collect();
    pairs.extend(unrecorded.head.iter().filter_map(|h| {
        Some(EndpointPair {
            base: base.endpoint(&h.name)?,
            head: h,
        })
    }));
    pairs
}
