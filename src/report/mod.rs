//! Reports: one [`Report`] model, built once from a comparison and its
//! context, printed by one writer per format.
//!
//! A [`Report`] holds the [`crate::compare::Comparison`] and what surrounds it (the main
//! branch's history); [`Report::context`] phrases where the numbers came
//! from — each side's commit, time, runs, machine and CPU placement, the A/B
//! mode and its run-to-run floor, accepted slowdowns — once, so that the
//! terminal, Markdown, JSON, JUnit and HTML writers and the pull-request
//! comment all say the same things. [`checks()`] gives every test of the gate
//! with its numbers formatted once.

use std::io::{self, Write};
use std::path::Path;

use crate::escape::inert;
use crate::files;

pub mod bisect;
pub mod calibration;
pub mod capacity;
mod checks;
pub mod comment;
mod cpu_endpoints;
mod headline;
pub mod history;
pub mod html;
pub mod json;
pub mod junit;
mod main_since;
pub mod markdown;
mod model;
pub mod phases;
mod svg;
pub mod terminal;
mod text;

#[cfg(test)]
mod tests;

pub use crate::provenance::short_commit;
pub use checks::{checks, verdict_counts, Check, CheckKind, Regressions};
pub use headline::{advice, headline, possible_text, sight_line, NOT_JUDGED};
pub use main_since::{MainSince, SinceFigure};
pub use model::{side_line, unit, Context, Format, Report, HISTORY_SHOWN};
pub use text::{
    change, detectable, figure, in_unit, interval, ms, p_value, percent, points, rate,
    regressed_means,
};

/// The report directory's comparison, which `publish` and `history
/// append` read back.
pub const COMPARISON_FILE: &str = "comparison.json";

/// The files `--report-dir` writes, and their formats.
const REPORT_FILES: [(&str, Format); 4] = [
    (COMPARISON_FILE, Format::Json),
    ("comparison.md", Format::Markdown),
    ("junit.xml", Format::Junit),
    ("report.html", Format::Html),
];

/// Renders `report` in `format` into `out`.
pub fn write(report: &Report, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => {
            let mut text = Vec::new();
            terminal::print_comparison(report, &mut text)?;
            out.write_all(inert(&String::from_utf8_lossy(&text)).as_bytes())
        }
        Format::Markdown => markdown::write_comparison(report, &Default::default(), out),
        Format::Json => json::write_comparison(report, out),
        Format::Junit => junit::write_comparison(report, out),
        Format::Html => html::write_comparison(report, out),
    }
}

/// Writes `comparison.json`, `comparison.md`, `junit.xml` and
/// `report.html` into `dir` (creating it), each file atomically.
pub fn write_dir(report: &Report, dir: &Path) -> Result<(), files::WriteError> {
    for (name, format) in REPORT_FILES {
        let mut bytes = Vec::new();
        // Rendering into memory cannot fail.
        let _ = write(report, format, &mut bytes);
        files::write_atomic(&dir.join(name), &bytes)?;
    }
    Ok(())
}

/// Why a saved comparison cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read the comparison: {0}; pass a comparison.json written by --report-dir or --format json")]
    Io(#[source] std::io::Error),
    #[error("{path} is not a benchgate comparison: {source}; pass a comparison.json written by --report-dir or --format json", path = .path.display())]
    Json {
        path: std::path::PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// The comparison a path names: a report directory's [`COMPARISON_FILE`],
/// or the file itself.
pub fn comparison_path(path: &Path) -> std::path::PathBuf {
    if path.is_dir() {
        path.join(COMPARISON_FILE)
    } else {
        path.to_path_buf()
    }
}

/// Reads a report saved by `--report-dir` or `--format json`.
pub fn read(path: &Path) -> Result<Report, ReadError> {
    let text = fs_err::read_to_string(path).map_err(ReadError::Io)?;
    serde_json::from_str(&text).map_err(|source| ReadError::Json {
        path: path.to_path_buf(),
        source,
    })
}
