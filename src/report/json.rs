//! The report as JSON, for other tools and for `benchgate report` to read
//! back (schema: `schemas/comparison.schema.json`).

use std::io::{self, Write};

use super::Report;

pub fn write_comparison(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
