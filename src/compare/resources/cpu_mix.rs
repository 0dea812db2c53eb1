//! The endpoint mix of CPU per request: each endpoint's CPU cost fitted
//! over both sides' blocks, so that a block's CPU is divided by the work
//! its mix of requests stands for.

use crate::record::{ResourceBlock, RunRecord};

/// Most endpoints whose costs are fitted; above it, requests count alike.
const MAX_FITTED_ENDPOINTS: usize = 64;

/// Each side's blocks' work, in standard requests.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Work {
    pub base: Vec<f64>,
    pub head: Vec<f64>,
}

/// Each block's work in *standard requests*, per side, when the endpoint
/// mix can be fitted; `None` to count every request alike.
///
/// The blocks of a side get slightly different mixes of endpoints (the
/// schedule holds the weights' proportions only to within one cycle of its
/// mix table, and a suite whose cycle is longer than a block not even to
/// that), and endpoints differ in cost — on the demo 0.3 to 2 ms of CPU —
/// so CPU per request varies from block to block with the mix alone (with
/// a mix drawn at random, ±14% for 30 requests of the demo's). Fitting each endpoint's
/// cost c_e by least squares over both sides' blocks, cpu_b ≈ Σ_e c_e·n_eb,
/// and dividing each block's CPU by its work w_b = Σ_e ĉ_e·n_eb instead of
/// its request count removes that variation; the ratio of pooled CPU over
/// pooled work is then a mix-standardised ratio (as direct standardisation
/// of rates in epidemiology). One set of ĉ serves both sides, so a head
/// costing ×k on every endpoint has ratio k whatever ĉ is; w is scaled so
/// that both sides' blocks hold as many standard requests as requests.
pub(crate) fn mix_weights(
    base: &RunRecord,
    head: &RunRecord,
    b: &[ResourceBlock],
    h: &[ResourceBlock],
) -> Option<Work> {
    let names = shared_endpoints(base, head);
    if names.len() < 2 || names.len() > MAX_FITTED_ENDPOINTS {
        return None;
    }
    let counts = |record: &RunRecord, blocks: &[ResourceBlock]| {
        endpoint_counts(record, &names, blocks.len())
    };
    let (nb, nh) = (counts(base, b)?, counts(head, h)?);
    let rows: Vec<(&Vec<f64>, f64)> = nb
        .iter()
        .zip(b)
        .chain(nh.iter().zip(h))
        .map(|(n, x)| (n, x.cpu_us as f64))
        .collect();
    let cost = least_squares(&rows, names.len())?;
    if cost.iter().any(|c| !(c.is_finite() && *c > 0.0)) {
        return None;
    }
    let work = |n: &Vec<Vec<f64>>| -> Vec<f64> {
        n.iter()
            .map(|row| row.iter().zip(&cost).map(|(k, c)| k * c).sum())
            .collect()
    };
    let (wb, wh) = (work(&nb), work(&nh));
    let requests: f64 = rows.iter().map(|(n, _)| n.iter().sum::<f64>()).sum();
    let total: f64 = wb.iter().chain(&wh).sum();
    if !(total > 0.0 && requests > 0.0) {
        return None;
    }
    let scale = requests / total;
    Some(Work {
        base: wb.into_iter().map(|w| w * scale).collect(),
        head: wh.into_iter().map(|w| w * scale).collect(),
    })
}

/// The endpoints both sides recorded, in the head's order.
pub(crate) fn shared_endpoints<'a>(base: &RunRecord, head: &'a RunRecord) -> Vec<&'a str> {
    head.endpoints
        .iter()
        .filter(|e| base.endpoint(&e.name).is_some())
        .map(|e| e.name.as_str())
        .collect()
}

/// Per block of `record` (`blocks` of them), the successful requests of
/// each of `names`; `None` when an endpoint is missing or its blocks do not
/// line up with the resource blocks.
pub(crate) fn endpoint_counts(
    record: &RunRecord,
    names: &[&str],
    blocks: usize,
) -> Option<Vec<Vec<f64>>> {
    let per_endpoint: Vec<&crate::record::EndpointRecord> = names
        .iter()
        .map(|n| record.endpoint(n))
        .collect::<Option<_>>()?;
    if per_endpoint.iter().any(|e| e.blocks.len() != blocks) {
        return None;
    }
    Some(
        (0..blocks)
            .map(|i| {
                per_endpoint
                    .iter()
                    .map(|e| e.blocks[i].outcomes.ok as f64)
                    .collect()
            })
            .collect(),
    )
}

/// Least squares without intercept, y ≈ Σ x_e·c_e, by the normal equations
/// and Gaussian elimination with partial pivoting; `None` when the design
/// is singular (an endpoint that never succeeded, or too few blocks).
pub(crate) fn least_squares(rows: &[(&Vec<f64>, f64)], k: usize) -> Option<Vec<f64>> {
    if rows.len() <= k {
        return None;
    }
    let mut a = vec![vec![0.0; k + 1]; k];
    for (x, y) in rows {
        for i in 0..k {
            for j in 0..k {
                a[i][j] += x[i] * x[j];
            }
            a[i][k] += x[i] * y;
        }
    }
    for col in 0..k {
        let pivot = (col..k).max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))?;
        if a[pivot][col].abs() < 1e-9 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot_row[col];
                for (x, p) in row.iter_mut().zip(&pivot_row).skip(col) {
                    *x -= f * p;
                }
            }
        }
    }
    Some((0..k).map(|i| a[i][k] / a[i][i]).collect())
}
