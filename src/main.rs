//! benchgate: a CI performance-regression gate for HTTP services.

mod config;
mod stats;

fn main() {}
