//! The progress bar: on a terminal only, and never in CI logs.

use std::io::IsTerminal;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;
use crate::load::{Live, Plan};

/// The progress bar: on a terminal only, and never in CI logs.
pub(super) struct Progress {
    bar: Option<ProgressBar>,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    /// The bar of one run; nothing at all when `silent` (a later round of
    /// an A/B run, whose progress the run's own bar shows).
    pub(super) fn start(config: &Config, plan: &Plan, live: Arc<Live>, silent: bool) -> Progress {
        if silent {
            return Progress {
                bar: None,
                ticker: None,
            };
        }
        if !live_terminal() {
            eprintln!(
                "measuring: {} s warm-up, then {} s at {}/s (seed {})",
                config.load.warmup.as_secs_f64(),
                config.load.duration.as_secs_f64(),
                config.load.rate,
                plan.seed
            );
            return Progress {
                bar: None,
                ticker: None,
            };
        }
        let total = plan.schedule.total_requests();
        let warmup = total - plan.schedule.measured_requests();
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>9} [{bar:30}] {pos}/{len} requests, {elapsed} elapsed",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix("warm-up");
        let ticker_bar = bar.clone();
        let ticker = tokio::spawn(async move {
            loop {
                let done = live.finished.load(Ordering::Relaxed);
                ticker_bar.set_position(done);
                if done >= warmup {
                    ticker_bar.set_prefix("measuring");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        Progress {
            bar: Some(bar),
            ticker: Some(ticker),
        }
    }

    pub(super) fn finish(self) {
        drop(self);
    }
}

/// Whether progress may be drawn live: stderr is a terminal and not a CI
/// log.
pub fn live_terminal() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
