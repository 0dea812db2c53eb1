//! Where a run measured until known stands after a round, and the level
//! each look at the data may spend (see [`super`] for the rule).

/// The share of the suite's α that the interim looks may spend together.
pub const INTERIM_SHARE: f64 = 0.1;

/// Most looks a run measured until known may take (rounds of an A/B run,
/// runs of a stored check): each interim look spends a share of the
/// suite's error budget, so the looks are bounded. 60 lets the default
/// budget of 120 s be measured in A/B rounds of 2 s.
pub const MAX_LOOKS: u32 = 60;

/// Where a run stands after a round: rounds measured so far, the rounds of
/// `load.duration` (the first look) and of `load.max_duration` (the last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub round: u32,
    pub min_rounds: u32,
    pub max_rounds: u32,
}

impl Look {
    /// Whether this look ends the run whatever the data: the budget's last
    /// round.
    pub fn is_last(&self) -> bool {
        self.round >= self.max_rounds
    }

    /// Whether the run looks at the data after this round at all.
    pub fn is_look(&self) -> bool {
        self.round >= self.min_rounds
    }

    /// How many interim looks the budget allows.
    fn interim_looks(&self) -> u32 {
        self.max_rounds.saturating_sub(self.min_rounds)
    }

    /// The suite's family level (1 − confidence) at this look for a suite
    /// level `alpha`.
    pub fn level(&self, alpha: f64) -> f64 {
        match self.interim_looks() {
            0 => alpha,
            n if !self.is_last() => alpha * INTERIM_SHARE / f64::from(n),
            _ => alpha * (1.0 - INTERIM_SHARE),
        }
    }
}
