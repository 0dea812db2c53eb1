//! A record's runs: how many, joining the runs of several records into one
//! (each stays a run of its own), and the per-endpoint summaries recomputed
//! from the blocks.

use hdrhistogram::Histogram;

use super::model::{
    EndpointRecord, NamedSummary, NewEndpoints, Outcomes, Resources, RunInfo, RunRecord, Summary,
};

/// Why runs cannot be joined into one record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    #[error("no runs to join")]
    NoRuns,
    #[error("cannot join runs of different suites (fingerprints {first} and {next})")]
    Fingerprints { first: String, next: String },
    #[error("endpoint {0} is missing from the first run")]
    MissingEndpoint(String),
    /// The joined record is larger than a reader accepts: written, every
    /// later `compare` and `check` would refuse it.
    #[error("the joined record could not be read back: {0}; join fewer runs")]
    Unreadable(String),
}

/// Runs the user asked to join that do not belong together.
impl crate::exit::Coded for JoinError {
    fn exit_code(&self) -> crate::exit::Code {
        crate::exit::Code::Usage
    }
}

impl RunRecord {
    /// How many separate runs the record holds.
    pub fn run_count(&self) -> usize {
        self.runs.len().max(1)
    }

    /// The record's runs, each with its provenance and load: `runs`, or the
    /// record itself when it holds a single run.
    pub fn run_infos(&self) -> Vec<RunInfo> {
        if self.runs.is_empty() {
            vec![RunInfo {
                provenance: self.provenance.clone(),
                load: self.load.clone(),
            }]
        } else {
            self.runs.clone()
        }
    }

    /// The mean over the runs of the cores other processes kept busy
    /// (`LoadSummary::others_cores`); `None` when no run knows.
    pub fn others_cores(&self) -> Option<f64> {
        let known: Vec<f64> = self
            .run_infos()
            .iter()
            .filter_map(|r| r.load.others_cores)
            .collect();
        (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
    }

    /// Joins separate runs of the same suite into one record whose blocks
    /// remember their run. All must share the fingerprint and measure the
    /// first run's endpoints.
    pub fn combine(records: Vec<RunRecord>) -> Result<RunRecord, JoinError> {
        let mut records = records.into_iter();
        let Some(mut joined) = records.next() else {
            return Err(JoinError::NoRuns);
        };
        joined.runs = joined.run_infos();
        for next in records {
            joined.append(next, NewEndpoints::Refuse)?;
        }
        joined.summarize();
        super::limits::check(&joined).map_err(|e| JoinError::Unreadable(e.to_string()))?;
        Ok(joined)
    }

    /// Appends `next`'s runs after this record's own: its blocks' run
    /// numbers are offset past this record's runs, so that every run stays a
    /// separate run, and `runs` lists them all. The fingerprints must match.
    /// Leaves the record unchanged on error; does not re-summarize.
    pub fn append(&mut self, next: RunRecord, new: NewEndpoints) -> Result<(), JoinError> {
        if next.fingerprint != self.fingerprint {
            return Err(JoinError::Fingerprints {
                first: self.fingerprint.clone(),
                next: next.fingerprint,
            });
        }
        if new == NewEndpoints::Refuse {
            if let Some(missing) = next
                .endpoints
                .iter()
                .find(|e| self.endpoint(&e.name).is_none())
            {
                return Err(JoinError::MissingEndpoint(missing.name.clone()));
            }
        }
        self.runs = self.run_infos();
        let offset = self.runs.len() as u32;
        self.runs.extend(next.run_infos());
        for mut endpoint in next.endpoints {
            for block in &mut endpoint.blocks {
                block.run += offset;
            }
            match self.endpoints.iter_mut().find(|e| e.name == endpoint.name) {
                Some(existing) => {
                    existing.blocks.extend(endpoint.blocks);
                    // Each run kept at most MAX_PHASES names; together they
                    // may hold more, which no reader accepts.
                    existing.cap_phases();
                }
                None => self.endpoints.push(endpoint),
            }
        }
        self.resources = match (self.resources.take(), next.resources) {
            (Some(mut own), Some(other)) if own.measured() && other.measured() => {
                own.blocks.extend(other.blocks.into_iter().map(|mut b| {
                    b.run += offset;
                    b
                }));
                Some(own)
            }
            (None, None) => None,
            (own, other) => Some(Resources::absent(
                [own, other]
                    .into_iter()
                    .flatten()
                    .find_map(|r| r.absent)
                    .unwrap_or_else(|| "not every joined run measured the app's resources".into()),
            )),
        };
        self.provenance = next.provenance;
        // Blocks of separate runs pair with nothing.
        self.pairing = None;
        Ok(())
    }

    pub fn endpoint(&self, name: &str) -> Option<&EndpointRecord> {
        self.endpoints.iter().find(|e| e.name == name)
    }

    /// Measured seconds, over all runs.
    pub fn measured_secs(&self) -> f64 {
        if self.runs.is_empty() {
            self.load.duration_ms as f64 / 1000.0
        } else {
            self.runs
                .iter()
                .map(|r| r.load.duration_ms as f64 / 1000.0)
                .sum()
        }
    }

    /// Recomputes the readable summary from the blocks.
    pub fn summarize(&mut self) {
        let secs = self.measured_secs();
        self.summary = self
            .endpoints
            .iter()
            .map(|e| NamedSummary {
                endpoint: e.name.clone(),
                summary: Summary::new(&e.pooled(), &e.outcomes(), secs),
            })
            .collect();
    }
}

impl Summary {
    /// Figures for a reviewer from the pooled histogram and outcome counts.
    pub fn new(pooled: &Histogram<u64>, outcomes: &Outcomes, measured_secs: f64) -> Summary {
        let ms = |us: u64| us as f64 / 1000.0;
        let any = !pooled.is_empty();
        let q = |q: f64| any.then(|| ms(pooled.value_at_quantile(q)));
        let requests = outcomes.total();
        Summary {
            requests,
            rate: if measured_secs > 0.0 {
                requests as f64 / measured_secs
            } else {
                0.0
            },
            ok: outcomes.ok,
            error_rate: if requests > 0 {
                outcomes.errors() as f64 / requests as f64
            } else {
                0.0
            },
            p50_ms: q(0.50),
            p90_ms: q(0.90),
            p95_ms: q(0.95),
            p99_ms: q(0.99),
            max_ms: any.then(|| ms(pooled.max())),
            mean_ms: any.then(|| pooled.mean() / 1000.0),
        }
    }
}
