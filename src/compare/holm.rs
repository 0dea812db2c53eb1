//! One Holm family: every test that decides the gate registers its p-value
//! and gets a handle; once the family is complete, each handle is worth
//! its Holm level ([`stats::holm_levels`]).
//!
//! Holm's procedure breaks ties between equal p-values by their position,
//! so the order of the family is part of the result: the tests enter it by
//! [`Part`], in the order the parts are declared, and within a part in the
//! order they were registered — whatever order the parts register in.

use crate::stats;

/// The parts of a family, in the order their tests enter the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// Every shared endpoint's latency metrics, endpoint by endpoint.
    Latency,
    /// Every shared endpoint's error-rate test.
    ErrorRate,
    /// The app's own metrics (`cpu/request`, `peak_rss`) that were measured.
    App,
    /// Server-Timing phases.
    Phase,
}

impl Part {
    const ALL: [Part; 4] = [Part::Latency, Part::ErrorRate, Part::App, Part::Phase];

    fn index(self) -> usize {
        self as usize
    }
}

/// A registered test: ask [`HolmLevels::level`] for its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Handle {
    part: Part,
    index: usize,
}

/// A family being assembled: the p-values registered so far, by part.
#[derive(Debug, Default)]
pub(crate) struct HolmFamily {
    parts: [Vec<f64>; 4],
}

impl HolmFamily {
    /// Adds a test with `p_value` (1 for a test without an estimate).
    pub(crate) fn register(&mut self, part: Part, p_value: f64) -> Handle {
        let tests = &mut self.parts[part.index()];
        tests.push(p_value);
        Handle {
            part,
            index: tests.len() - 1,
        }
    }

    /// The complete family's levels at familywise error rate `alpha`.
    pub(crate) fn complete(self, alpha: f64) -> HolmLevels {
        let mut offsets = [0; 4];
        let mut p_values = Vec::new();
        for part in Part::ALL {
            offsets[part.index()] = p_values.len();
            p_values.extend_from_slice(&self.parts[part.index()]);
        }
        HolmLevels {
            levels: stats::holm_levels(&p_values, alpha),
            offsets,
            alpha,
        }
    }
}

/// Each registered test's Holm level.
#[derive(Debug)]
pub(crate) struct HolmLevels {
    levels: Vec<f64>,
    /// Where each part's tests start in `levels`.
    offsets: [usize; 4],
    alpha: f64,
}

impl HolmLevels {
    /// The level of the test `handle` stands for.
    pub(crate) fn level(&self, handle: Handle) -> f64 {
        self.levels
            .get(self.offsets[handle.part.index()] + handle.index)
            .copied()
            .unwrap_or(self.alpha)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_parts_order_not_the_registration_order() {
        let mut family = HolmFamily::default();
        let phase = family.register(Part::Phase, 0.5);
        let app = family.register(Part::App, 0.5);
        let latency = [
            family.register(Part::Latency, 0.5),
            family.register(Part::Latency, 0.001),
        ];
        let levels = family.complete(0.01);
        let expected = stats::holm_levels(&[0.5, 0.001, 0.5, 0.5], 0.01);
        let got = [
            levels.level(latency[0]),
            levels.level(latency[1]),
            levels.level(app),
            levels.level(phase),
        ];
        assert_eq!(got.to_vec(), expected);
    }
}
