//! The comparison as JSON, for other tools (schema:
//! `schemas/comparison.schema.json`).

use std::io::{self, Write};

use crate::compare::Comparison;

pub fn write_comparison(comparison: &Comparison, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, comparison)?;
    writeln!(out)
}
