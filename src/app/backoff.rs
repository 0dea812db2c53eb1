//! Pauses that double up to a most: how often benchgate looks whether an
//! app is ready, and whether stopped processes are gone. The app usually
//! answers (or exits) within milliseconds, so the first looks come fast;
//! one that takes its time is not looked at more often than every `most`.

use std::time::Duration;

/// Readiness: a probe of a port nobody listens on yet costs a refused
/// connect, so polling often costs little, and every pause is time an A/B
/// round waits for an app that is already up (a fixed 50 ms lost 25 ms per
/// app on average).
pub const READY: Backoff = Backoff::new(Duration::from_millis(2), Duration::from_millis(10));
/// Exit: most apps exit within milliseconds of SIGTERM (a fixed 20 ms
/// pause, here and again in the supervisor, cost every A/B round up to
/// 40 ms for nothing); each look reads `/proc`, so never more often than
/// every 20 ms after the first few.
pub const EXIT: Backoff = Backoff::new(Duration::from_millis(1), Duration::from_millis(20));

/// The pauses between looks: `first`, then each twice the last, up to
/// `most`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    next: Duration,
    most: Duration,
}

impl Backoff {
    pub const fn new(first: Duration, most: Duration) -> Backoff {
        Backoff { next: first, most }
    }

    /// The pause before the next look.
    pub fn pause(&mut self) -> Duration {
        let pause = self.next;
        self.next = (pause * 2).min(self.most);
        pause
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(mut backoff: Backoff) -> Vec<u128> {
        (0..7).map(|_| backoff.pause().as_millis()).collect()
    }

    #[test]
    fn looks_come_often_at_first_and_then_at_a_steady_pace() {
        assert_eq!(ms(READY), [2, 4, 8, 10, 10, 10, 10]);
        assert_eq!(ms(EXIT), [1, 2, 4, 8, 16, 20, 20]);
    }
}
