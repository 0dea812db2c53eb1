//! benchgate: a CI performance-regression gate for HTTP services.
//!
//! The library holds the stages, bottom to top (the README's Layout
//! section, kept so by `tests/layers.rs`); `src/main.rs` parses the
//! arguments, runs one command and maps its outcome to an exit code (see
//! [`exit`]).

pub mod ab;
pub mod app;
pub mod baseline;
pub mod bisect;
pub mod broken_pipe;
pub mod calibrate;
pub mod capacity;
pub mod chain;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod config;
pub mod escape;
pub mod exit;
pub mod files;
pub mod github;
pub mod init;
pub mod load;
pub mod merge;
pub mod placement;
pub mod provenance;
pub mod record;
pub mod report;
pub mod runner;
pub mod stats;
pub mod stopping;
