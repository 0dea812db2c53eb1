//! What a run measured and whether two runs measured the same thing: the
//! suite's load and requests as recorded in every results file, their
//! fingerprint, and the refusal to compare records whose suite changed.

use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::exit::{Code, Coded};
use crate::record::{Measured, MeasuredEndpoint};

/// Two records of one suite measured different things: the load or a
/// shared endpoint's request changed. Each change a phrase such as
/// `load.rate 120 → 240`; shown joined by commas.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", .changes.join(", "))]
pub struct SuiteChanged {
    pub changes: Vec<String>,
}

impl Coded for SuiteChanged {
    fn exit_code(&self) -> Code {
        Code::Usage
    }
}

/// The readable description of what was measured, and its fingerprint.
pub fn measured(config: &Config) -> (Measured, String) {
    let measured = Measured {
        rate: config.load.rate,
        connections: config.load.connections,
        block_ms: config.load.block.as_millis() as u64,
        timeout_ms: config.load.timeout.as_millis() as u64,
        endpoints: config
            .endpoints
            .iter()
            .map(|e| MeasuredEndpoint {
                name: e.name.clone(),
                method: e.method.clone(),
                path: e.path.clone(),
                header_names: e
                    .headers
                    .iter()
                    .map(|(name, _)| name.to_ascii_lowercase())
                    .collect(),
                body_sha256: e
                    .body
                    .as_ref()
                    .map(|b| hex(&Sha256::digest(&b.fingerprinted))),
                weight: e.weight,
                expect_status: e.expect_status,
            })
            .collect(),
    };
    let canonical = serde_json::to_vec(&measured).unwrap_or_default();
    let fingerprint = hex(&Sha256::digest(&canonical))[..16].to_string();
    (measured, fingerprint)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Refuses to compare records of different suites: the load or a shared
/// endpoint's request changed. Added or removed endpoints are fine.
pub fn check_comparable(b: &Measured, h: &Measured) -> Result<(), SuiteChanged> {
    let mut changes = Vec::new();
    if b.rate != h.rate {
        changes.push(format!("load.rate {} → {}", b.rate, h.rate));
    }
    if b.connections != h.connections {
        changes.push(format!(
            "load.connections {} → {}",
            b.connections, h.connections
        ));
    }
    if b.block_ms != h.block_ms {
        changes.push(format!("load.block {} ms → {} ms", b.block_ms, h.block_ms));
    }
    if b.timeout_ms != h.timeout_ms {
        changes.push(format!(
            "load.timeout {} ms → {} ms",
            b.timeout_ms, h.timeout_ms
        ));
    }
    for he in &h.endpoints {
        if let Some(be) = b.endpoints.iter().find(|e| e.name == he.name) {
            if be.weight != he.weight {
                changes.push(format!(
                    "endpoint {}'s weight {} → {}",
                    he.name, be.weight, he.weight
                ));
            }
            let same_request = MeasuredEndpoint {
                weight: he.weight,
                ..be.clone()
            } == *he;
            if !same_request {
                changes.push(format!(
                    "endpoint {}'s request ({} {} → {} {})",
                    he.name, be.method, be.path, he.method, he.path
                ));
            }
        }
    }
    if changes.is_empty() {
        Ok(())
    } else {
        Err(SuiteChanged { changes })
    }
}
